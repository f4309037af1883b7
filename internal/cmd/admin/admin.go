// Package admin implements "keyward admin": the management API of a running
// keyward server (accounts, API groups, access requests, credentials, audit,
// notifications, usage) from the command line.
//
// Every command takes the persistent flags --server and --credentials, and
// prints a table on a terminal, tab-separated lines otherwise, or JSON with
// --json[=FIELDS]. Hints and confirmations go to stderr.
package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

// NewCmdAdmin builds the "admin" command group.
func NewCmdAdmin(f *factory.Factory) *cobra.Command {
	conn := &connect.Flags{}
	cmd := &cobra.Command{
		Use:   "admin <command>",
		Short: "Manage a running keyward server: accounts, groups, requests, credentials",
		Long: `Manage a running keyward server through its management API.

Commands authenticate with management tokens signed from a credential, the
first of: --key and --secret; --credentials FILE (the admin.json that
"keyward serve" writes into its data directory); KEYWARD_KEY and
KEYWARD_SECRET; ./keyward-data/admin.json. The server is --server, else
$KEYWARD_SERVER, else the "server" of the credentials file, else
http://127.0.0.1:8080.

Output is a table on a terminal and tab-separated lines otherwise; --json
prints JSON (--json=FIELDS picks fields). Exit status: 0 ok, 1 error, 2 usage,
3 cancelled, 4 the server refused the credential (401/403).`,
		Example: `  keyward admin --credentials keyward-data/admin.json group list
  keyward admin credential create --groups encoding --name ci --json
  keyward admin request approve 12 --note "welcome"`,
	}
	conn.Bind(cmd.PersistentFlags())

	cmd.AddCommand(newCmdWhoami(f, conn, nil))
	cmd.AddCommand(newCmdAccount(f, conn))
	cmd.AddCommand(newCmdGroup(f, conn))
	cmd.AddCommand(newCmdRequest(f, conn))
	cmd.AddCommand(newCmdCredential(f, conn))
	cmd.AddCommand(newCmdAudit(f, conn))
	cmd.AddCommand(newCmdNotification(f, conn))
	cmd.AddCommand(newCmdUsage(f, conn, nil))
	return cmd
}

func newCmdAccount(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	cmd := &cobra.Command{Use: "account <command>", Short: "List, create and show accounts"}
	cmd.AddCommand(newCmdAccountList(f, conn, nil))
	cmd.AddCommand(newCmdAccountCreate(f, conn, nil))
	cmd.AddCommand(newCmdAccountShow(f, conn, nil))
	return cmd
}

func newCmdGroup(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	cmd := &cobra.Command{Use: "group <command>", Short: "Manage API groups"}
	cmd.AddCommand(newCmdGroupList(f, conn, nil))
	cmd.AddCommand(newCmdGroupCreate(f, conn, nil))
	cmd.AddCommand(newCmdGroupShow(f, conn, nil))
	cmd.AddCommand(newCmdGroupUpdate(f, conn, nil))
	cmd.AddCommand(newCmdGroupDelete(f, conn, nil))
	return cmd
}

func newCmdRequest(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	cmd := &cobra.Command{Use: "request <command>", Short: "Handle requests for API access"}
	cmd.AddCommand(newCmdRequestList(f, conn, nil))
	cmd.AddCommand(newCmdRequestCreate(f, conn, nil))
	cmd.AddCommand(newCmdRequestShow(f, conn, nil))
	cmd.AddCommand(newCmdRequestDecide(f, conn, decisionApprove, nil))
	cmd.AddCommand(newCmdRequestDecide(f, conn, decisionReject, nil))
	cmd.AddCommand(newCmdRequestWithdraw(f, conn, nil))
	return cmd
}

func newCmdCredential(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	cmd := &cobra.Command{Use: "credential <command>", Short: "Issue, rotate and revoke keys and secrets"}
	cmd.AddCommand(newCmdCredentialCreate(f, conn, nil))
	cmd.AddCommand(newCmdCredentialList(f, conn, nil))
	cmd.AddCommand(newCmdCredentialShow(f, conn, nil))
	cmd.AddCommand(newCmdCredentialUpdate(f, conn, nil))
	cmd.AddCommand(newCmdCredentialRotate(f, conn, nil))
	cmd.AddCommand(newCmdCredentialRetire(f, conn, nil))
	cmd.AddCommand(newCmdCredentialRevoke(f, conn, nil))
	cmd.AddCommand(newCmdCredentialDelete(f, conn, nil))
	return cmd
}

func newCmdAudit(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	cmd := &cobra.Command{Use: "audit <command>", Short: "Read the audit log"}
	cmd.AddCommand(newCmdAuditList(f, conn, nil))
	return cmd
}

func newCmdNotification(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	cmd := &cobra.Command{Use: "notification <command>", Short: "Read your notifications"}
	cmd.AddCommand(newCmdNotificationList(f, conn, nil))
	cmd.AddCommand(newCmdNotificationRead(f, conn, nil))
	return cmd
}
