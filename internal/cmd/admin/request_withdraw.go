package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type requestWithdrawOptions struct {
	apiOptions
	ID       int64
	Exporter cliflag.JSONExporter
}

func newCmdRequestWithdraw(f *factory.Factory, conn *connect.Flags, runF func(*requestWithdrawOptions) error) *cobra.Command {
	opts := &requestWithdrawOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:   "withdraw ID",
		Short: "Withdraw your own pending access request",
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
			return requestWithdrawRun(opts)
		},
	}
	cliflag.AddJSON(cmd, &opts.Exporter, requestFields)
	return cmd
}

func requestWithdrawRun(opts *requestWithdrawOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	r, err := c.WithdrawRequest(opts.context(), opts.ID)
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, r)
	}
	success(opts.IO, "Withdrew request %d", r.ID)
	return requestDetail(opts.IO, r).render(opts.IO)
}
