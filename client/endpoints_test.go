package client_test

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/keyward/keyward/client"
)

// TestEndpoints calls every management API method against the test server
// and checks the request it sent (method, path, query, JSON body) and what
// it decoded from the canned reply.
func TestEndpoints(t *testing.T) {
	t.Parallel()
	ts := `"2027-01-15T08:00:00Z"`
	at := time.Date(2027, 1, 15, 8, 0, 0, 0, time.UTC)
	account := `{"id":3,"email":"ann@example.com","name":"Ann","role":"developer","created_at":` + ts + `,"updated_at":` + ts + `}`
	group := `{"name":"rooms","description":"Rooms","api_ids":["rooms.connect"],"created_at":` + ts + `,"updated_at":` + ts + `}`
	request := `{"id":9,"account_id":3,"groups":["encoding"],"reason":"demo","status":"approved","decision_note":"ok","decided_by":1,"decided_at":` + ts + `,"created_at":` + ts + `}`
	cred := `{"id":7,"key":"abc","name":"ci","notes":"","owner_id":3,"groups":["encoding"],"status":"active","secrets":[{"kid":"k1","created_at":` + ts + `}],"created_at":` + ts + `,"updated_at":` + ts + `}`
	secret := `{"key":"abc","kid":"k2","secret":"s3cr3t"}`
	entry := `{"id":5,"actor_id":1,"action":"credential.create","target_kind":"credential","target_id":"7","detail":{"name":"ci"},"remote_addr":"127.0.0.1","created_at":` + ts + `}`
	note := `{"id":4,"account_id":3,"kind":"request.approved","subject":"Approved","body":"b","target_kind":"request","target_id":"9","created_at":` + ts + `}`
	usage := `{"credential_id":7,"route":"sl.encoding.start","status":200,"minute":` + ts + `,"count":12}`

	wantAccount := &client.Account{ID: 3, Email: "ann@example.com", Name: "Ann", Role: "developer", CreatedAt: at, UpdatedAt: at}
	wantGroup := &client.Group{Name: "rooms", Description: "Rooms", APIIDs: []string{"rooms.connect"}, CreatedAt: at, UpdatedAt: at}
	wantRequest := &client.AccessRequest{ID: 9, AccountID: 3, Groups: []string{"encoding"}, Reason: "demo", Status: "approved", DecisionNote: "ok", DecidedBy: 1, DecidedAt: at, CreatedAt: at}
	wantCred := &client.Credential{ID: 7, Key: "abc", Name: "ci", OwnerID: 3, Groups: []string{"encoding"}, Status: "active",
		Secrets: []client.SecretInfo{{KID: "k1", CreatedAt: at}}, CreatedAt: at, UpdatedAt: at}
	wantSecret := &client.Secret{Key: "abc", KID: "k2", Value: "s3cr3t"}
	desc := "new"
	ids := []string{"a", "b"}
	name := "renamed"

	type pair struct {
		A, B any
	}
	tests := []struct {
		name      string
		route     string // METHOD /path the server answers
		reply     string // resource fields of the envelope
		call      func(ctx context.Context, c *client.Client) (any, error)
		wantPath  string // escaped path, when it differs from route's
		wantQuery url.Values
		wantBody  string // JSON, "" for no body
		want      any
	}{
		{"Me", "GET /v1/me", `"account":` + account + `,"credential":{"id":7,"key":"abc","groups":["encoding"]}`,
			func(ctx context.Context, c *client.Client) (any, error) { return c.Me(ctx) },
			"", nil, "", &client.Me{Account: wantAccount, Credential: &client.CredentialRef{ID: 7, Key: "abc", Groups: []string{"encoding"}}}},
		{"ListAccounts", "GET /v1/accounts", `"accounts":[` + account + `],"next_cursor":"c2"`,
			func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListAccounts(ctx, &client.ListAccountsOptions{Role: "developer", PageOptions: client.PageOptions{Limit: 10, Cursor: "c1"}})
			},
			"", url.Values{"role": {"developer"}, "limit": {"10"}, "cursor": {"c1"}}, "", &client.AccountPage{Accounts: []*client.Account{wantAccount}, NextCursor: "c2"}},
		{"ListAccounts nil opts", "GET /v1/accounts", `"accounts":[]`,
			func(ctx context.Context, c *client.Client) (any, error) { return c.ListAccounts(ctx, nil) },
			"", nil, "", &client.AccountPage{Accounts: []*client.Account{}}},
		{"CreateAccount", "POST /v1/accounts", `"account":` + account,
			func(ctx context.Context, c *client.Client) (any, error) {
				return c.CreateAccount(ctx, client.CreateAccountParams{Email: "ann@example.com", Name: "Ann", Role: "developer", Password: "pw-0123456789"})
			},
			"", nil, `{"email":"ann@example.com","name":"Ann","role":"developer","password":"pw-0123456789"}`, wantAccount},
		{"GetAccount", "GET /v1/accounts/3", `"account":` + account,
			func(ctx context.Context, c *client.Client) (any, error) { return c.GetAccount(ctx, 3) },
			"", nil, "", wantAccount},
		{"ListGroups", "GET /v1/groups", `"groups":[` + group + `]`,
			func(ctx context.Context, c *client.Client) (any, error) { return c.ListGroups(ctx) },
			"", nil, "", []*client.Group{wantGroup}},
		{"CreateGroup", "POST /v1/groups", `"group":` + group,
			func(ctx context.Context, c *client.Client) (any, error) {
				return c.CreateGroup(ctx, client.CreateGroupParams{Name: "rooms", Description: "Rooms"})
			},
			"", nil, `{"name":"rooms","description":"Rooms","api_ids":[]}`, wantGroup},
		{"GetGroup escapes", "GET /v1/groups/a b", `"group":` + group,
			func(ctx context.Context, c *client.Client) (any, error) { return c.GetGroup(ctx, "a b") },
			"/v1/groups/a%20b", nil, "", wantGroup},
		{"UpdateGroup", "PATCH /v1/groups/rooms", `"group":` + group,
			func(ctx context.Context, c *client.Client) (any, error) {
				return c.UpdateGroup(ctx, "rooms", client.UpdateGroupParams{Description: &desc, APIIDs: &ids})
			},
			"", nil, `{"description":"new","api_ids":["a","b"]}`, wantGroup},
		{"UpdateGroup partial", "PATCH /v1/groups/rooms", `"group":` + group,
			func(ctx context.Context, c *client.Client) (any, error) {
				return c.UpdateGroup(ctx, "rooms", client.UpdateGroupParams{Description: &desc})
			},
			"", nil, `{"description":"new"}`, wantGroup},
		{"DeleteGroup", "DELETE /v1/groups/rooms", ``,
			func(ctx context.Context, c *client.Client) (any, error) { return nil, c.DeleteGroup(ctx, "rooms") },
			"", nil, "", nil},
		{"ListRequests", "GET /v1/requests", `"requests":[` + request + `],"next_cursor":""`,
			func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListRequests(ctx, &client.ListRequestsOptions{Status: "pending", Account: 3})
			},
			"", url.Values{"status": {"pending"}, "account": {"3"}}, "", &client.RequestPage{Requests: []*client.AccessRequest{wantRequest}}},
		{"CreateRequest", "POST /v1/requests", `"request":` + request,
			func(ctx context.Context, c *client.Client) (any, error) {
				return c.CreateRequest(ctx, client.CreateRequestParams{Groups: []string{"encoding"}, Reason: "demo"})
			},
			"", nil, `{"groups":["encoding"],"reason":"demo"}`, wantRequest},
		{"GetRequest", "GET /v1/requests/9", `"request":` + request,
			func(ctx context.Context, c *client.Client) (any, error) { return c.GetRequest(ctx, 9) },
			"", nil, "", wantRequest},
		{"ApproveRequest", "POST /v1/requests/9/approve", `"request":` + request,
			func(ctx context.Context, c *client.Client) (any, error) { return c.ApproveRequest(ctx, 9, "ok") },
			"", nil, `{"note":"ok"}`, wantRequest},
		{"RejectRequest", "POST /v1/requests/9/reject", `"request":` + request,
			func(ctx context.Context, c *client.Client) (any, error) { return c.RejectRequest(ctx, 9, "why") },
			"", nil, `{"note":"why"}`, wantRequest},
		{"WithdrawRequest", "POST /v1/requests/9/withdraw", `"request":` + request,
			func(ctx context.Context, c *client.Client) (any, error) { return c.WithdrawRequest(ctx, 9) },
			"", nil, `{}`, wantRequest},
		{"ListCredentials", "GET /v1/credentials", `"credentials":[` + cred + `],"next_cursor":"n"`,
			func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListCredentials(ctx, &client.ListCredentialsOptions{Owner: 3, Status: "active"})
			},
			"", url.Values{"owner": {"3"}, "status": {"active"}}, "", &client.CredentialPage{Credentials: []*client.Credential{wantCred}, NextCursor: "n"}},
		{"CreateCredential", "POST /v1/credentials", `"credential":` + cred + `,"secret":` + secret,
			func(ctx context.Context, c *client.Client) (any, error) {
				cr, s, err := c.CreateCredential(ctx, client.CreateCredentialParams{Name: "ci", Groups: []string{"encoding"}, Owner: 3})
				return pair{cr, s}, err
			},
			"", nil, `{"name":"ci","notes":"","groups":["encoding"],"owner":3}`, pair{wantCred, wantSecret}},
		{"CreateCredential for self", "POST /v1/credentials", `"credential":` + cred + `,"secret":` + secret,
			func(ctx context.Context, c *client.Client) (any, error) {
				cr, s, err := c.CreateCredential(ctx, client.CreateCredentialParams{Name: "ci", Notes: "n", Groups: []string{"encoding"}})
				return pair{cr, s}, err
			},
			"", nil, `{"name":"ci","notes":"n","groups":["encoding"]}`, pair{wantCred, wantSecret}},
		{"GetCredential", "GET /v1/credentials/7", `"credential":` + cred,
			func(ctx context.Context, c *client.Client) (any, error) { return c.GetCredential(ctx, 7) },
			"", nil, "", wantCred},
		{"UpdateCredential", "PATCH /v1/credentials/7", `"credential":` + cred,
			func(ctx context.Context, c *client.Client) (any, error) {
				return c.UpdateCredential(ctx, 7, client.UpdateCredentialParams{Name: &name, Groups: &ids})
			},
			"", nil, `{"name":"renamed","groups":["a","b"]}`, wantCred},
		{"RotateCredential", "POST /v1/credentials/7/rotate", `"credential":` + cred + `,"secret":` + secret,
			func(ctx context.Context, c *client.Client) (any, error) {
				cr, s, err := c.RotateCredential(ctx, 7, client.RotateCredentialParams{Overlap: 24 * time.Hour})
				return pair{cr, s}, err
			},
			"", nil, `{"overlap":"24h0m0s"}`, pair{wantCred, wantSecret}},
		{"RotateCredential default overlap", "POST /v1/credentials/7/rotate", `"credential":` + cred + `,"secret":` + secret,
			func(ctx context.Context, c *client.Client) (any, error) {
				cr, s, err := c.RotateCredential(ctx, 7, client.RotateCredentialParams{})
				return pair{cr, s}, err
			},
			"", nil, `{}`, pair{wantCred, wantSecret}},
		{"RetireSecret", "POST /v1/credentials/7/secrets/k1/retire", `"credential":` + cred,
			func(ctx context.Context, c *client.Client) (any, error) { return c.RetireSecret(ctx, 7, "k1") },
			"", nil, `{}`, wantCred},
		{"RevokeCredential", "POST /v1/credentials/7/revoke", `"credential":` + cred,
			func(ctx context.Context, c *client.Client) (any, error) { return c.RevokeCredential(ctx, 7) },
			"", nil, `{}`, wantCred},
		{"DeleteCredential", "DELETE /v1/credentials/7", ``,
			func(ctx context.Context, c *client.Client) (any, error) { return nil, c.DeleteCredential(ctx, 7) },
			"", nil, "", nil},
		{"ListAudit", "GET /v1/audit", `"entries":[` + entry + `],"next_cursor":""`,
			func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListAudit(ctx, &client.ListAuditOptions{Actor: 1, Action: "credential.create", TargetKind: "credential", TargetID: "7"})
			},
			"", url.Values{"actor": {"1"}, "action": {"credential.create"}, "target_kind": {"credential"}, "target_id": {"7"}}, "",
			&client.AuditPage{Entries: []*client.AuditEntry{{ID: 5, ActorID: 1, Action: "credential.create", TargetKind: "credential", TargetID: "7",
				Detail: json.RawMessage(`{"name":"ci"}`), RemoteAddr: "127.0.0.1", CreatedAt: at}}}},
		{"ListNotifications", "GET /v1/notifications", `"notifications":[` + note + `],"unread":1,"next_cursor":""`,
			func(ctx context.Context, c *client.Client) (any, error) {
				return c.ListNotifications(ctx, &client.ListNotificationsOptions{Unread: true})
			},
			"", url.Values{"unread": {"true"}}, "",
			&client.NotificationPage{Notifications: []*client.Notification{{ID: 4, AccountID: 3, Kind: "request.approved", Subject: "Approved", Body: "b",
				TargetKind: "request", TargetID: "9", CreatedAt: at}}, Unread: 1}},
		{"MarkNotificationRead", "POST /v1/notifications/4/read", ``,
			func(ctx context.Context, c *client.Client) (any, error) { return nil, c.MarkNotificationRead(ctx, 4) },
			"", nil, `{}`, nil},
		{"Usage", "GET /v1/usage", `"usage":[` + usage + `]`,
			func(ctx context.Context, c *client.Client) (any, error) {
				return c.Usage(ctx, &client.UsageOptions{Credential: 7, Since: at.Add(-time.Hour), Until: at})
			},
			"", url.Values{"credential": {"7"}, "since": {"2027-01-15T07:00:00Z"}, "until": {"2027-01-15T08:00:00Z"}}, "",
			[]*client.UsageRow{{CredentialID: 7, Route: "sl.encoding.start", Status: 200, Minute: at, Count: 12}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.reply(tt.route, 200, envelope("keyward.test", tt.reply))
			got, err := tt.call(context.Background(), b.client)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			s := b.last(t)
			method, path, _ := cut(tt.route)
			if tt.wantPath != "" {
				path = tt.wantPath
			}
			if s.Method != method || s.Path != path {
				t.Errorf("%s sent %s %s, want %s %s", tt.name, s.Method, s.Path, method, path)
			}
			q, _ := url.ParseQuery(s.RawQuery)
			if len(q) != 0 || len(tt.wantQuery) != 0 {
				if !reflect.DeepEqual(q, tt.wantQuery) {
					t.Errorf("%s sent query %v, want %v", tt.name, q, tt.wantQuery)
				}
			}
			if !jsonEqual(s.Body, tt.wantBody) {
				t.Errorf("%s sent body %q, want %q", tt.name, s.Body, tt.wantBody)
			}
			if tt.wantBody != "" && s.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s sent Content-Type %q, want application/json", tt.name, s.Header.Get("Content-Type"))
			}
			if !reflect.DeepEqual(got, tt.want) {
				gj, _ := json.Marshal(got)
				wj, _ := json.Marshal(tt.want)
				t.Errorf("%s returned %s, want %s", tt.name, gj, wj)
			}
		})
	}
}

func cut(route string) (method, path string, ok bool) {
	for i := range len(route) {
		if route[i] == ' ' {
			return route[:i], route[i+1:], true
		}
	}
	return route, "", false
}

// jsonEqual reports whether a and b are the same JSON, or both empty.
func jsonEqual(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
