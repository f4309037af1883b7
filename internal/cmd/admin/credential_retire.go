package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type credentialRetireOptions struct {
	apiOptions
	ID       int64
	KID      string
	Exporter cliflag.JSONExporter
}

func newCmdCredentialRetire(f *factory.Factory, conn *connect.Flags, runF func(*credentialRetireOptions) error) *cobra.Command {
	opts := &credentialRetireOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:   "retire ID KID",
		Short: "Stop one of a credential's secrets at once",
		Long:  `Stop one of a credential's secrets at once, e.g. the old one after a rotation. "credential show ID" lists the kids.`,
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			var err error
			if opts.ID, err = parseID("credential", args[0]); err != nil {
				return err
			}
			opts.KID = args[1]
			if runF != nil {
				return runF(opts)
			}
			return credentialRetireRun(opts)
		},
	}
	cliflag.AddJSON(cmd, &opts.Exporter, credentialFields)
	return cmd
}

func credentialRetireRun(opts *credentialRetireOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	cr, err := c.RetireSecret(opts.context(), opts.ID, opts.KID)
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, cr)
	}
	success(opts.IO, "Retired secret %s of credential %d", opts.KID, opts.ID)
	return credentialDetail(opts.IO, cr).render(opts.IO)
}
