package admin

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type groupDeleteOptions struct {
	apiOptions
	Name string
	Yes  bool
}

func newCmdGroupDelete(f *factory.Factory, conn *connect.Flags, runF func(*groupDeleteOptions) error) *cobra.Command {
	opts := &groupDeleteOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:   "delete NAME [--yes]",
		Short: "Delete an API group (admin)",
		Long:  "Delete an API group. Without a terminal, --yes is required.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			opts.Name = args[0]
			if err := requireYes(opts.IO, opts.Yes); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return groupDeleteRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func groupDeleteRun(opts *groupDeleteOptions) error {
	if err := confirm(opts.IO, opts.Yes, fmt.Sprintf("Delete API group %s?", opts.Name)); err != nil {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	if err := c.DeleteGroup(opts.context(), opts.Name); err != nil {
		return opts.explain(err)
	}
	success(opts.IO, "Deleted API group %s", opts.Name)
	return nil
}
