package admin

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type accountCreateOptions struct {
	apiOptions
	Email        string
	Name         string
	Role         string
	PasswordFile string
	Password     string
	Exporter     cliflag.JSONExporter
}

func newCmdAccountCreate(f *factory.Factory, conn *connect.Flags, runF func(*accountCreateOptions) error) *cobra.Command {
	opts := &accountCreateOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:   "create --email ADDRESS [--name NAME] [--role developer|admin] [--password-file FILE]",
		Short: "Create an account (admin)",
		Long: `Create an account. The portal password is read from --password-file (- for
standard input, first line), never from a flag, so that it stays out of the
process list; without one the account has no password yet.`,
		Example: `  printf '%s\n' "$PW" | keyward admin account create --email ann@example.com --name Ann --password-file -`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			if opts.Email == "" {
				return cmderror.FlagErrorf("--email is required")
			}
			if opts.PasswordFile != "" {
				pw, err := readPassword(opts.IO.In, opts.PasswordFile)
				if err != nil {
					return err
				}
				opts.Password = pw
			}
			if runF != nil {
				return runF(opts)
			}
			return accountCreateRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Email, "email", "", "sign-in address (required)")
	cmd.Flags().StringVar(&opts.Name, "name", "", "display name")
	cliflag.StringEnum(cmd, &opts.Role, "role", "", client.RoleDeveloper, []string{client.RoleDeveloper, client.RoleAdmin}, "role")
	cmd.Flags().StringVar(&opts.PasswordFile, "password-file", "", "read the portal password from `FILE` (- for stdin)")
	cliflag.AddJSON(cmd, &opts.Exporter, accountFields)
	return cmd
}

// readPassword reads the first line of file, or of in for "-".
func readPassword(in io.Reader, file string) (string, error) {
	var b []byte
	var err error
	if file == "-" {
		b, err = io.ReadAll(io.LimitReader(in, 4096))
	} else {
		b, err = os.ReadFile(file)
	}
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw, _, _ := strings.Cut(string(b), "\n")
	pw = strings.TrimRight(pw, "\r")
	if pw == "" {
		return "", cmderror.FlagErrorf("--password-file: the password is empty")
	}
	return pw, nil
}

func accountCreateRun(opts *accountCreateOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	a, err := c.CreateAccount(opts.context(), client.CreateAccountParams{Email: opts.Email, Name: opts.Name, Role: opts.Role, Password: opts.Password})
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, a)
	}
	success(opts.IO, "Created account %d (%s)", a.ID, a.Email)
	return accountDetail(opts.IO, a).render(opts.IO)
}
