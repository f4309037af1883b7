package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type whoamiOptions struct {
	apiOptions
	Exporter cliflag.JSONExporter
}

func newCmdWhoami(f *factory.Factory, conn *connect.Flags, runF func(*whoamiOptions) error) *cobra.Command {
	opts := &whoamiOptions{apiOptions: newAPIOptions(f, conn)}
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Show the account and credential the commands act as",
		Long:  "Show the account and credential the commands act as; a quick check that the server accepts the credential.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			if runF != nil {
				return runF(opts)
			}
			return whoamiRun(opts)
		},
	}
	cliflag.AddJSON(cmd, &opts.Exporter, []string{"account", "credential"})
	return cmd
}

func whoamiRun(opts *whoamiOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	me, err := c.Me(opts.context())
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, me)
	}
	if me.Account == nil {
		me.Account = &client.Account{}
	}
	if me.Credential == nil {
		me.Credential = &client.CredentialRef{}
	}
	var d detail
	d.add("server", c.BaseURL())
	d.add("account", id(me.Account.ID))
	d.add("email", me.Account.Email)
	d.add("name", me.Account.Name)
	d.add("role", me.Account.Role)
	d.add("credential", id(me.Credential.ID))
	d.add("key", me.Credential.Key)
	d.add("groups", list(me.Credential.Groups))
	return d.render(opts.IO)
}
