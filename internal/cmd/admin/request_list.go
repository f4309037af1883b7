package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type requestListOptions struct {
	apiOptions
	Page     pageFlags
	Status   string
	Account  int64
	Exporter cliflag.JSONExporter
}

func newCmdRequestList(f *factory.Factory, conn *connect.Flags, runF func(*requestListOptions) error) *cobra.Command {
	opts := &requestListOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:     "list [--status S] [--account ID]",
		Short:   "List access requests",
		Aliases: []string{"ls"},
		Example: `  keyward admin request list --status pending`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			if err := opts.Page.check(); err != nil {
				return err
			}
			if opts.Account < 0 {
				return cmderror.FlagErrorf("invalid --account %d", opts.Account)
			}
			if runF != nil {
				return runF(opts)
			}
			return requestListRun(opts)
		},
	}
	opts.Page.bind(cmd)
	cliflag.StringEnum(cmd, &opts.Status, "status", "s", "",
		[]string{client.RequestPending, client.RequestApproved, client.RequestRejected, client.RequestWithdrawn}, "only requests with this status")
	cmd.Flags().Int64Var(&opts.Account, "account", 0, "only this account's requests")
	cliflag.AddJSON(cmd, &opts.Exporter, requestFields)
	return cmd
}

func requestListRun(opts *requestListOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	lo := &client.ListRequestsOptions{PageOptions: opts.Page.options(), Status: opts.Status, Account: opts.Account}
	items, next, err := fetch(&opts.Page, func() ([]*client.AccessRequest, string, error) {
		p, err := c.ListRequests(opts.context(), lo)
		if err != nil {
			return nil, "", err
		}
		return p.Requests, p.NextCursor, nil
	}, c.AllRequests(opts.context(), lo))
	if err != nil {
		return opts.explain(err)
	}
	defer moreHint(opts.IO, "keyward admin request list", next)
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, nonNil(items))
	}
	t := newTable("ID", "ACCOUNT", "GROUPS", "STATUS", "CREATED", "REASON")
	for _, r := range items {
		t.add(id(r.ID), id(r.AccountID), list(r.Groups), r.Status, timeText(opts.IO, r.CreatedAt), r.Reason)
	}
	return t.render(opts.IO)
}
