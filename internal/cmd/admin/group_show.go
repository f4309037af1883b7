package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type groupShowOptions struct {
	apiOptions
	Name     string
	Exporter cliflag.JSONExporter
}

func newCmdGroupShow(f *factory.Factory, conn *connect.Flags, runF func(*groupShowOptions) error) *cobra.Command {
	opts := &groupShowOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show an API group",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			opts.Name = args[0]
			if runF != nil {
				return runF(opts)
			}
			return groupShowRun(opts)
		},
	}
	cliflag.AddJSON(cmd, &opts.Exporter, groupFields)
	return cmd
}

func groupShowRun(opts *groupShowOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	g, err := c.GetGroup(opts.context(), opts.Name)
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, g)
	}
	return groupDetail(opts.IO, g).render(opts.IO)
}
