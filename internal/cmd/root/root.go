// Package root assembles the keyward command tree and maps the errors
// commands return onto process exit codes.
package root

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	admincmd "github.com/keyward/keyward/internal/cmd/admin"
	callcmd "github.com/keyward/keyward/internal/cmd/call"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	detectcmd "github.com/keyward/keyward/internal/cmd/detect"
	encodecmd "github.com/keyward/keyward/internal/cmd/encode"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/cmd/roomscmd"
	servecmd "github.com/keyward/keyward/internal/cmd/serve"
	"github.com/keyward/keyward/internal/cmd/tokencmd"
	"github.com/keyward/keyward/internal/cmd/watermarkcmd"
)

// Exit codes of the keyward binary.
const (
	ExitOK      = 0 // success
	ExitError   = 1 // the command ran and failed, e.g. a token did not verify
	ExitUsage   = 2 // wrong flags or arguments
	ExitCancel  = 3 // interrupted by the user
	ExitAuth    = 4 // the server refused our credentials
	ExitPending = 8 // the thing waited for is not done yet
)

// NewCmdRoot builds the root command with every subcommand attached.
func NewCmdRoot(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:           "keyward <command>",
		Short:         "keyward: app keys, HS256 tokens, verification and the APIs behind them",
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       f.Version,
	}
	cmd.SetIn(f.IOStreams.In)
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cmderror.FlagErrorWrap(err)
	})
	cmd.AddCommand(servecmd.NewCmdServe(f, nil))
	cmd.AddCommand(tokencmd.NewCmdToken(f))
	cmd.AddCommand(encodecmd.NewCmdEncode(f))
	cmd.AddCommand(admincmd.NewCmdAdmin(f))
	cmd.AddCommand(roomscmd.NewCmdRooms(f))
	cmd.AddCommand(callcmd.NewCmdCall(f))
	cmd.AddCommand(watermarkcmd.NewCmdWatermark(f))
	cmd.AddCommand(detectcmd.NewCmdDetect(f))
	return cmd
}

// Main runs the command line args against the tree and returns an exit code.
// It prints the error, and the usage for flag errors, on stderr.
func Main(f *factory.Factory, args []string) int {
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	c, err := cmd.ExecuteC()
	if err == nil {
		return ExitOK
	}
	stderr := f.IOStreams.ErrOut
	if errors.Is(err, cmderror.ErrSilent) {
		return ExitError
	}
	if errors.Is(err, cmderror.ErrCancel) {
		return ExitCancel
	}
	if fe, ok := errors.AsType[*cmderror.FlagError](err); ok {
		fmt.Fprintln(stderr, fe)
		if c != nil {
			fmt.Fprintln(stderr)
			fmt.Fprint(stderr, c.UsageString())
		}
		return ExitUsage
	}
	fmt.Fprintln(stderr, "error:", err)
	if errors.Is(err, cmderror.ErrAuth) {
		return ExitAuth
	}
	if errors.Is(err, cmderror.ErrPending) {
		return ExitPending
	}
	return ExitError
}
