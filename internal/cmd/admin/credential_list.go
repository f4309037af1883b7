package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type credentialListOptions struct {
	apiOptions
	Page     pageFlags
	Owner    int64
	Status   string
	Exporter cliflag.JSONExporter
}

func newCmdCredentialList(f *factory.Factory, conn *connect.Flags, runF func(*credentialListOptions) error) *cobra.Command {
	opts := &credentialListOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:     "list [--owner ID] [--status active|revoked]",
		Short:   "List credentials",
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			if err := opts.Page.check(); err != nil {
				return err
			}
			if opts.Owner < 0 {
				return cmderror.FlagErrorf("invalid --owner %d", opts.Owner)
			}
			if runF != nil {
				return runF(opts)
			}
			return credentialListRun(opts)
		},
	}
	opts.Page.bind(cmd)
	cmd.Flags().Int64Var(&opts.Owner, "owner", 0, "only this account's credentials")
	cliflag.StringEnum(cmd, &opts.Status, "status", "s", "", []string{client.CredentialActive, client.CredentialRevoked}, "only credentials with this status")
	cliflag.AddJSON(cmd, &opts.Exporter, credentialFields)
	return cmd
}

func credentialListRun(opts *credentialListOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	lo := &client.ListCredentialsOptions{PageOptions: opts.Page.options(), Owner: opts.Owner, Status: opts.Status}
	items, next, err := fetch(&opts.Page, func() ([]*client.Credential, string, error) {
		p, err := c.ListCredentials(opts.context(), lo)
		if err != nil {
			return nil, "", err
		}
		return p.Credentials, p.NextCursor, nil
	}, c.AllCredentials(opts.context(), lo))
	if err != nil {
		return opts.explain(err)
	}
	defer moreHint(opts.IO, "keyward admin credential list", next)
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, nonNil(items))
	}
	t := newTable("ID", "KEY", "NAME", "OWNER", "GROUPS", "STATUS", "LAST USED")
	for _, cr := range items {
		t.add(id(cr.ID), cr.Key, cr.Name, id(cr.OwnerID), list(cr.Groups), cr.Status, timeText(opts.IO, cr.LastUsedAt))
	}
	return t.render(opts.IO)
}
