package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type notificationReadOptions struct {
	apiOptions
	IDs []int64
}

func newCmdNotificationRead(f *factory.Factory, conn *connect.Flags, runF func(*notificationReadOptions) error) *cobra.Command {
	opts := &notificationReadOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:   "read ID...",
		Short: "Mark notifications read",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			opts.IDs = nil
			for _, a := range args {
				n, err := parseID("notification", a)
				if err != nil {
					return err
				}
				opts.IDs = append(opts.IDs, n)
			}
			if runF != nil {
				return runF(opts)
			}
			return notificationReadRun(opts)
		},
	}
	return cmd
}

func notificationReadRun(opts *notificationReadOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	for _, n := range opts.IDs {
		if err := c.MarkNotificationRead(opts.context(), n); err != nil {
			return opts.explain(err)
		}
		success(opts.IO, "Marked notification %d read", n)
	}
	return nil
}
