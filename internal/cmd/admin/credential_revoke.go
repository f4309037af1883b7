package admin

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type credentialRevokeOptions struct {
	apiOptions
	ID       int64
	Yes      bool
	Exporter cliflag.JSONExporter
}

func newCmdCredentialRevoke(f *factory.Factory, conn *connect.Flags, runF func(*credentialRevokeOptions) error) *cobra.Command {
	opts := &credentialRevokeOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:   "revoke ID [--yes]",
		Short: "Revoke a credential: every token it signs is refused from now on",
		Long:  "Revoke a credential for good: every token it signs is refused from now on. Without a terminal, --yes is required.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			var err error
			if opts.ID, err = parseID("credential", args[0]); err != nil {
				return err
			}
			if err := requireYes(opts.IO, opts.Yes); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return credentialRevokeRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cliflag.AddJSON(cmd, &opts.Exporter, credentialFields)
	return cmd
}

func credentialRevokeRun(opts *credentialRevokeOptions) error {
	if err := confirm(opts.IO, opts.Yes, fmt.Sprintf("Revoke credential %d? Its clients stop working at once.", opts.ID)); err != nil {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	cr, err := c.RevokeCredential(opts.context(), opts.ID)
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, cr)
	}
	success(opts.IO, "Revoked credential %d (%s)", cr.ID, cr.Key)
	return credentialDetail(opts.IO, cr).render(opts.IO)
}
