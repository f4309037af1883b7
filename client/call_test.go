package client_test

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/token"
)

func TestCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		route     string
		method    string
		path      string
		args      map[string]any
		profile   token.Profile
		opts      []client.CallOption
		wantQuery url.Values
		wantBody  string // JSON compared, or "data" for a {"data": token} body
		wantClaim map[string]any
	}{
		{"request in body", "POST /v3/sl/encoding", "post", "/v3/sl/encoding",
			map[string]any{"src": "https://e.com/a.mp3", "artist": "Ann"}, token.Request, nil,
			nil, "data", map[string]any{"iss": testKey, "mtd": "POST", "url": "/v3/sl/encoding",
				"arg": map[string]any{"src": "https://e.com/a.mp3", "artist": "Ann"}}},
		{"request without args", "POST /v3/sl/query", "POST", "/v3/sl/query", nil, token.Request, nil,
			nil, "data", map[string]any{"arg": map[string]any{}}},
		{"qsh in query", "POST /v3/sl/query", "POST", "/v3/sl/query",
			map[string]any{"query": "q 1", "n": 2, "tags": []string{"b", "a"}}, token.QSH, nil,
			url.Values{"query": {"q 1"}, "n": {"2"}, "tags": {"b", "a"}}, "",
			map[string]any{"iss": testKey, "id": "sl.encoding.query"}},
		{"qsh with own API id and params", "GET /v1/content", "GET", "/v1/content?id=7",
			map[string]any{"fields": "name"}, token.QSH, []client.CallOption{client.WithAPIID("org.content.read"), client.WithParams("dev-1", "m-1")},
			url.Values{"id": {"7"}, "fields": {"name"}}, "",
			map[string]any{"id": "org.content.read", "params": map[string]any{"did": "dev-1", "msgid": "m-1"}}},
		{"management GET args in query", "GET /v1/credentials", "GET", "/v1/credentials",
			map[string]any{"status": "active", "limit": 5}, token.Management, nil,
			url.Values{"status": {"active"}, "limit": {"5"}}, "", map[string]any{"access_key": testKey, "type": "management"}},
		{"management POST args in body", "POST /v1/groups", "POST", "/v1/groups",
			map[string]any{"name": "rooms", "api_ids": []string{"rooms.connect"}}, token.Management, nil,
			nil, `{"name":"rooms","api_ids":["rooms.connect"]}`, map[string]any{"type": "management"}},
		{"management POST no args", "POST /v1/requests/9/withdraw", "POST", "/v1/requests/9/withdraw",
			nil, token.Management, nil, nil, `{}`, map[string]any{"type": "management"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.reply(tt.route, 200, envelope("sl.encoding.start", `"query":"Q-1"`))
			resp, err := b.client.Call(context.Background(), tt.method, tt.path, tt.args, tt.profile, tt.opts...)
			if err != nil {
				t.Fatalf("Call(%s %s, %v): %v", tt.method, tt.path, tt.profile, err)
			}
			s := b.last(t)
			if s.Profile != tt.profile {
				t.Errorf("server verified a %v token, want %v", s.Profile, tt.profile)
			}
			q, _ := url.ParseQuery(s.RawQuery)
			if (len(q) != 0 || len(tt.wantQuery) != 0) && !reflect.DeepEqual(q, tt.wantQuery) {
				t.Errorf("query = %v, want %v", q, tt.wantQuery)
			}
			switch tt.wantBody {
			case "data":
				if !strings.HasPrefix(s.Body, `{"data":"ey`) {
					t.Errorf("body = %q, want {\"data\": token}", s.Body)
				}
			default:
				if !jsonEqual(s.Body, tt.wantBody) {
					t.Errorf("body = %q, want %q", s.Body, tt.wantBody)
				}
			}
			for k, v := range tt.wantClaim {
				if !reflect.DeepEqual(s.Claims[k], v) {
					t.Errorf("claim %s = %#v, want %#v", k, s.Claims[k], v)
				}
			}
			var query string
			if err := resp.Field("query", &query); err != nil || query != "Q-1" {
				t.Errorf("Field(query) = %q, %v; want Q-1", query, err)
			}
			if resp.ID != "sl.encoding.start" || resp.Status != client.StatusSuccessful || resp.HTTPStatus != 200 || resp.ResMsgID != "r-1" {
				t.Errorf("response = %+v, want the envelope decoded", resp)
			}
			if _, ok := resp.Fields["params"]; ok {
				t.Errorf("Fields holds params; want only the API's own fields")
			}
		})
	}
}

