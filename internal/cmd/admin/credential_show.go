package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type credentialShowOptions struct {
	apiOptions
	ID       int64
	Exporter cliflag.JSONExporter
}

func newCmdCredentialShow(f *factory.Factory, conn *connect.Flags, runF func(*credentialShowOptions) error) *cobra.Command {
	opts := &credentialShowOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a credential and its secrets' ids (never a secret)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			var err error
			if opts.ID, err = parseID("credential", args[0]); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return credentialShowRun(opts)
		},
	}
	cliflag.AddJSON(cmd, &opts.Exporter, credentialFields)
	return cmd
}

func credentialShowRun(opts *credentialShowOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	cr, err := c.GetCredential(opts.context(), opts.ID)
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, cr)
	}
	return credentialDetail(opts.IO, cr).render(opts.IO)
}
