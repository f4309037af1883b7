package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type groupListOptions struct {
	apiOptions
	Exporter cliflag.JSONExporter
}

func newCmdGroupList(f *factory.Factory, conn *connect.Flags, runF func(*groupListOptions) error) *cobra.Command {
	opts := &groupListOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List API groups",
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			if runF != nil {
				return runF(opts)
			}
			return groupListRun(opts)
		},
	}
	cliflag.AddJSON(cmd, &opts.Exporter, groupFields)
	return cmd
}

func groupListRun(opts *groupListOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	groups, err := c.ListGroups(opts.context())
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, nonNil(groups))
	}
	t := newTable("NAME", "API IDS", "DESCRIPTION")
	for _, g := range groups {
		t.add(g.Name, list(g.APIIDs), g.Description)
	}
	return t.render(opts.IO)
}
