package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type requestShowOptions struct {
	apiOptions
	ID       int64
	Exporter cliflag.JSONExporter
}

func newCmdRequestShow(f *factory.Factory, conn *connect.Flags, runF func(*requestShowOptions) error) *cobra.Command {
	opts := &requestShowOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show an access request",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			var err error
			if opts.ID, err = parseID("request", args[0]); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return requestShowRun(opts)
		},
	}
	cliflag.AddJSON(cmd, &opts.Exporter, requestFields)
	return cmd
}

func requestShowRun(opts *requestShowOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	r, err := c.GetRequest(opts.context(), opts.ID)
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, r)
	}
	return requestDetail(opts.IO, r).render(opts.IO)
}
