package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type requestCreateOptions struct {
	apiOptions
	Groups   []string
	Reason   string
	Exporter cliflag.JSONExporter
}

func newCmdRequestCreate(f *factory.Factory, conn *connect.Flags, runF func(*requestCreateOptions) error) *cobra.Command {
	opts := &requestCreateOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:     "create --groups G[,G] [--reason TEXT]",
		Short:   "Request access to API groups",
		Example: `  keyward admin request create --groups encoding --reason "podcast watermarking"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			if len(opts.Groups) == 0 {
				return cmderror.FlagErrorf("--groups is required")
			}
			if runF != nil {
				return runF(opts)
			}
			return requestCreateRun(opts)
		},
	}
	cmd.Flags().StringSliceVarP(&opts.Groups, "groups", "g", nil, "the API groups to ask for (comma-separated or repeated)")
	cmd.Flags().StringVarP(&opts.Reason, "reason", "r", "", "why you need them")
	cliflag.AddJSON(cmd, &opts.Exporter, requestFields)
	return cmd
}

func requestCreateRun(opts *requestCreateOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	r, err := c.CreateRequest(opts.context(), client.CreateRequestParams{Groups: opts.Groups, Reason: opts.Reason})
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, r)
	}
	success(opts.IO, "Requested access to %s (request %d); an admin has been notified", list(r.Groups), r.ID)
	return requestDetail(opts.IO, r).render(opts.IO)
}
