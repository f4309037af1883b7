package admin

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type notificationListOptions struct {
	apiOptions
	Page     pageFlags
	Unread   bool
	Exporter cliflag.JSONExporter
}

func newCmdNotificationList(f *factory.Factory, conn *connect.Flags, runF func(*notificationListOptions) error) *cobra.Command {
	opts := &notificationListOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:     "list [--unread]",
		Short:   "List your notifications, newest first",
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
			return notificationListRun(opts)
		},
	}
	opts.Page.bind(cmd)
	cmd.Flags().BoolVarP(&opts.Unread, "unread", "u", false, "only unread notifications")
	cliflag.AddJSON(cmd, &opts.Exporter, notificationFields)
	return cmd
}

func notificationListRun(opts *notificationListOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	lo := &client.ListNotificationsOptions{PageOptions: opts.Page.options(), Unread: opts.Unread}
	var unread int64 = -1
	items, next, err := fetch(&opts.Page, func() ([]*client.Notification, string, error) {
		p, err := c.ListNotifications(opts.context(), lo)
		if err != nil {
			return nil, "", err
		}
		unread = p.Unread
		return p.Notifications, p.NextCursor, nil
	}, c.AllNotifications(opts.context(), lo))
	if err != nil {
		return opts.explain(err)
	}
	defer moreHint(opts.IO, "keyward admin notification list", next)
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, nonNil(items))
	}
	if unread >= 0 && opts.IO.IsStdoutTTY() {
		fmt.Fprintf(opts.IO.ErrOut, "%d unread\n", unread)
	}
	t := newTable("ID", "TIME", "READ", "KIND", "SUBJECT")
	for _, n := range items {
		read := "yes"
		if n.ReadAt.IsZero() {
			read = "no"
		}
		t.add(id(n.ID), timeText(opts.IO, n.CreatedAt), read, n.Kind, n.Subject)
	}
	return t.render(opts.IO)
}
