package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type auditListOptions struct {
	apiOptions
	Page       pageFlags
	Actor      int64
	Action     string
	TargetKind string
	TargetID   string
	Exporter   cliflag.JSONExporter
}

func newCmdAuditList(f *factory.Factory, conn *connect.Flags, runF func(*auditListOptions) error) *cobra.Command {
	opts := &auditListOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:     "list [--actor ID] [--action A] [--target-kind K] [--target-id ID]",
		Short:   "List audit log entries, newest first (admin)",
		Aliases: []string{"ls"},
		Example: `  keyward admin audit list --target-kind credential --target-id 7
  keyward admin audit list --action credential.revoke --all --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			if err := opts.Page.check(); err != nil {
				return err
			}
			if opts.Actor < 0 {
				return cmderror.FlagErrorf("invalid --actor %d", opts.Actor)
			}
			if runF != nil {
				return runF(opts)
			}
			return auditListRun(opts)
		},
	}
	opts.Page.bind(cmd)
	fl := cmd.Flags()
	fl.Int64Var(&opts.Actor, "actor", 0, "only actions by this account")
	fl.StringVar(&opts.Action, "action", "", "only this action, e.g. credential.create")
	fl.StringVar(&opts.TargetKind, "target-kind", "", "only actions on this kind: account, group, request, credential, notification")
	fl.StringVar(&opts.TargetID, "target-id", "", "only actions on this object")
	cliflag.AddJSON(cmd, &opts.Exporter, auditFields)
	return cmd
}

func auditListRun(opts *auditListOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	lo := &client.ListAuditOptions{PageOptions: opts.Page.options(), Actor: opts.Actor, Action: opts.Action,
		TargetKind: opts.TargetKind, TargetID: opts.TargetID}
	items, next, err := fetch(&opts.Page, func() ([]*client.AuditEntry, string, error) {
		p, err := c.ListAudit(opts.context(), lo)
		if err != nil {
			return nil, "", err
		}
		return p.Entries, p.NextCursor, nil
	}, c.AllAuditEntries(opts.context(), lo))
	if err != nil {
		return opts.explain(err)
	}
	defer moreHint(opts.IO, "keyward admin audit list", next)
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, nonNil(items))
	}
	t := newTable("ID", "TIME", "ACTOR", "ACTION", "TARGET", "FROM", "DETAIL")
	for _, e := range items {
		t.add(id(e.ID), timeText(opts.IO, e.CreatedAt), id(e.ActorID), e.Action, e.TargetKind+":"+e.TargetID, e.RemoteAddr, string(e.Detail))
	}
	return t.render(opts.IO)
}
