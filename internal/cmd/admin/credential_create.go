package admin

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
)

// secretFields are the --json fields of the commands that show a new secret:
// the credential's fields plus the secret's kid and value.
var secretFields = append(slices.Clone(credentialFields), "kid", "secret")

// issuedSecret is a credential with the secret just made for it, as --json
// prints it: {"key":…,"secret":…,"kid":…,"id":…,…}.
type issuedSecret struct {
	*client.Credential
	KID    string `json:"kid"`
	Secret string `json:"secret"`
}

type credentialCreateOptions struct {
	apiOptions
	Name     string
	Notes    string
	Groups   []string
	Owner    int64
	Exporter cliflag.JSONExporter
}

func newCmdCredentialCreate(f *factory.Factory, conn *connect.Flags, runF func(*credentialCreateOptions) error) *cobra.Command {
	opts := &credentialCreateOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:   "create --groups G[,G] --name NAME [--notes TEXT] [--owner ID]",
		Short: "Create a credential: a key and a secret",
		Long: `Create a credential for yourself, or with --owner for another account (admin),
granted the given API groups. The key and secret are printed once: the server
keeps only an encrypted copy and never shows the secret again. With --json the
output is {"key":…,"secret":…,"kid":…,"id":…,…}.`,
		Example: `  keyward admin credential create --groups encoding --name ci --json > ci.json
  keyward admin credential create --groups encoding,rooms --name "Ann's app" --owner 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			if opts.Name == "" {
				return cmderror.FlagErrorf("--name is required")
			}
			if len(opts.Groups) == 0 {
				return cmderror.FlagErrorf("--groups is required")
			}
			if opts.Owner < 0 {
				return cmderror.FlagErrorf("invalid --owner %d", opts.Owner)
			}
			if runF != nil {
				return runF(opts)
			}
			return credentialCreateRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Name, "name", "n", "", "the credential's name (required)")
	cmd.Flags().StringVar(&opts.Notes, "notes", "", "free-text notes")
	cmd.Flags().StringSliceVarP(&opts.Groups, "groups", "g", nil, "the API groups it may call (required; comma-separated or repeated)")
	cmd.Flags().Int64Var(&opts.Owner, "owner", 0, "the account `ID` it is for (default: yourself)")
	cliflag.AddJSON(cmd, &opts.Exporter, secretFields)
	return cmd
}

func credentialCreateRun(opts *credentialCreateOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	cred, secret, err := c.CreateCredential(opts.context(), client.CreateCredentialParams{
		Name: opts.Name, Notes: opts.Notes, Groups: opts.Groups, Owner: opts.Owner,
	})
	if err != nil {
		return opts.explain(err)
	}
	if secret == nil {
		return fmt.Errorf("the server returned no secret for credential %d", cred.ID)
	}
	success(opts.IO, "Created credential %d (%s) for %s", cred.ID, cred.Name, list(cred.Groups))
	return printSecret(opts.IO, &opts.Exporter, cred, secret)
}

// printSecret shows a new secret once, with a warning on stderr.
func printSecret(io *iostreams.IOStreams, e *cliflag.JSONExporter, cred *client.Credential, secret *client.Secret) error {
	fmt.Fprintln(io.ErrOut, "! The secret is shown only once: store it now. keyward cannot show it again.")
	if cred == nil {
		cred = &client.Credential{Key: secret.Key}
	}
	if e.Enabled() {
		return e.Write(io.Out, issuedSecret{Credential: cred, KID: secret.KID, Secret: secret.Value})
	}
	var d detail
	d.add("key", secret.Key)
	d.add("kid", secret.KID)
	d.add("secret", secret.Value)
	return d.render(io)
}
