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

	"github.com/keyward/keyward/internal/cmd/apicmd"
	"github.com/keyward/keyward/internal/cmd/factory"
)

// NewCmdAdmin builds the "admin" command group.
func NewCmdAdmin(f *factory.Factory) *cobra.Command {
	return apicmd.Group(f, &cobra.Command{
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
	}, newCmdWhoami, newCmdAccount, newCmdGroup, newCmdRequest, newCmdCredential, newCmdAudit, newCmdNotification, newCmdUsage)
}
