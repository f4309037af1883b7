package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type groupUpdateOptions struct {
	apiOptions
	Name     string
	Params   client.UpdateGroupParams
	Exporter cliflag.JSONExporter
}

func newCmdGroupUpdate(f *factory.Factory, conn *connect.Flags, runF func(*groupUpdateOptions) error) *cobra.Command {
	opts := &groupUpdateOptions{apiOptions: newAPIOptions(f, conn)}
	var description string
	var apiIDs []string
	cmd := &cobra.Command{
		Use:   "update NAME [--description TEXT] [--api-ids ID[,ID]]",
		Short: "Change an API group's description or API ids (admin)",
		Long: `Change an API group. Only the flags given are changed; --api-ids replaces the
whole list (--api-ids "" empties it).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			opts.Name = args[0]
			if cmd.Flags().Changed("description") {
				opts.Params.Description = &description
			}
			if cmd.Flags().Changed("api-ids") {
				apiIDs = nonNil(apiIDs)
				opts.Params.APIIDs = &apiIDs
			}
			if opts.Params.Description == nil && opts.Params.APIIDs == nil {
				return cmderror.FlagErrorf("nothing to change: give --description or --api-ids")
			}
			if runF != nil {
				return runF(opts)
			}
			return groupUpdateRun(opts)
		},
	}
	cmd.Flags().StringVarP(&description, "description", "d", "", "the new description")
	cmd.Flags().StringSliceVar(&apiIDs, "api-ids", nil, "the new list of API ids")
	cliflag.AddJSON(cmd, &opts.Exporter, groupFields)
	return cmd
}

func groupUpdateRun(opts *groupUpdateOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	g, err := c.UpdateGroup(opts.context(), opts.Name, opts.Params)
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, g)
	}
	success(opts.IO, "Updated API group %s", g.Name)
	return groupDetail(opts.IO, g).render(opts.IO)
}
