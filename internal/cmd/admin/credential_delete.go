package admin

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type credentialDeleteOptions struct {
	apiOptions
	ID  int64
	Yes bool
}

func newCmdCredentialDelete(f *factory.Factory, conn *connect.Flags, runF func(*credentialDeleteOptions) error) *cobra.Command {
	opts := &credentialDeleteOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:   "delete ID [--yes]",
		Short: "Delete a credential",
		Long:  "Delete a credential; its tokens are refused from now on. Without a terminal, --yes is required.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			var err error
			if opts.ID, err = parseID("credential", args[0]); err != nil {
				return err
			}
			if err := requireYes(opts.IO, opts.Yes); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return credentialDeleteRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func credentialDeleteRun(opts *credentialDeleteOptions) error {
	if err := confirm(opts.IO, opts.Yes, fmt.Sprintf("Delete credential %d?", opts.ID)); err != nil {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	if err := c.DeleteCredential(opts.context(), opts.ID); err != nil {
		return opts.explain(err)
	}
	success(opts.IO, "Deleted credential %d", opts.ID)
	return nil
}
