package admin

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type credentialRotateOptions struct {
	apiOptions
	ID       int64
	Overlap  time.Duration
	Exporter cliflag.JSONExporter
}

func newCmdCredentialRotate(f *factory.Factory, conn *connect.Flags, runF func(*credentialRotateOptions) error) *cobra.Command {
	opts := &credentialRotateOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:   "rotate ID [--overlap 24h]",
		Short: "Give a credential a new secret; the current one expires after the overlap",
		Long: `Give a credential a new secret, printed once. The current secret keeps working
for the overlap (default the server's, 24h; --overlap 0 ends it at once) so
that clients can switch; retire it sooner with "keyward admin credential
retire ID KID".`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			var err error
			if opts.ID, err = parseID("credential", args[0]); err != nil {
				return err
			}
			if opts.Overlap < 0 {
				return cmderror.FlagErrorf("invalid --overlap %s", opts.Overlap)
			}
			if opts.Overlap == 0 && cmd.Flags().Changed("overlap") {
				opts.Overlap = client.NoOverlap // an explicit 0 ends the old secret now
			}
			if runF != nil {
				return runF(opts)
			}
			return credentialRotateRun(opts)
		},
	}
	cmd.Flags().DurationVar(&opts.Overlap, "overlap", 0, "how long the current secret keeps working (default the server's, 24h; 0 ends it now)")
	cliflag.AddJSON(cmd, &opts.Exporter, secretFields)
	return cmd
}

func credentialRotateRun(opts *credentialRotateOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	cr, secret, err := c.RotateCredential(opts.context(), opts.ID, client.RotateCredentialParams{Overlap: opts.Overlap})
	if err != nil {
		return opts.explain(err)
	}
	if secret == nil {
		return fmt.Errorf("the server returned no secret for credential %d", opts.ID)
	}
	success(opts.IO, "Rotated credential %d: new secret %s", opts.ID, secret.KID)
	return printSecret(opts.IO, &opts.Exporter, cr, secret)
}
