// Package iostreams carries the standard streams of a command and what is
// known about them (whether stdout is a terminal), so that commands can be run
// on in-memory buffers in tests.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams holds the three standard streams of one command invocation.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdoutTTY bool
	stdinTTY  bool
}

// System returns the process's own streams, with terminal detection.
func System() *IOStreams {
	return &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdoutTTY: isTerminal(os.Stdout),
		stdinTTY:  isTerminal(os.Stdin),
	}
}

// Test returns streams backed by buffers: stdin, stdout and stderr, in that
// order. Neither stdin nor stdout is a terminal until SetStdoutTTY or
// SetStdinTTY says so.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := new(bytes.Buffer), new(bytes.Buffer), new(bytes.Buffer)
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// IsStdoutTTY reports whether decorated output may be written to Out.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStdinTTY reports whether In is an interactive terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// SetStdoutTTY overrides terminal detection for Out.
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStdinTTY overrides terminal detection for In.
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// isTerminal asks the terminal driver, not the file mode: /dev/null is a
// character device too, and a command reading from it must not prompt.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
