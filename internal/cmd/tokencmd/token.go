// Package tokencmd implements "keyward token": minting tokens of every profile,
// verifying them and explaining them.
package tokencmd

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/factory"
)

// NewCmdToken builds the "token" command group.
func NewCmdToken(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token <command>",
		Short: "Mint, verify and inspect HS256 tokens",
		Long: `Mint tokens of the five profiles keyward serves (request, qsh, management,
app, apikey), verify a token as the server would, or explain one.

The key and secret come from --key and --secret, or from the KEYWARD_KEY and
KEYWARD_SECRET environment variables; --secret-file reads the secret from a
file (or - for standard input) so that it stays out of the process list.`,
	}
	for _, p := range signProfiles {
		cmd.AddCommand(newCmdSign(f, p, nil))
	}
	cmd.AddCommand(newCmdVerify(f, nil))
	cmd.AddCommand(newCmdInspect(f, nil))
	return cmd
}

// secretFlags are the ways to hand a command a secret.
type secretFlags struct {
	secret     string
	secretFile string
}

func (s *secretFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&s.secret, "secret", "s", "", "the secret (default $KEYWARD_SECRET)")
	cmd.Flags().StringVar(&s.secretFile, "secret-file", "", "read the secret from `FILE` (- for stdin); a trailing newline is dropped")
}

// resolve returns the secret bytes from the flag, the file or the
// environment, in that order. required makes its absence a flag error.
func (s *secretFlags) resolve(f *factory.Factory, required bool) ([]byte, error) {
	if s.secret != "" && s.secretFile != "" {
		return nil, cmderror.FlagErrorf("specify only one of --secret and --secret-file")
	}
	switch {
	case s.secret != "":
		return []byte(s.secret), nil
	case s.secretFile != "":
		var b []byte
		var err error
		if s.secretFile == "-" {
			b, err = readAll(f)
		} else {
			b, err = os.ReadFile(s.secretFile)
		}
		if err != nil {
			return nil, fmt.Errorf("read secret: %w", err)
		}
		return []byte(strings.TrimRight(string(b), "\r\n")), nil
	case f.Getenv("KEYWARD_SECRET") != "":
		return []byte(f.Getenv("KEYWARD_SECRET")), nil
	}
	if required {
		return nil, cmderror.FlagErrorf("a secret is required: --secret, --secret-file or $KEYWARD_SECRET")
	}
	return nil, nil
}

func readAll(f *factory.Factory) ([]byte, error) {
	return io.ReadAll(io.LimitReader(f.IOStreams.In, 1<<20))
}
