package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type accountListOptions struct {
	apiOptions
	Page     pageFlags
	Role     string
	Exporter cliflag.JSONExporter
}

func newCmdAccountList(f *factory.Factory, conn *connect.Flags, runF func(*accountListOptions) error) *cobra.Command {
	opts := &accountListOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List accounts (admin)",
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			if err := opts.Page.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return accountListRun(opts)
		},
	}
	opts.Page.bind(cmd)
	cliflag.StringEnum(cmd, &opts.Role, "role", "", "", []string{client.RoleAdmin, client.RoleDeveloper}, "only accounts of this role")
	cliflag.AddJSON(cmd, &opts.Exporter, accountFields)
	return cmd
}

func accountListRun(opts *accountListOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	lo := &client.ListAccountsOptions{PageOptions: opts.Page.options(), Role: opts.Role}
	items, next, err := fetch(&opts.Page, func() ([]*client.Account, string, error) {
		p, err := c.ListAccounts(opts.context(), lo)
		if err != nil {
			return nil, "", err
		}
		return p.Accounts, p.NextCursor, nil
	}, c.AllAccounts(opts.context(), lo))
	if err != nil {
		return opts.explain(err)
	}
	defer moreHint(opts.IO, "keyward admin account list", next)
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, nonNil(items))
	}
	t := newTable("ID", "EMAIL", "NAME", "ROLE", "CREATED")
	for _, a := range items {
		t.add(id(a.ID), a.Email, a.Name, a.Role, timeText(opts.IO, a.CreatedAt))
	}
	return t.render(opts.IO)
}
