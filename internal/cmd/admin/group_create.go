package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type groupCreateOptions struct {
	apiOptions
	Name        string
	Description string
	APIIDs      []string
	Exporter    cliflag.JSONExporter
}

func newCmdGroupCreate(f *factory.Factory, conn *connect.Flags, runF func(*groupCreateOptions) error) *cobra.Command {
	opts := &groupCreateOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:     "create NAME [--description TEXT] [--api-ids ID[,ID]]",
		Short:   "Create an API group (admin)",
		Example: `  keyward admin group create rooms --description "Video rooms" --api-ids rooms.connect`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			opts.Name = args[0]
			if runF != nil {
				return runF(opts)
			}
			return groupCreateRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Description, "description", "d", "", "what the group is for")
	cmd.Flags().StringSliceVar(&opts.APIIDs, "api-ids", nil, "the API ids in the group (comma-separated or repeated)")
	cliflag.AddJSON(cmd, &opts.Exporter, groupFields)
	return cmd
}

func groupCreateRun(opts *groupCreateOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	g, err := c.CreateGroup(opts.context(), client.CreateGroupParams{Name: opts.Name, Description: opts.Description, APIIDs: opts.APIIDs})
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, g)
	}
	success(opts.IO, "Created API group %s", g.Name)
	return groupDetail(opts.IO, g).render(opts.IO)
}
