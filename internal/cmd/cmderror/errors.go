// Package cmderror holds the kinds of error keyward's commands return.
// Commands return these errors and never exit themselves; only the root
// command maps them to exit codes.
package cmderror

import (
	"errors"
	"fmt"
)

// Error kinds that the root command maps onto exit codes.
var (
	// ErrSilent means the command already printed what went wrong.
	ErrSilent = errors.New("cmderror: silent error")
	// ErrCancel means the user interrupted the command.
	ErrCancel = errors.New("cmderror: cancelled")
	// ErrAuth means a server refused the command's credentials.
	ErrAuth = errors.New("cmderror: authentication refused")
	// ErrPending means what the command waited for has not finished.
	ErrPending = errors.New("cmderror: still pending")
)

// FlagError is a misuse of flags or arguments; the root prints usage for it.
type FlagError struct {
	err error
}

// Error returns the message of the wrapped error.
func (e *FlagError) Error() string { return e.err.Error() }

// Unwrap returns the wrapped error.
func (e *FlagError) Unwrap() error { return e.err }

// FlagErrorf returns a [FlagError] with a formatted message.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{err: fmt.Errorf(format, args...)}
}

// FlagErrorWrap wraps err as a [FlagError].
func FlagErrorWrap(err error) error { return &FlagError{err: err} }

// Mark returns an error that reads as err and also matches kind (one of
// the error kinds above) with errors.Is, so that the kind picks the exit
// code without its text reaching the user.
func Mark(err, kind error) error {
	if err == nil {
		return nil
	}
	return &marked{err: err, kind: kind}
}

type marked struct {
	err, kind error
}

func (m *marked) Error() string   { return m.err.Error() }
func (m *marked) Unwrap() []error { return []error{m.err, m.kind} }
