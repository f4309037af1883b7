// Package cmdtest is what the command tests share: parsing a command line
// into the options a command would run with.
package cmdtest

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/shlex"
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
)

// Factory returns a factory on test streams, with an empty environment and
// a clock at now.
func Factory(now time.Time) *factory.Factory {
	ios, _, _, _ := iostreams.Test()
	return &factory.Factory{IOStreams: ios, Getenv: func(string) string { return "" }, NowFunc: func() time.Time { return now }}
}

// Parse runs the command newCmd builds on f with cli (split as a shell
// would), with a runF that keeps the options instead of running. With
// wantErr set the command must fail with an error holding it; otherwise it
// must succeed. It returns the options and the command's error: opts are
// there to check when err is nil.
func Parse[T any](t *testing.T, f *factory.Factory, newCmd func(*factory.Factory, func(*T) error) *cobra.Command, cli, wantErr string) (opts *T, err error) {
	t.Helper()
	cmd := newCmd(f, func(o *T) error { opts = o; return nil })
	argv, err := shlex.Split(cli)
	if err != nil {
		t.Fatal(err)
	}
	cmd.SetArgs(argv)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err = cmd.Execute()
	switch {
	case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
		t.Fatalf("%s %s: error %v, want %q", cmd.Name(), cli, err, wantErr)
	case wantErr == "" && err != nil:
		t.Fatalf("%s %s: %v", cmd.Name(), cli, err)
	}
	return opts, err
}
