package admin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/cmd/apicmd/apicmdtest"
	"github.com/keyward/keyward/internal/cmd/cmderror"
)

// TestCommands runs every admin command from its command line against a
// stub of the management API: the flags and arguments it takes, the
// requests it sends, what it prints on and off a terminal and with --json,
// and how it fails.
func TestCommands(t *testing.T) {
	t.Parallel()
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("correct horse battery\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const (
		when    = "2027-01-15T08:00:00Z"
		local   = "@LOCAL@" // replaced below by how a terminal shows when
		once    = "! The secret is shown only once: store it now. keyward cannot show it again.\n"
		decided = `{"id":9,"account_id":3,"groups":["encoding"],"reason":"demo","status":"rejected","decision_note":"no","decided_by":1,"decided_at":` + ts + `,"created_at":` + ts + `}`
		rotated = `{"id":7,"key":"abc123","name":"ci","notes":"n","owner_id":3,"groups":["encoding"],"status":"revoked","secrets":[` +
			`{"kid":"k1","created_at":` + ts + `,"expires_at":` + ts + `},{"kid":"k2","created_at":` + ts + `,"retired_at":` + ts + `}],` +
			`"created_at":` + ts + `,"updated_at":` + ts + `,"revoked_at":` + ts + `,"last_used_at":` + ts + `}`
		entry = `{"id":5,"actor_id":1,"action":"credential.create","target_kind":"credential","target_id":"7","detail":{"name":"ci"},"remote_addr":"127.0.0.1","created_at":` + ts + `}`
		note  = `{"id":4,"account_id":3,"kind":"request.approved","subject":"Approved","body":"b","target_kind":"request","target_id":"9","created_at":` + ts + `}`
	)
	credFile := filepath.Join(t.TempDir(), "admin.json")
	if err := os.WriteFile(credFile, []byte(`{"key":"`+testKey+`","secret":"`+testSecret+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	badFile := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(badFile, []byte(`{"key":"k"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	type on = map[string]string
	type env = map[string]string
	accounts := on{"GET /v1/accounts": `"accounts":[` + accountJSON + `],"next_cursor":"c2"`}
	account := on{"GET /v1/accounts/3": `"account":` + accountJSON, "POST /v1/accounts": `"account":` + accountJSON}
	groups := on{"GET /v1/groups": `"groups":[` + groupJSON + `]`}
	group := on{"GET /v1/groups/encoding": `"group":` + groupJSON, "POST /v1/groups": `"group":` + groupJSON,
		"PATCH /v1/groups/encoding": `"group":` + groupJSON, "DELETE /v1/groups/rooms": "", "GET /v1/groups/nope": "!404:NOT_FOUND no group nope"}
	requests := on{"GET /v1/requests": `"requests":[` + requestJSON + `],"next_cursor":""`}
	request := on{"GET /v1/requests/9": `"request":` + requestJSON, "POST /v1/requests": `"request":` + requestJSON,
		"POST /v1/requests/9/approve": `"request":` + requestJSON, "POST /v1/requests/9/reject": `"request":` + requestJSON,
		"POST /v1/requests/9/withdraw": `"request":` + requestJSON}
	creds := on{"GET /v1/credentials": `"credentials":[` + credentialJSON + `],"next_cursor":""`}
	cred := on{"POST /v1/credentials/7/revoke": `"credential":` + credentialJSON, "PATCH /v1/credentials/7": `"credential":` + credentialJSON,
		"POST /v1/credentials/7/secrets/k1/retire": `"credential":` + credentialJSON, "POST /v1/credentials/7/secrets/k/1/retire": `"credential":` + credentialJSON,
		"DELETE /v1/credentials/7": "", "DELETE /v1/credentials/8": "!409:CONFLICT credential is in use"}
	secret := on{"POST /v1/credentials": `"credential":` + credentialJSON + `,"secret":` + secretJSON,
		"POST /v1/credentials/7/rotate": `"credential":` + credentialJSON + `,"secret":` + secretJSON}

	cases := []apicmdtest.Case{
		// Where the credential comes from, where the server is, and how a
		// refused credential maps to the auth exit code.
		{CLI: "--credentials " + credFile + " --server http://kw.test:9 group list", Env: env{}, On: groups, Host: "kw.test:9", Sent: "GET /v1/groups", Out: "~encoding\t"},
		{CLI: "group list", Env: env{"KEYWARD_KEY": testKey, "KEYWARD_SECRET": testSecret, "KEYWARD_SERVER": "http://env.test"}, On: groups, Host: "env.test", Sent: "GET /v1/groups", Out: "~encoding"},
		{CLI: "group ls", Env: env{"KEYWARD_KEY": testKey, "KEYWARD_SECRET": testSecret}, On: groups, Host: "127.0.0.1:8080", Sent: "GET /v1/groups", Out: "~encoding"},
		{CLI: "group list", Env: env{"KEYWARD_KEY": testKey}, Err: "set both $KEYWARD_KEY and $KEYWARD_SECRET", FlagError: true},
		{CLI: "--credentials " + filepath.Join(t.TempDir(), "nope.json") + " group list", Env: env{}, Err: "does not exist", FlagError: true},
		{CLI: "--credentials " + badFile + " group list", Env: env{}, Err: `with "key" and "secret"`, FlagError: true},
		{CLI: "--credentials " + credFile + " --server localhost:8080 group list", Env: env{}, Err: "--server", FlagError: true},
		{CLI: "--credentials " + credFile + " group list", Env: env{}, On: on{"GET /v1/groups": "!401:TOKEN_REVOKED revoked"}, Sent: "GET /v1/groups",
			Err: "TOKEN_REVOKED: revoked", Is: cmderror.ErrAuth},
		{CLI: "--credentials " + credFile + " account list", Env: env{}, On: on{"GET /v1/accounts": "!403:FORBIDDEN admins only"}, Sent: "GET /v1/accounts",
			Err: "FORBIDDEN: admins only", Is: cmderror.ErrAuth},

		{CLI: "whoami", On: on{"GET /v1/me": `"account":` + accountJSON + `,"credential":{"id":7,"key":"abc123","groups":["encoding"]}`}, Sent: "GET /v1/me",
			Out: "server\thttp://keyward.test\naccount\t3\nemail\tann@example.com\nname\tAnn\nrole\tdeveloper\ncredential\t7\nkey\tabc123\ngroups\tencoding\n"},
		{CLI: "whoami", TTY: true, On: on{"GET /v1/me": `"account":` + accountJSON + `,"credential":{"id":7,"key":"abc123","groups":["encoding"]}`}, Sent: "GET /v1/me",
			Out: "server:     http://keyward.test\naccount:    3\nemail:      ann@example.com\nname:       Ann\nrole:       developer\ncredential: 7\nkey:        abc123\ngroups:     encoding\n"},
		{CLI: "whoami --json=credential", On: on{"GET /v1/me": `"account":` + accountJSON + `,"credential":{"id":7,"key":"abc123","groups":["encoding"]}`}, Sent: "GET /v1/me",
			Out: `{"credential":{"id":7,"key":"abc123","groups":["encoding"]}}`},
		{CLI: "whoami --json=nope", Err: `unknown JSON field "nope"`, FlagError: true},
		{CLI: "whoami extra", Err: "unknown command"},

		{CLI: "account list", On: accounts, Sent: "GET /v1/accounts", Out: "3\tann@example.com\tAnn\tdeveloper\t" + when + "\n",
			ErrOut: "More results: keyward admin account list --cursor c2 (or --all)"},
		{CLI: "account ls --role admin -L 10 --cursor c1", TTY: true, On: accounts, Sent: "GET /v1/accounts?cursor=c1&limit=10&role=admin",
			Out: "ID  EMAIL            NAME  ROLE       CREATED\n3   ann@example.com  Ann   developer  " + local + "\n"},
		{CLI: "account list --json=id,email", On: accounts, Sent: "GET /v1/accounts", Out: `[{"id":3,"email":"ann@example.com"}]`},
		{CLI: "account list --role boss", Err: "valid values are {admin|developer}", FlagError: true},
		{CLI: "account list --limit -1", Err: "invalid --limit", FlagError: true},
		{CLI: "account list --json=id,bogus", Err: `unknown JSON field "bogus"`, FlagError: true},
		{CLI: "account create --email ann@example.com --name Ann --password-file " + pw, TTY: true, On: account,
			Sent: `POST /v1/accounts {"email":"ann@example.com","name":"Ann","role":"developer","password":"correct horse battery"}`,
			Out:  "~email:   ann@example.com", ErrOut: "=✓ Created account 3 (ann@example.com)\n"},
		{CLI: "account create --email a@b.c --role admin --password-file -", Stdin: "pw-0123456789\nignored\n", On: account,
			Sent: `POST /v1/accounts {"email":"a@b.c","name":"","role":"admin","password":"pw-0123456789"}`, Out: "~email\tann@example.com", ErrOut: "="},
		{CLI: "account create --name A", Err: "--email is required", FlagError: true},
		{CLI: "account create --email a@b.c --role root", Err: "valid values are", FlagError: true},
		{CLI: "account create --email a@b.c --password-file /nonexistent/pw", Err: "read password"},
		{CLI: "account create --email a@b.c --password-file -", Err: "the password is empty", FlagError: true},
		{CLI: "account show 3", On: account, Sent: "GET /v1/accounts/3",
			Out: "id\t3\nemail\tann@example.com\nname\tAnn\nrole\tdeveloper\ncreated\t" + when + "\nupdated\t" + when + "\n"},
		{CLI: "account show 3 --json=role", On: account, Sent: "GET /v1/accounts/3", Out: `{"role":"developer"}`},
		{CLI: "account show abc", Err: `invalid account id "abc"`, FlagError: true},
		{CLI: "account show 0", Err: "invalid account id", FlagError: true},
		{CLI: "account show", Err: "accepts 1 arg"},

		{CLI: "group list", On: groups, Sent: "GET /v1/groups", Out: "encoding\tsl.encoding.start,sl.encoding.query\tthe Soundlinks Encoding API\n"},
		{CLI: "group ls", TTY: true, On: groups, Sent: "GET /v1/groups",
			Out: "NAME      API IDS                              DESCRIPTION\nencoding  sl.encoding.start,sl.encoding.query  the Soundlinks Encoding API\n"},
		{CLI: "group list --json=name,api_ids", On: groups, Sent: "GET /v1/groups", Out: `[{"name":"encoding","api_ids":["sl.encoding.start","sl.encoding.query"]}]`},
		{CLI: "group list --json", On: on{"GET /v1/groups": `"groups":null`}, Sent: "GET /v1/groups", Out: "[]"},
		{CLI: "group list --json=name,secret", Err: "available fields:\n  name\n  description\n  api_ids", FlagError: true},
		{CLI: "group create encoding -d d --api-ids a", TTY: true, On: group, Sent: `POST /v1/groups {"name":"encoding","description":"d","api_ids":["a"]}`,
			Out: "~api ids:     sl.encoding.start", ErrOut: "✓ Created API group encoding"},
		{CLI: "group create rooms -d 'Video rooms' --api-ids rooms.connect,rooms.admin --api-ids x", On: group,
			Sent: `POST /v1/groups {"name":"rooms","description":"Video rooms","api_ids":["rooms.connect","rooms.admin","x"]}`, Out: "~name\tencoding", ErrOut: "="},
		{CLI: "group create", Err: "accepts 1 arg"},
		{CLI: "group show encoding", On: group, Sent: "GET /v1/groups/encoding",
			Out: "name\tencoding\ndescription\tthe Soundlinks Encoding API\napi ids\tsl.encoding.start,sl.encoding.query\ncreated\t" + when + "\nupdated\t" + when + "\n"},
		{CLI: "group show encoding --json", On: group, Sent: "GET /v1/groups/encoding", Out: groupJSON},
		{CLI: "group show nope", On: group, Sent: "GET /v1/groups/nope", Err: "NOT_FOUND: no group nope"},
		{CLI: "group show a b", Err: "accepts 1 arg"},
		{CLI: "group update encoding -d new", On: group, Sent: `PATCH /v1/groups/encoding {"description":"new"}`, Out: "~name\tencoding\n"},
		{CLI: "group update encoding --api-ids a,b", On: group, Sent: `PATCH /v1/groups/encoding {"api_ids":["a","b"]}`, Out: "~name\tencoding\n"},
		{CLI: "group update encoding --api-ids ''", On: group, Sent: `PATCH /v1/groups/encoding {"api_ids":[]}`, Out: "~name\tencoding\n"},
		{CLI: "group update encoding -d '' --api-ids a", TTY: true, On: group, Sent: `PATCH /v1/groups/encoding {"description":"","api_ids":["a"]}`,
			Out: "~name:        encoding\n", ErrOut: "✓ Updated API group encoding"},
		{CLI: "group update g", Err: "nothing to change", FlagError: true},
		{CLI: "group delete rooms --yes", On: group, Sent: "DELETE /v1/groups/rooms", ErrOut: "="},
		{CLI: "group delete rooms -y", TTY: true, On: group, Sent: "DELETE /v1/groups/rooms", ErrOut: "=✓ Deleted API group rooms\n"},
		{CLI: "group delete rooms", TTY: true, Stdin: "y\n", On: group, Sent: "DELETE /v1/groups/rooms", ErrOut: "=? Delete API group rooms? [y/N] ✓ Deleted API group rooms\n"},
		{CLI: "group delete rooms", TTY: true, Stdin: "n\n", Err: "cancel", Is: cmderror.ErrCancel},
		{CLI: "group delete rooms", TTY: true, Err: "cancel", Is: cmderror.ErrCancel},
		{CLI: "group delete rooms", Err: "--yes required when not running interactively", FlagError: true},

		{CLI: "request list --status pending", On: requests, Sent: "GET /v1/requests?status=pending", Out: "9\t3\tencoding\tpending\t" + when + "\tdemo\n", ErrOut: "="},
		{CLI: "request list --account 3", TTY: true, On: requests, Sent: "GET /v1/requests?account=3",
			Out: "ID  ACCOUNT  GROUPS    STATUS   CREATED           REASON\n9   3        encoding  pending  " + local + "  demo\n", ErrOut: "="},
		// The stub serves one page whose next cursor names itself, so --all
		// fetches it twice and stops on the repeated cursor.
		{CLI: "request list --all", On: on{"GET /v1/requests": `"requests":[` + requestJSON + `],"next_cursor":"p2"`}, Sent: "GET /v1/requests\nGET /v1/requests?cursor=p2",
			Out: "9\t3\tencoding\tpending\t" + when + "\tdemo\n9\t3\tencoding\tpending\t" + when + "\tdemo\n", ErrOut: "="},
		{CLI: "request list -s done", Err: "valid values are {pending|approved|rejected|withdrawn}", FlagError: true},
		{CLI: "request list --account -2", Err: "invalid --account", FlagError: true},
		{CLI: "request create --groups encoding -r demo --json=id,status", On: request, Sent: `POST /v1/requests {"groups":["encoding"],"reason":"demo"}`,
			Out: `{"id":9,"status":"pending"}`},
		{CLI: "request create -g encoding -g rooms", TTY: true, On: request, Sent: `POST /v1/requests {"groups":["encoding","rooms"],"reason":""}`,
			Out: "~status:  pending", ErrOut: "✓ Requested access to encoding (request 9); an admin has been notified"},
		{CLI: "request create --reason why", Err: "--groups is required", FlagError: true},
		{CLI: "request show 9", On: request, Sent: "GET /v1/requests/9",
			Out: "id\t9\naccount\t3\ngroups\tencoding\nstatus\tpending\nreason\tdemo\ncreated\t" + when + "\n"},
		{CLI: "request show 9", On: on{"GET /v1/requests/9": `"request":` + decided}, Sent: "GET /v1/requests/9",
			Out: "id\t9\naccount\t3\ngroups\tencoding\nstatus\trejected\nreason\tdemo\ncreated\t" + when + "\ndecided by\t1\ndecided\t" + when + "\nnote\tno\n"},
		{CLI: "request show x9", Err: "invalid request id", FlagError: true},
		{CLI: "request approve 9 --note n", TTY: true, On: request, Sent: `POST /v1/requests/9/approve {"note":"n"}`, Out: "~status:  pending", ErrOut: "✓ Request 9 pending"},
		{CLI: "request reject 9 -n 'not yet'", TTY: true, On: request, Sent: `POST /v1/requests/9/reject {"note":"not yet"}`, Out: "~status:  pending", ErrOut: "✓ Request 9"},
		{CLI: "request approve 9", On: request, Sent: `POST /v1/requests/9/approve {"note":""}`, Out: "~id\t9\n"},
		{CLI: "request reject", Err: "accepts 1 arg"},
		{CLI: "request reject nine", Err: "invalid request id", FlagError: true},
		{CLI: "request withdraw 9", On: request, Sent: "POST /v1/requests/9/withdraw {}", Out: "~id\t9\n"},
		{CLI: "request withdraw -1", Err: "unknown shorthand flag", FlagError: true},

		{CLI: "credential create --groups encoding --name ci --json", On: secret, Sent: `POST /v1/credentials {"name":"ci","notes":"","groups":["encoding"]}`,
			Out: `{"id":7,"key":"abc123","name":"ci","notes":"","owner_id":3,"groups":["encoding"],"status":"active",
			  "secrets":[{"kid":"k1","created_at":"2027-01-15T08:00:00Z"}],"created_at":"2027-01-15T08:00:00Z","updated_at":"2027-01-15T08:00:00Z",
			  "revoked_at":null,"last_used_at":null,"kid":"k1","secret":"s3cr3t-value"}`, ErrOut: "=" + once},
		{CLI: "credential create -g encoding -n ci --owner 3 --json=key,secret", On: secret, Sent: `POST /v1/credentials {"name":"ci","notes":"","groups":["encoding"],"owner":3}`,
			Out: `{"key":"abc123","secret":"s3cr3t-value"}`, ErrOut: "=" + once},
		{CLI: "credential create -g encoding,rooms -n ci --notes 'for CI'", On: secret, Sent: `POST /v1/credentials {"name":"ci","notes":"for CI","groups":["encoding","rooms"]}`,
			Out: "key\tabc123\nkid\tk1\nsecret\ts3cr3t-value\n", ErrOut: "=" + once},
		{CLI: "credential create -g encoding -n ci", TTY: true, On: secret, Sent: `POST /v1/credentials {"name":"ci","notes":"","groups":["encoding"]}`,
			Out: "key:    abc123\nkid:    k1\nsecret: s3cr3t-value\n", ErrOut: "=✓ Created credential 7 (ci) for encoding\n" + once},
		{CLI: "credential create --groups encoding", Err: "--name is required", FlagError: true},
		{CLI: "credential create --name ci", Err: "--groups is required", FlagError: true},
		{CLI: "credential create --name ci --groups g --owner -3", Err: "invalid --owner", FlagError: true},
		{CLI: "credential create --name ci --groups g --json=key,password", Err: `unknown JSON field "password"`, FlagError: true},
		{CLI: "credential list --owner 3 --status active", On: creds, Sent: "GET /v1/credentials?owner=3&status=active", Out: "7\tabc123\tci\t3\tencoding\tactive\t\n"},
		{CLI: "credential list", TTY: true, On: creds, Sent: "GET /v1/credentials",
			Out: "ID  KEY     NAME  OWNER  GROUPS    STATUS  LAST USED\n7   abc123  ci    3      encoding  active  -\n"},
		{CLI: "credential list -s gone", Err: "valid values are {active|revoked}", FlagError: true},
		{CLI: "credential list --owner x", Err: "invalid argument", FlagError: true},
		{CLI: "credential show 7", On: on{"GET /v1/credentials/7": `"credential":` + rotated}, Sent: "GET /v1/credentials/7",
			Out: "id\t7\nkey\tabc123\nname\tci\nnotes\tn\nowner\t3\ngroups\tencoding\nstatus\trevoked\n" +
				"secret\tk1 created " + when + ", expires " + when + "\nsecret\tk2 created " + when + ", retired " + when + "\n" +
				"created\t" + when + "\nlast used\t" + when + "\nrevoked\t" + when + "\n"},
		{CLI: "credential show 7 --json=key,status", On: on{"GET /v1/credentials/7": `"credential":` + rotated}, Sent: "GET /v1/credentials/7",
			Out: `{"key":"abc123","status":"revoked"}`},
		{CLI: "credential show --json=secret 7", Err: `unknown JSON field "secret"`, FlagError: true},
		{CLI: "credential update 7 --name ci", On: cred, Sent: `PATCH /v1/credentials/7 {"name":"ci"}`, Out: "~name\tci\n"},
		{CLI: "credential update 7 --notes '' -g a,b", TTY: true, On: cred, Sent: `PATCH /v1/credentials/7 {"notes":"","groups":["a","b"]}`,
			Out: "~name:      ci\n", ErrOut: "✓ Updated credential 7"},
		{CLI: "credential update 7", Err: "nothing to change", FlagError: true},
		{CLI: "credential update 7 --groups ''", Err: "at least one group", FlagError: true},
		{CLI: "credential rotate 7", On: secret, Sent: "POST /v1/credentials/7/rotate {}", Out: "key\tabc123\nkid\tk1\nsecret\ts3cr3t-value\n", ErrOut: "=" + once},
		{CLI: "credential rotate 7 --overlap 2h --json=kid,secret", On: secret, Sent: `POST /v1/credentials/7/rotate {"overlap":"2h0m0s"}`,
			Out: `{"kid":"k1","secret":"s3cr3t-value"}`, ErrOut: "=" + once},
		{CLI: "credential rotate 7 --overlap 0s", TTY: true, On: secret, Sent: `POST /v1/credentials/7/rotate {"overlap":"0s"}`,
			Out: "~secret: s3cr3t-value", ErrOut: "=✓ Rotated credential 7: new secret k1\n" + once},
		{CLI: "credential rotate 7 --overlap -1h", Err: "invalid --overlap", FlagError: true},
		{CLI: "credential rotate 7 --overlap soon", Err: "invalid argument", FlagError: true},
		{CLI: "credential retire 7 k1", TTY: true, On: cred, Sent: "POST /v1/credentials/7/secrets/k1/retire {}", Out: "~secret:    k1 created",
			ErrOut: "✓ Retired secret k1 of credential 7"},
		{CLI: "credential retire 7 k/1", On: cred, Sent: "POST /v1/credentials/7/secrets/k%2F1/retire {}", Out: "~secret\tk1 created"},
		{CLI: "credential retire 7", Err: "accepts 2 arg"},
		{CLI: "credential revoke 7 --yes", On: cred, Sent: "POST /v1/credentials/7/revoke {}", Out: "~key\tabc123", ErrOut: "="},
		{CLI: "credential revoke 7", TTY: true, Stdin: "y\n", On: cred, Sent: "POST /v1/credentials/7/revoke {}", Out: "~key:",
			ErrOut: "? Revoke credential 7? Its clients stop working at once. [y/N] ✓ Revoked credential 7 (abc123)"},
		{CLI: "credential revoke 7", TTY: true, Stdin: "\n", Err: "cancel", Is: cmderror.ErrCancel},
		{CLI: "credential revoke 7", Err: "--yes required", FlagError: true},
		{CLI: "credential delete 7 -y", On: cred, Sent: "DELETE /v1/credentials/7", ErrOut: "="},
		{CLI: "credential delete 7", TTY: true, Stdin: "YES\n", On: cred, Sent: "DELETE /v1/credentials/7", ErrOut: "✓ Deleted credential 7"},
		{CLI: "credential delete 7", Err: "--yes required", FlagError: true},
		{CLI: "credential delete x --yes", Err: "invalid credential id", FlagError: true},
		{CLI: "credential delete 8 --yes", On: cred, Sent: "DELETE /v1/credentials/8", Err: "CONFLICT: credential is in use"},

		{CLI: "audit list --actor 1 --action credential.create --target-kind credential --target-id 7 -L 5",
			On:   on{"GET /v1/audit": `"entries":[` + entry + `],"next_cursor":"n2"`},
			Sent: "GET /v1/audit?action=credential.create&actor=1&limit=5&target_id=7&target_kind=credential",
			Out:  "5\t" + when + "\t1\tcredential.create\tcredential:7\t127.0.0.1\t{\"name\":\"ci\"}\n", ErrOut: "--cursor n2"},
		{CLI: "audit list --actor -1", Err: "invalid --actor", FlagError: true},

		{CLI: "notification list --unread", On: on{"GET /v1/notifications": `"notifications":[` + note + `],"unread":1,"next_cursor":""`},
			Sent: "GET /v1/notifications?unread=true", Out: "4\t" + when + "\tno\trequest.approved\tApproved\n", ErrOut: "="},
		{CLI: "notification ls -u", TTY: true, On: on{"GET /v1/notifications": `"notifications":[` + note + `],"unread":1,"next_cursor":""`},
			Sent: "GET /v1/notifications?unread=true", Out: "ID  TIME              READ  KIND              SUBJECT\n4   " + local + "  no    request.approved  Approved\n",
			ErrOut: "=1 unread\n"},
		{CLI: "notification read 4 5", TTY: true, On: on{"POST /v1/notifications/4/read": "", "POST /v1/notifications/5/read": ""},
			Sent: "POST /v1/notifications/4/read {}\nPOST /v1/notifications/5/read {}", ErrOut: "=✓ Marked notification 4 read\n✓ Marked notification 5 read\n"},
		{CLI: "notification read", Err: "requires at least 1 arg"},
		{CLI: "notification read 4 x", Err: "invalid notification id", FlagError: true},

		{CLI: "usage --credential 7 --since 1h", On: on{"GET /v1/usage": `"usage":[{"credential_id":7,"route":"sl.encoding.start","status":200,"minute":` + ts + `,"count":12}]`},
			Sent: "GET /v1/usage?credential=7&since=2027-01-15T08%3A00%3A00Z", Out: when + "\t7\tsl.encoding.start\t200\t12\n"},
		{CLI: "usage --since 2027-01-14T00:00:00Z --until 24h --json", On: on{"GET /v1/usage": `"usage":null`},
			Sent: "GET /v1/usage?since=2027-01-14T00%3A00%3A00Z&until=2027-01-14T09%3A00%3A00Z", Out: "[]"},
		{CLI: "usage --since yesterday", Err: "want an RFC 3339 time or a duration", FlagError: true},
		{CLI: "usage --since 1h --until 2h", Err: "--since must be before --until", FlagError: true},
		{CLI: "usage --credential -7", Err: "invalid --credential", FlagError: true},
	}
	for i := range cases {
		cases[i].Out = strings.ReplaceAll(cases[i].Out, local, apicmdtest.Local)
	}
	apicmdtest.Run(t, NewCmdAdmin, cases)
}
