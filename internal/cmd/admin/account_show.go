package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type accountShowOptions struct {
	apiOptions
	ID       int64
	Exporter cliflag.JSONExporter
}

func newCmdAccountShow(f *factory.Factory, conn *connect.Flags, runF func(*accountShowOptions) error) *cobra.Command {
	opts := &accountShowOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show an account",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			var err error
			if opts.ID, err = parseID("account", args[0]); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return accountShowRun(opts)
		},
	}
	cliflag.AddJSON(cmd, &opts.Exporter, accountFields)
	return cmd
}

func accountShowRun(opts *accountShowOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	a, err := c.GetAccount(opts.context(), opts.ID)
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, a)
	}
	return accountDetail(opts.IO, a).render(opts.IO)
}
