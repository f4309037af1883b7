package client

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/keyward/keyward/token"
)

// Error codes of the management API, beside the TOKEN_* and other codes of
// package token (see token.Code), which the server returns for 401 and 403.
const (
	// CodeNotFound: the addressed object does not exist (404).
	CodeNotFound = "NOT_FOUND"
	// CodeConflict: the action conflicts with the current state, e.g. a
	// duplicate name or an already decided request (409).
	CodeConflict = "CONFLICT"
	// CodeForbidden: the caller is known but may not do this (403).
	CodeForbidden = "FORBIDDEN"
	// CodeInvalidArgument: a parameter is malformed or names something
	// that does not exist (400).
	CodeInvalidArgument = "INVALID_ARGUMENT"
	// CodeBadRequest: the request itself is malformed, e.g. not JSON (400).
	CodeBadRequest = "BAD_REQUEST"
	// CodeBodyTooLarge: the request body is too large (413).
	CodeBodyTooLarge = "BODY_TOO_LARGE"
	// CodeRateLimited: too many requests; see [Error.RetryAfter] (429).
	CodeRateLimited = "RATE_LIMITED"
	// CodeInternal: the server failed; the detail is in its logs (500).
	CodeInternal = "INTERNAL"
)

// Sentinel errors to match an [*Error] with [errors.Is]. Those with a code
// match that code; [ErrUnauthorized] and [ErrForbidden] match every error of
// their HTTP status, whatever its code.
var (
	// ErrUnauthorized matches every 401: the server could not prove who is
	// calling (bad signature, unknown or revoked key, expired token, …).
	ErrUnauthorized = &Error{HTTPStatus: http.StatusUnauthorized}
	// ErrForbidden matches every 403: the caller is proven but not allowed
	// (FORBIDDEN, GROUP_NOT_GRANTED, PERMISSION_DENIED, TOKEN_PROFILE).
	ErrForbidden = &Error{HTTPStatus: http.StatusForbidden}

	// ErrNotFound matches NOT_FOUND.
	ErrNotFound = &Error{Code: CodeNotFound}
	// ErrConflict matches CONFLICT.
	ErrConflict = &Error{Code: CodeConflict}
	// ErrInvalidArgument matches INVALID_ARGUMENT.
	ErrInvalidArgument = &Error{Code: CodeInvalidArgument}
	// ErrBadRequest matches BAD_REQUEST.
	ErrBadRequest = &Error{Code: CodeBadRequest}
	// ErrBodyTooLarge matches BODY_TOO_LARGE.
	ErrBodyTooLarge = &Error{Code: CodeBodyTooLarge}
	// ErrRateLimited matches RATE_LIMITED.
	ErrRateLimited = &Error{Code: CodeRateLimited}
	// ErrInternal matches INTERNAL.
	ErrInternal = &Error{Code: CodeInternal}
)

// ErrMalformedResponse is returned (wrapped) when a successful HTTP response
// is not a keyward envelope, e.g. when BaseURL points at something else.
var ErrMalformedResponse = errors.New("client: response is not a keyward envelope")

// Error is a call the server answered with a failure: an HTTP status of 400 or
// above, or an envelope whose params.status is "failed". Its Message is the
// server's, which never contains a token or a secret.
type Error struct {
	// HTTPStatus is the response's status code.
	HTTPStatus int
	// Code is the envelope's params.err, a stable upper-case code such as
	// NOT_FOUND or TOKEN_EXPIRED; "" when the response was not an envelope
	// (a proxy's error page, say).
	Code string
	// Message is the envelope's params.errmsg, or the HTTP status text.
	Message string
	// RetryAfter is the Retry-After header of a 429 or 503, or 0.
	RetryAfter time.Duration
	// ID is the envelope's id, e.g. "keyward.group.get".
	ID string
	// ResMsgID is the envelope's params.resmsgid, the id by which the
	// server's operator can find the request in the logs.
	ResMsgID string
}

// Error returns "keyward: CODE: message (HTTP status)".
func (e *Error) Error() string {
	code := e.Code
	if code == "" {
		code = "HTTP_" + strconv.Itoa(e.HTTPStatus)
	}
	return fmt.Sprintf("keyward: %s: %s (HTTP %d)", code, e.Message, e.HTTPStatus)
}

// Is reports whether target describes e: an *Error whose Code equals e's,
// or, when the target has no Code, whose HTTPStatus equals e's; or a
// *token.Error with e's code, so that errors.Is(err, token.ErrExpired) works
// on the server's answer too.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case *Error:
		if t.Code != "" {
			return t.Code == e.Code
		}
		return t.HTTPStatus != 0 && t.HTTPStatus == e.HTTPStatus
	case *token.Error:
		return e.Code != "" && string(t.Code) == e.Code
	}
	return false
}

// IsNotFound reports whether err is an [*Error] saying that what was asked
// for does not exist: NOT_FOUND, or any other code answered with HTTP 404
// (ROOM_NOT_FOUND, PEER_NOT_FOUND, …).
func IsNotFound(err error) bool {
	var e *Error
	return errors.Is(err, ErrNotFound) || errors.As(err, &e) && e.HTTPStatus == http.StatusNotFound
}

// IsConflict reports whether err is a CONFLICT [*Error].
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }

// IsAuth reports whether err is a 401 or 403 [*Error]: the credential was
// refused or is not allowed to do this.
func IsAuth(err error) bool {
	return errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrForbidden)
}

// IsRateLimited reports whether err is a RATE_LIMITED [*Error]; its
// RetryAfter says how long to wait.
func IsRateLimited(err error) bool { return errors.Is(err, ErrRateLimited) }

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
