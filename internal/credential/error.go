package credential

import (
	"errors"
	"fmt"
)

// Application error codes. They are meant to be generic and map onto HTTP
// status codes in one table at the HTTP boundary.
const (
	// ECONFLICT means the action conflicts with the current state: a
	// duplicate name, an already decided request, a revoked credential.
	ECONFLICT = "conflict"
	// EFORBIDDEN means the actor is known but may not do this.
	EFORBIDDEN = "forbidden"
	// EINTERNAL means something went wrong that the user cannot fix; the
	// detail is only for the operator's logs.
	EINTERNAL = "internal"
	// EINVALID means the input is malformed or refers to something that does
	// not exist (an unknown API group, say).
	EINVALID = "invalid"
	// ENOTFOUND means the addressed object does not exist.
	ENOTFOUND = "not_found"
	// EUNAUTHORIZED means who is acting is not proven: no actor in the
	// context, or a wrong password.
	EUNAUTHORIZED = "unauthorized"
)

// Error is keyward's application error. Its Code is machine-readable and its
// Message is safe to show to users. Any other error (a disk error, a driver
// error) is reported to users as EINTERNAL with a generic message and is only
// logged for the operator.
type Error struct {
	// Code is one of the E* constants.
	Code string
	// Message is a human-readable description, safe to show to users. It
	// never contains a secret.
	Message string
	// Err is the underlying cause, if any. It is for logs only.
	Err error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("credential error: code=%s message=%s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("credential error: code=%s message=%s", e.Code, e.Message)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, &credential.Error{Code: credential.ENOTFOUND}) matches any
// not-found error regardless of its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && (t.Message == "" || t.Message == e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the application error in err's chain. It
// returns "" for a nil error and EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of the application error in
// err's chain, or "Internal error." for any other error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Message
	}
	return "Internal error."
}
