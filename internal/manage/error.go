package manage

import (
	"errors"
	"fmt"

	"github.com/keyward/keyward/internal/credential"
)

// Error codes of the management API beyond the token codes. Each maps to
// one HTTP status in [Error.Status].
const (
	codeBadRequest       = "BAD_REQUEST"
	codeInvalid          = "INVALID_ARGUMENT"
	codeNotFound         = "NOT_FOUND"
	codeConflict         = "CONFLICT"
	codeForbidden        = "FORBIDDEN"
	codeUnauthorized     = "UNAUTHORIZED"
	codeTooLarge         = "BODY_TOO_LARGE"
	codeUnsupportedMedia = "UNSUPPORTED_MEDIA_TYPE"
	codeInternal         = "INTERNAL"
)

var statusOf = map[string]int{
	codeBadRequest:       400,
	codeInvalid:          400,
	codeNotFound:         404,
	codeConflict:         409,
	codeForbidden:        403,
	codeUnauthorized:     401,
	codeTooLarge:         413,
	codeUnsupportedMedia: 415,
	codeInternal:         500,
}

// credentialCodes maps the domain's codes onto the API's.
var credentialCodes = map[string]string{
	credential.ENOTFOUND:     codeNotFound,
	credential.ECONFLICT:     codeConflict,
	credential.EFORBIDDEN:    codeForbidden,
	credential.EINVALID:      codeInvalid,
	credential.EUNAUTHORIZED: codeUnauthorized,
	credential.EINTERNAL:     codeInternal,
}

// Error is a management API error: a stable code, the message shown to the
// caller, and for internal errors the cause, which only the log sees.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error returns the code and message (and the cause, for logs).
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("manage: %s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("manage: %s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Status returns the HTTP status of the error's code.
func (e *Error) Status() int {
	if s, ok := statusOf[e.Code]; ok {
		return s
	}
	return 500
}

// EnvelopeCode lets the envelope write e with its own code and status
// (it implements envelope.Coder).
func (e *Error) EnvelopeCode() (string, int, string) { return e.Code, e.Status(), e.Message }

func invalidf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// apiError converts any error into an *Error: its own kind as it is,
// credential errors by code, everything else as INTERNAL with a generic
// message (the cause kept for the log).
func apiError(err error) *Error {
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	if e, ok := errors.AsType[*credential.Error](err); ok {
		code := credentialCodes[e.Code]
		if code == "" || code == codeInternal {
			return &Error{Code: codeInternal, Message: "internal error", Err: err}
		}
		return &Error{Code: code, Message: e.Message}
	}
	return &Error{Code: codeInternal, Message: "internal error", Err: err}
}
