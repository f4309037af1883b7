// Package cmdutil holds the error kinds and flag helpers shared by keyward's
// commands. Commands return these errors; only the root maps them to exit
// codes.
package cmdutil

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// Error kinds that the root command maps onto exit codes.
var (
	// ErrSilent means the command already printed what went wrong.
	ErrSilent = errors.New("cmdutil: silent error")
	// ErrCancel means the user interrupted the command.
	ErrCancel = errors.New("cmdutil: cancelled")
	// ErrAuth means a server refused the command's credentials.
	ErrAuth = errors.New("cmdutil: authentication refused")
	// ErrPending means what the command waited for has not finished.
	ErrPending = errors.New("cmdutil: still pending")
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

// StringEnumFlag binds a string flag whose value must be one of options.
func StringEnumFlag(cmd *cobra.Command, p *string, name, shorthand, defaultValue string, options []string, usage string) {
	*p = defaultValue
	cmd.Flags().VarP(&enumValue{p: p, options: options}, name, shorthand,
		fmt.Sprintf("%s: {%s}", usage, strings.Join(options, "|")))
}

type enumValue struct {
	p       *string
	options []string
}

func (e *enumValue) String() string { return *e.p }
func (e *enumValue) Type() string   { return "string" }
func (e *enumValue) Set(v string) error {
	if !slices.Contains(e.options, v) {
		return fmt.Errorf("valid values are {%s}", strings.Join(e.options, "|"))
	}
	*e.p = v
	return nil
}