func TestCallFailures(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.reply("POST /v3/sl/query", 404, failure("sl.encoding.query", "NOT_FOUND", "no such job"))
	ctx := context.Background()

	resp, err := b.client.Call(ctx, "POST", "/v3/sl/query", map[string]any{"query": "nope"}, token.Request)
	if !client.IsNotFound(err) {
		t.Fatalf("Call error = %v, want NOT_FOUND", err)
	}
	if resp == nil || resp.Status != client.StatusFailed || resp.Err != "NOT_FOUND" || resp.ErrMsg != "no such job" || resp.HTTPStatus != 404 {
		t.Errorf("Call returned response %+v, want the failed envelope beside the error", resp)
	}

	tests := []struct {
		name    string
		path    string
		profile token.Profile
		wantErr string
	}{
		{"app profile", "/v1/me", token.App, "not app"},
		{"qsh unknown API", "/v9/unknown", token.QSH, "pass client.WithAPIID"},
		{"relative path", "v1/me", token.Management, "not an absolute API path"},
		{"full URL", "http://evil.example/v1/me", token.Management, "not an absolute API path"},
	}
	for _, tt := range tests {
		if _, err := b.client.Call(ctx, "GET", tt.path, nil, tt.profile); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: Call error = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestBasePathPrefix(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.reply("GET /kw/v1/groups", 200, envelope("keyward.group.list", `"groups":[]`))
	b.reply("POST /kw/v3/sl/encoding", 200, envelope("sl.encoding.start", `"query":"q"`))
	c := b.newClient(t, b.srv.URL+"/kw/")
	if _, err := c.ListGroups(context.Background()); err != nil {
		t.Fatalf("ListGroups behind a prefix: %v", err)
	}
	if got := b.last(t).Path; got != "/kw/v1/groups" {
		t.Errorf("path = %q, want /kw/v1/groups", got)
	}
	// The token signs the path the keyward server sees, without the
	// proxy's prefix; this stand-in sees the prefix, so it refuses it.
	_, err := c.Call(context.Background(), "POST", "/v3/sl/encoding", nil, token.Request)
	if !errors.Is(err, token.ErrBinding) {
		t.Errorf("Call behind a prefix: error = %v, want the stand-in to see a binding mismatch", err)
	}
}

func TestAllPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.reply("GET /v1/credentials", 200, envelope("keyward.credential.list", `"credentials":[{"id":1},{"id":2}],"next_cursor":"p2"`))
	ctx := context.Background()

	// The stand-in answers every page the same, so the walk must be cut
	// short by the caller; a walk whose cursor repeats stops by itself.
	var ids []int64
	for c, err := range b.client.AllCredentials(ctx, &client.ListCredentialsOptions{Status: "active"}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
		if len(ids) == 3 {
			break
		}
	}
	if !reflect.DeepEqual(ids, []int64{1, 2, 1}) {
		t.Errorf("AllCredentials yielded %v, want [1 2 1] (page 1, then page 2's first)", ids)
	}
	reqs := b.requests()
	if len(reqs) != 2 || reqs[0].RawQuery != "status=active" || reqs[1].RawQuery != "cursor=p2&status=active" {
		t.Errorf("requests = %+v, want page 1 then cursor p2", reqs)
	}

	ids = nil
	for c, err := range b.client.AllCredentials(ctx, &client.ListCredentialsOptions{PageOptions: client.PageOptions{Cursor: "p2"}}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if len(ids) != 2 {
		t.Errorf("a walk whose next cursor repeats yielded %v, want one page", ids)
	}

	b.reply("GET /v1/audit", 500, failure("keyward.audit.list", "INTERNAL", "boom"))
	n := 0
	for _, err := range b.client.AllAuditEntries(ctx, nil) {
		n++
		if !errors.Is(err, client.ErrInternal) {
			t.Errorf("AllAuditEntries yielded error %v, want INTERNAL", err)
		}
	}
	if n != 1 {
		t.Errorf("AllAuditEntries yielded %d times, want the error once", n)
	}
}

func TestAllWalkers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.reply("GET /v1/accounts", 200, envelope("x", `"accounts":[{"id":1}]`))
	b.reply("GET /v1/requests", 200, envelope("x", `"requests":[{"id":1}]`))
	b.reply("GET /v1/audit", 200, envelope("x", `"entries":[{"id":1}]`))
	b.reply("GET /v1/notifications", 200, envelope("x", `"notifications":[{"id":1}],"unread":1`))
	ctx := context.Background()
	tests := []struct {
		name string
		walk func() (int, error)
	}{
		{"AllAccounts", func() (int, error) { return count(b.client.AllAccounts(ctx, nil)) }},
		{"AllRequests", func() (int, error) { return count(b.client.AllRequests(ctx, nil)) }},
		{"AllAuditEntries", func() (int, error) { return count(b.client.AllAuditEntries(ctx, nil)) }},
		{"AllNotifications", func() (int, error) {
			return count(b.client.AllNotifications(ctx, &client.ListNotificationsOptions{Unread: true}))
		}},
	}
	for _, tt := range tests {
		if n, err := tt.walk(); n != 1 || err != nil {
			t.Errorf("%s yielded %d items, error %v; want 1", tt.name, n, err)
		}
	}
}

// count walks seq and returns how many items it yielded before an error.
func count[T any](seq iter.Seq2[T, error]) (int, error) {
	n := 0
	for _, err := range seq {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
