package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type credentialUpdateOptions struct {
	apiOptions
	ID       int64
	Params   client.UpdateCredentialParams
	Exporter cliflag.JSONExporter
}

func newCmdCredentialUpdate(f *factory.Factory, conn *connect.Flags, runF func(*credentialUpdateOptions) error) *cobra.Command {
	opts := &credentialUpdateOptions{apiOptions: newAPIOptions(f, conn)}
	var name, notes string
	var groups []string
	cmd := &cobra.Command{
		Use:   "update ID [--name NAME] [--notes TEXT] [--groups G[,G]]",
		Short: "Rename a credential, or change its notes or API groups",
		Long:  "Change a credential. Only the flags given are changed; --groups replaces the whole list.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			var err error
			if opts.ID, err = parseID("credential", args[0]); err != nil {
				return err
			}
			fl := cmd.Flags()
			if fl.Changed("name") {
				opts.Params.Name = &name
			}
			if fl.Changed("notes") {
				opts.Params.Notes = &notes
			}
			if fl.Changed("groups") {
				if len(groups) == 0 {
					return cmderror.FlagErrorf("--groups needs at least one group")
				}
				opts.Params.Groups = &groups
			}
			if opts.Params.Name == nil && opts.Params.Notes == nil && opts.Params.Groups == nil {
				return cmderror.FlagErrorf("nothing to change: give --name, --notes or --groups")
			}
			if runF != nil {
				return runF(opts)
			}
			return credentialUpdateRun(opts)
		},
	}
	cmd.Flags().StringVarP(&name, "name", "n", "", "the new name")
	cmd.Flags().StringVar(&notes, "notes", "", "the new notes")
	cmd.Flags().StringSliceVarP(&groups, "groups", "g", nil, "the new API groups")
	cliflag.AddJSON(cmd, &opts.Exporter, credentialFields)
	return cmd
}

func credentialUpdateRun(opts *credentialUpdateOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	cr, err := c.UpdateCredential(opts.context(), opts.ID, opts.Params)
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, cr)
	}
	success(opts.IO, "Updated credential %d", cr.ID)
	return credentialDetail(opts.IO, cr).render(opts.IO)
}
