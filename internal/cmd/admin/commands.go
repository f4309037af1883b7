package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/apicmd"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
)

func newCmdAccount(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	cmd := &cobra.Command{Use: "account <command>", Short: "List, create and show accounts"}
	cmd.AddCommand(newCmdAccountList(f, conn), newCmdAccountCreate(f, conn), newCmdAccountShow(f, conn))
	return cmd
}

func newCmdAccountList(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var lo client.ListAccountsOptions
	cmd := &cobra.Command{Use: "list", Short: "List accounts (admin)"}
	cliflag.StringEnum(cmd, &lo.Role, "role", "", "", []string{client.RoleAdmin, client.RoleDeveloper}, "only accounts of this role")
	return apicmd.List(f, conn, cmd, &lo, &lo.PageOptions, accountKind, (*client.Client).ListAccounts,
		func(p *client.AccountPage) ([]*client.Account, string) { return p.Accounts, p.NextCursor })
}

func newCmdAccountCreate(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var p client.CreateAccountParams
	var passwordFile string
	cmd := &cobra.Command{
		Use:   "create --email ADDRESS [--name NAME] [--role developer|admin] [--password-file FILE]",
		Short: "Create an account (admin)",
		Long: `Create an account. The portal password is read from --password-file (- for
standard input, first line), never from a flag, so that it stays out of the
process list; without one the account has no password yet.`,
		Example: `  printf '%s\n' "$PW" | keyward admin account create --email ann@example.com --name Ann --password-file -`,
		Args:    cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) (err error) {
			if p.Email == "" {
				return cmderror.FlagErrorf("--email is required")
			}
			if passwordFile != "" {
				p.Password, err = readPassword(f.IOStreams.In, passwordFile)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&p.Email, "email", "", "sign-in address (required)")
	cmd.Flags().StringVar(&p.Name, "name", "", "display name")
	cliflag.StringEnum(cmd, &p.Role, "role", "", client.RoleDeveloper, []string{client.RoleDeveloper, client.RoleAdmin}, "role")
	cmd.Flags().StringVar(&passwordFile, "password-file", "", "read the portal password from `FILE` (- for stdin)")
	return apicmd.Object(f, conn, cmd, accountKind,
		func(ctx context.Context, c *client.Client) (*client.Account, error) { return c.CreateAccount(ctx, p) },
		func(a *client.Account) string { return fmt.Sprintf("Created account %d (%s)", a.ID, a.Email) })
}

// readPassword reads the first line of file, or of in for "-".
func readPassword(in io.Reader, file string) (string, error) {
	var b []byte
	var err error
	if file == "-" {
		b, err = io.ReadAll(io.LimitReader(in, 4096))
	} else {
		b, err = os.ReadFile(file)
	}
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw, _, _ := strings.Cut(string(b), "\n")
	pw = strings.TrimRight(pw, "\r")
	if pw == "" {
		return "", cmderror.FlagErrorf("--password-file: the password is empty")
	}
	return pw, nil
}

func newCmdAccountShow(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var id int64
	cmd := &cobra.Command{Use: "show ID", Short: "Show an account", Args: apicmd.IDArgs("account", &id)}
	return apicmd.Object(f, conn, cmd, accountKind,
		func(ctx context.Context, c *client.Client) (*client.Account, error) { return c.GetAccount(ctx, id) }, nil)
}

func newCmdGroup(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	cmd := &cobra.Command{Use: "group <command>", Short: "Manage API groups"}
	cmd.AddCommand(newCmdGroupList(f, conn), newCmdGroupCreate(f, conn), newCmdGroupShow(f, conn),
		newCmdGroupUpdate(f, conn), newCmdGroupDelete(f, conn))
	return cmd
}

func newCmdGroupList(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	cmd := &cobra.Command{Use: "list", Short: "List API groups", Aliases: []string{"ls"}, Args: cobra.NoArgs}
	return apicmd.Rows(f, conn, cmd, groupKind, func(ctx context.Context, c *client.Client) ([]*client.Group, error) { return c.ListGroups(ctx) })
}

func newCmdGroupCreate(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var p client.CreateGroupParams
	cmd := &cobra.Command{
		Use:     "create NAME [--description TEXT] [--api-ids ID[,ID]]",
		Short:   "Create an API group (admin)",
		Example: `  keyward admin group create rooms --description "Video rooms" --api-ids rooms.connect`,
		Args:    apicmd.NameArg(&p.Name),
	}
	cmd.Flags().StringVarP(&p.Description, "description", "d", "", "what the group is for")
	cmd.Flags().StringSliceVar(&p.APIIDs, "api-ids", nil, "the API ids in the group (comma-separated or repeated)")
	return apicmd.Object(f, conn, cmd, groupKind,
		func(ctx context.Context, c *client.Client) (*client.Group, error) { return c.CreateGroup(ctx, p) },
		func(g *client.Group) string { return "Created API group " + g.Name })
}

func newCmdGroupShow(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var name string
	cmd := &cobra.Command{Use: "show NAME", Short: "Show an API group", Args: apicmd.NameArg(&name)}
	return apicmd.Object(f, conn, cmd, groupKind,
		func(ctx context.Context, c *client.Client) (*client.Group, error) { return c.GetGroup(ctx, name) }, nil)
}

func newCmdGroupUpdate(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var name, description string
	var apiIDs []string
	var p client.UpdateGroupParams
	cmd := &cobra.Command{
		Use:   "update NAME [--description TEXT] [--api-ids ID[,ID]]",
		Short: "Change an API group's description or API ids (admin)",
		Long: `Change an API group. Only the flags given are changed; --api-ids replaces the
whole list (--api-ids "" empties it).`,
		Args: apicmd.NameArg(&name),
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("description") {
				p.Description = &description
			}
			if cmd.Flags().Changed("api-ids") {
				apiIDs = append([]string{}, apiIDs...)
				p.APIIDs = &apiIDs
			}
			if p.Description == nil && p.APIIDs == nil {
				return cmderror.FlagErrorf("nothing to change: give --description or --api-ids")
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&description, "description", "d", "", "the new description")
	cmd.Flags().StringSliceVar(&apiIDs, "api-ids", nil, "the new list of API ids")
	return apicmd.Object(f, conn, cmd, groupKind,
		func(ctx context.Context, c *client.Client) (*client.Group, error) { return c.UpdateGroup(ctx, name, p) },
		func(g *client.Group) string { return "Updated API group " + g.Name })
}

func newCmdGroupDelete(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "delete NAME [--yes]",
		Short: "Delete an API group (admin)",
		Long:  "Delete an API group. Without a terminal, --yes is required.",
		Args:  apicmd.NameArg(&name),
	}
	cmd = apicmd.Action(f, conn, cmd, func(ctx context.Context, c *client.Client) error { return c.DeleteGroup(ctx, name) },
		func() string { return "Deleted API group " + name })
	return apicmd.Confirm(cmd, f.IOStreams, func() string { return "Delete API group " + name + "?" })
}

func newCmdRequest(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	cmd := &cobra.Command{Use: "request <command>", Short: "Handle requests for API access"}
	cmd.AddCommand(newCmdRequestList(f, conn), newCmdRequestCreate(f, conn), newCmdRequestShow(f, conn),
		newCmdRequestDecide(f, conn, "approve", (*client.Client).ApproveRequest),
		newCmdRequestDecide(f, conn, "reject", (*client.Client).RejectRequest),
		newCmdRequestWithdraw(f, conn))
	return cmd
}

func newCmdRequestList(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var lo client.ListRequestsOptions
	cmd := &cobra.Command{
		Use:     "list [--status S] [--account ID]",
		Short:   "List access requests",
		Example: `  keyward admin request list --status pending`,
		PreRunE: apicmd.NotNegative("--account", &lo.Account),
	}
	cliflag.StringEnum(cmd, &lo.Status, "status", "s", "",
		[]string{client.RequestPending, client.RequestApproved, client.RequestRejected, client.RequestWithdrawn}, "only requests with this status")
	cmd.Flags().Int64Var(&lo.Account, "account", 0, "only this account's requests")
	return apicmd.List(f, conn, cmd, &lo, &lo.PageOptions, requestKind, (*client.Client).ListRequests,
		func(p *client.RequestPage) ([]*client.AccessRequest, string) { return p.Requests, p.NextCursor })
}

func newCmdRequestCreate(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var p client.CreateRequestParams
	cmd := &cobra.Command{
		Use:     "create --groups G[,G] [--reason TEXT]",
		Short:   "Request access to API groups",
		Example: `  keyward admin request create --groups encoding --reason "podcast watermarking"`,
		Args:    cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			if len(p.Groups) == 0 {
				return cmderror.FlagErrorf("--groups is required")
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVarP(&p.Groups, "groups", "g", nil, "the API groups to ask for (comma-separated or repeated)")
	cmd.Flags().StringVarP(&p.Reason, "reason", "r", "", "why you need them")
	return apicmd.Object(f, conn, cmd, requestKind,
		func(ctx context.Context, c *client.Client) (*client.AccessRequest, error) {
			return c.CreateRequest(ctx, p)
		},
		func(r *client.AccessRequest) string {
			return fmt.Sprintf("Requested access to %s (request %d); an admin has been notified", apicmd.Join(r.Groups), r.ID)
		})
}

func newCmdRequestShow(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var id int64
	cmd := &cobra.Command{Use: "show ID", Short: "Show an access request", Args: apicmd.IDArgs("request", &id)}
	return apicmd.Object(f, conn, cmd, requestKind,
		func(ctx context.Context, c *client.Client) (*client.AccessRequest, error) {
			return c.GetRequest(ctx, id)
		}, nil)
}

// newCmdRequestDecide builds "request approve" or "request reject", which
// differ only in verb and the call they make.
func newCmdRequestDecide(f *factory.Factory, conn *connect.Flags, verb string, decide func(*client.Client, context.Context, int64, string) (*client.AccessRequest, error)) *cobra.Command {
	var id int64
	var note string
	short := map[string]string{"approve": "Approve a pending access request (admin)", "reject": "Reject a pending access request (admin)"}[verb]
	cmd := &cobra.Command{
		Use:     verb + " ID [--note TEXT]",
		Short:   short,
		Long:    short + ". The developer is notified, with the note if one is\ngiven.",
		Example: "  keyward admin request " + verb + ` 12 --note "see the terms at …"`,
		Args:    apicmd.IDArgs("request", &id),
	}
	cmd.Flags().StringVarP(&note, "note", "n", "", "a note for the developer")
	return apicmd.Object(f, conn, cmd, requestKind,
		func(ctx context.Context, c *client.Client) (*client.AccessRequest, error) {
			return decide(c, ctx, id, note)
		},
		func(r *client.AccessRequest) string { return fmt.Sprintf("Request %d %s", r.ID, r.Status) })
}

func newCmdRequestWithdraw(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var id int64
	cmd := &cobra.Command{Use: "withdraw ID", Short: "Withdraw your own pending access request", Args: apicmd.IDArgs("request", &id)}
	return apicmd.Object(f, conn, cmd, requestKind,
		func(ctx context.Context, c *client.Client) (*client.AccessRequest, error) {
			return c.WithdrawRequest(ctx, id)
		},
		func(r *client.AccessRequest) string { return fmt.Sprintf("Withdrew request %d", r.ID) })
}

func newCmdCredential(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	cmd := &cobra.Command{Use: "credential <command>", Short: "Issue, rotate and revoke keys and secrets"}
	cmd.AddCommand(newCmdCredentialCreate(f, conn), newCmdCredentialList(f, conn), newCmdCredentialShow(f, conn),
		newCmdCredentialUpdate(f, conn), newCmdCredentialRotate(f, conn), newCmdCredentialRetire(f, conn),
		newCmdCredentialRevoke(f, conn), newCmdCredentialDelete(f, conn))
	return cmd
}

// issued pairs a credential with the secret a call just made for it, or
// fails when the server sent none.
func issued(cred *client.Credential, secret *client.Secret, err error) (issuedSecret, error) {
	if err == nil && secret == nil {
		err = errors.New("the server returned no secret for the credential")
	}
	if err != nil {
		return issuedSecret{}, err
	}
	if cred == nil {
		cred = &client.Credential{Key: secret.Key}
	}
	return issuedSecret{Credential: cred, KID: secret.KID, Secret: secret.Value}, nil
}

func newCmdCredentialCreate(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var p client.CreateCredentialParams
	cmd := &cobra.Command{
		Use:   "create --groups G[,G] --name NAME [--notes TEXT] [--owner ID]",
		Short: "Create a credential: a key and a secret",
		Long: `Create a credential for yourself, or with --owner for another account (admin),
granted the given API groups. The key and secret are printed once: the server
keeps only an encrypted copy and never shows the secret again. With --json the
output is {"key":…,"secret":…,"kid":…,"id":…,…}.`,
		Example: `  keyward admin credential create --groups encoding --name ci --json > ci.json
  keyward admin credential create --groups encoding,rooms --name "Ann's app" --owner 3`,
		Args: cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if p.Name == "" {
				return cmderror.FlagErrorf("--name is required")
			}
			if len(p.Groups) == 0 {
				return cmderror.FlagErrorf("--groups is required")
			}
			return apicmd.NotNegative("--owner", &p.Owner)(cmd, args)
		},
	}
	cmd.Flags().StringVarP(&p.Name, "name", "n", "", "the credential's name (required)")
	cmd.Flags().StringVar(&p.Notes, "notes", "", "free-text notes")
	cmd.Flags().StringSliceVarP(&p.Groups, "groups", "g", nil, "the API groups it may call (required; comma-separated or repeated)")
	cmd.Flags().Int64Var(&p.Owner, "owner", 0, "the account `ID` it is for (default: yourself)")
	return apicmd.Object(f, conn, cmd, secretKind,
		func(ctx context.Context, c *client.Client) (issuedSecret, error) {
			return issued(c.CreateCredential(ctx, p))
		},
		func(s issuedSecret) string {
			return fmt.Sprintf("Created credential %d (%s) for %s", s.ID, s.Name, apicmd.Join(s.Groups))
		})
}

func newCmdCredentialList(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var lo client.ListCredentialsOptions
	cmd := &cobra.Command{
		Use:     "list [--owner ID] [--status active|revoked]",
		Short:   "List credentials",
		PreRunE: apicmd.NotNegative("--owner", &lo.Owner),
	}
	cmd.Flags().Int64Var(&lo.Owner, "owner", 0, "only this account's credentials")
	cliflag.StringEnum(cmd, &lo.Status, "status", "s", "", []string{client.CredentialActive, client.CredentialRevoked}, "only credentials with this status")
	return apicmd.List(f, conn, cmd, &lo, &lo.PageOptions, credentialKind, (*client.Client).ListCredentials,
		func(p *client.CredentialPage) ([]*client.Credential, string) { return p.Credentials, p.NextCursor })
}

func newCmdCredentialShow(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var id int64
	cmd := &cobra.Command{Use: "show ID", Short: "Show a credential and its secrets' ids (never a secret)", Args: apicmd.IDArgs("credential", &id)}
	return apicmd.Object(f, conn, cmd, credentialKind,
		func(ctx context.Context, c *client.Client) (*client.Credential, error) {
			return c.GetCredential(ctx, id)
		}, nil)
}

func newCmdCredentialUpdate(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var id int64
	var name, notes string
	var groups []string
	var p client.UpdateCredentialParams
	cmd := &cobra.Command{
		Use:   "update ID [--name NAME] [--notes TEXT] [--groups G[,G]]",
		Short: "Rename a credential, or change its notes or API groups",
		Long:  "Change a credential. Only the flags given are changed; --groups replaces the whole list.",
		Args:  apicmd.IDArgs("credential", &id),
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			if fl.Changed("name") {
				p.Name = &name
			}
			if fl.Changed("notes") {
				p.Notes = &notes
			}
			if fl.Changed("groups") {
				if len(groups) == 0 {
					return cmderror.FlagErrorf("--groups needs at least one group")
				}
				p.Groups = &groups
			}
			if p.Name == nil && p.Notes == nil && p.Groups == nil {
				return cmderror.FlagErrorf("nothing to change: give --name, --notes or --groups")
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&name, "name", "n", "", "the new name")
	cmd.Flags().StringVar(&notes, "notes", "", "the new notes")
	cmd.Flags().StringSliceVarP(&groups, "groups", "g", nil, "the new API groups")
	return apicmd.Object(f, conn, cmd, credentialKind,
		func(ctx context.Context, c *client.Client) (*client.Credential, error) {
			return c.UpdateCredential(ctx, id, p)
		},
		func(cr *client.Credential) string { return fmt.Sprintf("Updated credential %d", cr.ID) })
}

func newCmdCredentialRotate(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var id int64
	var p client.RotateCredentialParams
	cmd := &cobra.Command{
		Use:   "rotate ID [--overlap 24h]",
		Short: "Give a credential a new secret; the current one expires after the overlap",
		Long: `Give a credential a new secret, printed once. The current secret keeps working
for the overlap (default the server's, 24h; --overlap 0 ends it at once) so
that clients can switch; retire it sooner with "keyward admin credential
retire ID KID".`,
		Args: apicmd.IDArgs("credential", &id),
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			if p.Overlap < 0 {
				return cmderror.FlagErrorf("invalid --overlap %s", p.Overlap)
			}
			if p.Overlap == 0 && cmd.Flags().Changed("overlap") {
				p.Overlap = client.NoOverlap // an explicit 0 ends the old secret now
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&p.Overlap, "overlap", 0, "how long the current secret keeps working (default the server's, 24h; 0 ends it now)")
	return apicmd.Object(f, conn, cmd, secretKind,
		func(ctx context.Context, c *client.Client) (issuedSecret, error) {
			return issued(c.RotateCredential(ctx, id, p))
		},
		func(s issuedSecret) string { return fmt.Sprintf("Rotated credential %d: new secret %s", id, s.KID) })
}

func newCmdCredentialRetire(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var id int64
	var kid string
	cmd := &cobra.Command{
		Use:   "retire ID KID",
		Short: "Stop one of a credential's secrets at once",
		Long:  `Stop one of a credential's secrets at once, e.g. the old one after a rotation. "credential show ID" lists the kids.`,
		Args:  apicmd.IDArgs("credential", &id, &kid),
	}
	return apicmd.Object(f, conn, cmd, credentialKind,
		func(ctx context.Context, c *client.Client) (*client.Credential, error) {
			return c.RetireSecret(ctx, id, kid)
		},
		func(*client.Credential) string { return fmt.Sprintf("Retired secret %s of credential %d", kid, id) })
}

func newCmdCredentialRevoke(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var id int64
	cmd := &cobra.Command{
		Use:   "revoke ID [--yes]",
		Short: "Revoke a credential: every token it signs is refused from now on",
		Long:  "Revoke a credential for good: every token it signs is refused from now on. Without a terminal, --yes is required.",
		Args:  apicmd.IDArgs("credential", &id),
	}
	cmd = apicmd.Object(f, conn, cmd, credentialKind,
		func(ctx context.Context, c *client.Client) (*client.Credential, error) {
			return c.RevokeCredential(ctx, id)
		},
		func(cr *client.Credential) string { return fmt.Sprintf("Revoked credential %d (%s)", cr.ID, cr.Key) })
	return apicmd.Confirm(cmd, f.IOStreams, func() string {
		return fmt.Sprintf("Revoke credential %d? Its clients stop working at once.", id)
	})
}

func newCmdCredentialDelete(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var id int64
	cmd := &cobra.Command{
		Use:   "delete ID [--yes]",
		Short: "Delete a credential",
		Long:  "Delete a credential; its tokens are refused from now on. Without a terminal, --yes is required.",
		Args:  apicmd.IDArgs("credential", &id),
	}
	cmd = apicmd.Action(f, conn, cmd, func(ctx context.Context, c *client.Client) error { return c.DeleteCredential(ctx, id) },
		func() string { return fmt.Sprintf("Deleted credential %d", id) })
	return apicmd.Confirm(cmd, f.IOStreams, func() string { return fmt.Sprintf("Delete credential %d?", id) })
}

func newCmdWhoami(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var server string
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Show the account and credential the commands act as",
		Long:  "Show the account and credential the commands act as; a quick check that the server accepts the credential.",
		Args:  cobra.NoArgs,
	}
	kind := apicmd.Kind[*client.Me]{Fields: []string{"account", "credential"}, Detail: func(_ *iostreams.IOStreams, me *client.Me) apicmd.Detail {
		a, cr := me.Account, me.Credential
		if a == nil {
			a = &client.Account{}
		}
		if cr == nil {
			cr = &client.CredentialRef{}
		}
		return apicmd.Detail{{"server", server}, {"account", apicmd.ID(a.ID)}, {"email", a.Email}, {"name", a.Name}, {"role", a.Role},
			{"credential", apicmd.ID(cr.ID)}, {"key", cr.Key}, {"groups", apicmd.Join(cr.Groups)}}
	}}
	return apicmd.Object(f, conn, cmd, kind, func(ctx context.Context, c *client.Client) (*client.Me, error) {
		server = c.BaseURL()
		return c.Me(ctx)
	}, nil)
}

func newCmdAudit(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var lo client.ListAuditOptions
	list := &cobra.Command{
		Use:   "list [--actor ID] [--action A] [--target-kind K] [--target-id ID]",
		Short: "List audit log entries, newest first (admin)",
		Example: `  keyward admin audit list --target-kind credential --target-id 7
  keyward admin audit list --action credential.revoke --all --json`,
		PreRunE: apicmd.NotNegative("--actor", &lo.Actor),
	}
	fl := list.Flags()
	fl.Int64Var(&lo.Actor, "actor", 0, "only actions by this account")
	fl.StringVar(&lo.Action, "action", "", "only this action, e.g. credential.create")
	fl.StringVar(&lo.TargetKind, "target-kind", "", "only actions on this kind: account, group, request, credential, notification")
	fl.StringVar(&lo.TargetID, "target-id", "", "only actions on this object")
	cmd := &cobra.Command{Use: "audit <command>", Short: "Read the audit log"}
	cmd.AddCommand(apicmd.List(f, conn, list, &lo, &lo.PageOptions, auditKind, (*client.Client).ListAudit,
		func(p *client.AuditPage) ([]*client.AuditEntry, string) { return p.Entries, p.NextCursor }))
	return cmd
}

func newCmdNotification(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	cmd := &cobra.Command{Use: "notification <command>", Short: "Read your notifications"}
	cmd.AddCommand(newCmdNotificationList(f, conn), newCmdNotificationRead(f, conn))
	return cmd
}

func newCmdNotificationList(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var lo client.ListNotificationsOptions
	var unread int64 = -1
	cmd := &cobra.Command{
		Use:   "list [--unread]",
		Short: "List your notifications, newest first",
		PostRun: func(cmd *cobra.Command, _ []string) {
			if unread >= 0 && f.IOStreams.IsStdoutTTY() && !cmd.Flags().Changed("json") {
				fmt.Fprintf(f.IOStreams.ErrOut, "%d unread\n", unread)
			}
		},
	}
	cmd.Flags().BoolVarP(&lo.Unread, "unread", "u", false, "only unread notifications")
	return apicmd.List(f, conn, cmd, &lo, &lo.PageOptions, notificationKind, (*client.Client).ListNotifications,
		func(p *client.NotificationPage) ([]*client.Notification, string) {
			unread = p.Unread
			return p.Notifications, p.NextCursor
		})
}

func newCmdNotificationRead(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var ids []int64
	cmd := &cobra.Command{
		Use:   "read ID...",
		Short: "Mark notifications read",
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.MinimumNArgs(1)(cmd, args); err != nil {
				return err
			}
			ids = ids[:0]
			for _, a := range args {
				n, err := apicmd.ParseID("notification", a)
				if err != nil {
					return err
				}
				ids = append(ids, n)
			}
			return nil
		},
	}
	return apicmd.New(f, conn, cmd, func(o *apicmd.Options, c *client.Client) error {
		for _, n := range ids {
			if err := c.MarkNotificationRead(o.Context(), n); err != nil {
				return o.Explain(err)
			}
			o.Success("Marked notification %d read", n)
		}
		return nil
	})
}

func newCmdUsage(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var uo client.UsageOptions
	var since, until string
	cmd := &cobra.Command{
		Use:   "usage [--credential ID] [--since T] [--until T]",
		Short: "Show request counts per credential, route, status and minute",
		Long: `Show request counts per credential, route, status and minute, newest first.
--since and --until take an RFC 3339 time (2027-01-15T08:00:00Z) or a duration
back from now (90m, 24h).`,
		Example: `  keyward admin usage --credential 7 --since 24h`,
		Args:    cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, args []string) (err error) {
			now := f.NowFunc()
			if uo.Since, err = parseSince("--since", since, now); err != nil {
				return err
			}
			if uo.Until, err = parseSince("--until", until, now); err != nil {
				return err
			}
			if !uo.Since.IsZero() && !uo.Until.IsZero() && !uo.Since.Before(uo.Until) {
				return cmderror.FlagErrorf("--since must be before --until")
			}
			return apicmd.NotNegative("--credential", &uo.Credential)(cmd, args)
		},
	}
	cmd.Flags().Int64Var(&uo.Credential, "credential", 0, "only this credential's usage")
	cmd.Flags().StringVar(&since, "since", "", "from this time, or this long ago")
	cmd.Flags().StringVar(&until, "until", "", "up to this time, or this long ago")
	return apicmd.Rows(f, conn, cmd, usageKind, func(ctx context.Context, c *client.Client) ([]*client.UsageRow, error) { return c.Usage(ctx, &uo) })
}

// parseSince reads an RFC 3339 time or a duration before now.
func parseSince(flag, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, cmderror.FlagErrorf("%s %q: want an RFC 3339 time or a duration such as 24h", flag, s)
}
