// Package errcode is keyward's one table of error codes and its one coded
// error type.
//
// Every error a client can see carries a stable, upper-case code (params.err
// of the envelope, DESIGN §3). Each code has exactly one HTTP status and one
// meaning, listed in [Table]; the README's table of codes is generated from
// it (and a test fails when it drifts), and a test fails on any code string
// in the tree that the table does not declare.
//
// An error that should reach the client as something other than INTERNAL is
// an [*Error]: a code, a message safe to show, and a cause for the log only.
// The token codes are [token.Code] values from the public token package;
// they are in the table too, with the same statuses as [token.Code.Status].
//
// This package does no I/O and imports no HTTP package, so the domain
// (package credential) builds its errors from it.
//
// # Adding codes
//
// Add one [Entry] to the table in table.go, with a constant beside the
// others of its family. Nothing else is needed: the envelope takes the
// status from the table, and the docs test prints the README lines to paste
// (or rewrites them with -update).
package errcode

import (
	"errors"
	"fmt"
	"time"
)

// Error is the coded error: a stable code from [Table], a message that is
// safe to show to the client, and the cause, which only the server's log
// sees. Any error that is not an *Error (a disk error, a driver error)
// reaches the client as INTERNAL with a generic message.
type Error struct {
	// Code is one of the table's codes.
	Code string
	// Message is shown to the client. It never holds a token, a secret or a
	// driver's error text.
	Message string
	// RetryAfter, when positive, is sent as the Retry-After header (whole
	// seconds, rounded up).
	RetryAfter time.Duration
	// Err is the cause, for the log only.
	Err error
}

// New returns an [*Error] with code and message.
func New(code, message string) *Error { return &Error{Code: code, Message: message} }

// Errorf returns an [*Error] with code and a formatted message. The message
// is shown to the client: never format a secret or a token into it.
func Errorf(code, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Message: msg}
}

// Wrap returns an [*Error] with code and message whose cause is err.
func Wrap(code, message string, err error) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// Error returns "CODE: message: cause".
func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an [*Error] with the same code and, when the
// target has a message, the same message; so errors.Is(err,
// &errcode.Error{Code: errcode.NotFound}) matches every not-found error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && (t.Message == "" || t.Message == e.Message)
}

// Status returns the HTTP status of the error's code (500 for a code the
// table does not know).
func (e *Error) Status() int { return Status(e.Code) }

// CodeOf returns the code of the [*Error] in err's chain: "" for a nil
// error, INTERNAL for an error without a code.
func CodeOf(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return Internal
}
