package manage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/manage"
	"github.com/keyward/keyward/internal/seal"
	"github.com/keyward/keyward/internal/store"
	"github.com/keyward/keyward/internal/store/sqlitestore"
	"github.com/keyward/keyward/token"
)

type testBundle struct {
	store   *store.Store
	srv     *httptest.Server
	adminID int64
	devID   int64
	otherID int64
}

// setup serves the management API over a real SQLite store. Requests say
// who they act as with the X-Test-Account header, which stands in for the
// auth middleware (tested in internal/auth and end to end).
func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := context.Background()
	db, err := sqlitestore.Open(ctx, &sqlitestore.Config{Path: filepath.Join(t.TempDir(), "k.db")})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	sealer, err := seal.New(key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.New(ctx, db, &store.Config{Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sys := credential.NewContextWithActor(ctx, credential.SystemActor())
	res, err := st.EnsureAdmin(sys, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &testBundle{store: st, adminID: res.Account.ID}
	for i, id := range []*int64{&b.devID, &b.otherID} {
		a, err := st.CreateAccount(sys, &credential.CreateAccountParams{Email: fmt.Sprintf("dev%d@example.test", i), Name: "Dev", Role: credential.RoleDeveloper, Password: "correct horse battery staple"})
		if err != nil {
			t.Fatal(err)
		}
		*id = a.ID
	}
	h, err := manage.New(manage.Config{Services: st, CallerFunc: func(r *http.Request) (manage.Caller, bool) {
		acct, _ := strconv.ParseInt(r.Header.Get("X-Test-Account"), 10, 64)
		return manage.Caller{AccountID: acct, CredentialID: 1, Key: "k"}, true
	}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, ep := range h.Endpoints() {
		if ep.Policy == nil || !ep.Policy.Profiles.Has(token.Management) {
			t.Fatalf("%s %s does not ask for a management token", ep.ID, ep.Pattern)
		}
		mux.Handle(ep.Pattern, withMeta(ep.ID, ep.Handler))
	}
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	return b
}

func withMeta(id string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(envelope.NewContext(r.Context(), &envelope.Meta{ID: id})))
	})
}

type response struct {
	status int
	body   map[string]json.RawMessage
	params struct {
		Status string `json:"status"`
		Err    string `json:"err"`
		ErrMsg string `json:"errmsg"`
	}
	id string
}

func (b *testBundle) do(t *testing.T, as int64, method, path, contentType string, body io.Reader) *response {
	t.Helper()
	req, _ := http.NewRequest(method, b.srv.URL+path, body)
	req.Header.Set("X-Test-Account", strconv.FormatInt(as, 10))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := &response{status: res.StatusCode}
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, &out.body); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", method, path, raw, err)
	}
	json.Unmarshal(out.body["params"], &out.params)
	json.Unmarshal(out.body["id"], &out.id)
	return out
}

func (b *testBundle) json(t *testing.T, as int64, method, path string, v any) *response {
	t.Helper()
	var body io.Reader
	if v != nil {
		raw, _ := json.Marshal(v)
		body = bytes.NewReader(raw)
	}
	return b.do(t, as, method, path, "application/json", body)
}

// counts returns how many audit entries and credentials the store holds,
// to show that a refused request changed nothing.
func (b *testBundle) counts(t *testing.T) (audit, creds int) {
	t.Helper()
	sys := credential.NewContextWithActor(context.Background(), credential.SystemActor())
	al, err := b.store.FindAuditEntries(sys, &credential.AuditFilter{Page: credential.Page{Limit: credential.MaxLimit}})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := b.store.FindCredentials(sys, &credential.CredentialFilter{Page: credential.Page{Limit: credential.MaxLimit}})
	if err != nil {
		t.Fatal(err)
	}
	return len(al.Entries), len(cl.Credentials)
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.json(t, b.devID, "POST", "/v1/requests", map[string]any{"groups": []string{"encoding"}, "reason": "my app"})
	if r.status != 201 || r.id != "keyward.request.create" || r.params.Status != "successful" {
		t.Fatalf("create request: %d %s %+v", r.status, r.id, r.params)
	}
	var req credential.AccessRequest
	json.Unmarshal(r.body["request"], &req)

	// A developer cannot create a credential for a group not yet approved.
	if r := b.json(t, b.devID, "POST", "/v1/credentials", map[string]any{"name": "app", "groups": []string{"encoding"}}); r.status != 403 && r.status != 400 {
		t.Errorf("credential before approval: status %d %+v, want 403 or 400", r.status, r.params)
	}
	// A developer cannot approve.
	if r := b.json(t, b.devID, "POST", fmt.Sprintf("/v1/requests/%d/approve", req.ID), nil); r.status != 403 || r.params.Err != "FORBIDDEN" {
		t.Errorf("developer approves: %d %+v, want 403 FORBIDDEN", r.status, r.params)
	}
	r = b.json(t, b.adminID, "POST", fmt.Sprintf("/v1/requests/%d/approve", req.ID), map[string]string{"note": "ok"})
	if r.status != 200 {
		t.Fatalf("approve: %d %+v", r.status, r.params)
	}
	// Approving again conflicts and changes nothing.
	audit, creds := b.counts(t)
	if r := b.json(t, b.adminID, "POST", fmt.Sprintf("/v1/requests/%d/reject", req.ID), nil); r.status != 409 || r.params.Err != "CONFLICT" {
		t.Errorf("decide twice: %d %+v, want 409 CONFLICT", r.status, r.params)
	}
	if a, c := b.counts(t); a != audit || c != creds {
		t.Errorf("a refused decision changed the store: audit %d→%d credentials %d→%d", audit, a, creds, c)
	}
	r = b.json(t, b.devID, "GET", "/v1/notifications", nil)
	if r.status != 200 || !strings.Contains(string(r.body["notifications"]), "approved") {
		t.Errorf("notifications after approval: %d %s", r.status, r.body["notifications"])
	}

	r = b.json(t, b.devID, "POST", "/v1/credentials", map[string]any{"name": "app", "notes": "n", "groups": []string{"encoding"}})
	if r.status != 201 {
		t.Fatalf("create credential: %d %+v", r.status, r.params)
	}
	var sec credential.Secret
	var cred credential.Credential
	json.Unmarshal(r.body["secret"], &sec)
	json.Unmarshal(r.body["credential"], &cred)
	if len(sec.Value) < 32 || sec.Key != cred.Key {
		t.Fatalf("secret %q key %q credential key %q", sec.Value, sec.Key, cred.Key)
	}
	// No read shows the secret again.
	for _, path := range []string{fmt.Sprintf("/v1/credentials/%d", cred.ID), "/v1/credentials", "/v1/audit"} {
		r := b.json(t, b.adminID, "GET", path, nil)
		raw, _ := json.Marshal(r.body)
		if strings.Contains(string(raw), sec.Value) {
			t.Errorf("GET %s shows the secret", path)
		}
	}
	// Another developer can neither read nor revoke it.
	for _, c := range []struct{ method, path string }{
		{"GET", fmt.Sprintf("/v1/credentials/%d", cred.ID)},
		{"POST", fmt.Sprintf("/v1/credentials/%d/revoke", cred.ID)},
		{"POST", fmt.Sprintf("/v1/credentials/%d/rotate", cred.ID)},
		{"DELETE", fmt.Sprintf("/v1/credentials/%d", cred.ID)},
	} {
		audit, creds := b.counts(t)
		r := b.json(t, b.otherID, c.method, c.path, nil)
		if r.status != 403 && r.status != 404 {
			t.Errorf("other developer %s %s: %d %+v, want 403 or 404", c.method, c.path, r.status, r.params)
		}
		if a, n := b.counts(t); a != audit || n != creds {
			t.Errorf("other developer %s %s changed the store", c.method, c.path)
		}
	}
	r = b.json(t, b.devID, "POST", fmt.Sprintf("/v1/credentials/%d/rotate", cred.ID), map[string]string{"overlap": "1h"})
	if r.status != 200 {
		t.Fatalf("rotate: %d %+v", r.status, r.params)
	}
	r = b.json(t, b.devID, "POST", fmt.Sprintf("/v1/credentials/%d/revoke", cred.ID), nil)
	if r.status != 200 || !strings.Contains(string(r.body["credential"]), "revoked") {
		t.Fatalf("revoke: %d %s", r.status, r.body["credential"])
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		wantStatus  int
		wantCode    string
	}{
		{"malformed json", "POST", "/v1/requests", "application/json", `{"groups":["encoding"`, 400, "BAD_REQUEST"},
		{"unknown field", "POST", "/v1/requests", "application/json", `{"groups":["encoding"],"admin":true}`, 400, "BAD_REQUEST"},
		{"wrong type", "POST", "/v1/requests", "application/json", `{"groups":"encoding"}`, 400, "BAD_REQUEST"},
		{"two values", "POST", "/v1/requests", "application/json", `{"groups":["encoding"]} {}`, 400, "BAD_REQUEST"},
		{"empty body", "POST", "/v1/requests", "application/json", ``, 400, "BAD_REQUEST"},
		{"form body", "POST", "/v1/requests", "application/x-www-form-urlencoded", `groups=encoding`, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"oversize", "POST", "/v1/requests", "application/json", `{"reason":"` + strings.Repeat("x", manage.MaxBodyBytes) + `"}`, 413, "BODY_TOO_LARGE"},
		{"unknown group", "POST", "/v1/requests", "application/json", `{"groups":["nope"],"reason":"r"}`, 400, "INVALID_ARGUMENT"},
		{"no such credential", "GET", "/v1/credentials/999", "", "", 404, "NOT_FOUND"},
		{"bad id", "GET", "/v1/credentials/abc", "", "", 404, "NOT_FOUND"},
		{"bad limit", "GET", "/v1/credentials?limit=-1", "", "", 400, "INVALID_ARGUMENT"},
		{"bad status filter", "GET", "/v1/requests?status=maybe", "", "", 400, "INVALID_ARGUMENT"},
		{"bad overlap", "POST", "/v1/credentials/1/rotate", "application/json", `{"overlap":"soon"}`, 400, "INVALID_ARGUMENT"},
		{"developer lists accounts", "GET", "/v1/accounts", "", "", 403, "FORBIDDEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			audit, creds := b.counts(t)
			r := b.do(t, b.devID, tt.method, tt.path, tt.contentType, strings.NewReader(tt.body))
			if r.status != tt.wantStatus || r.params.Err != tt.wantCode || r.params.Status != "failed" || r.params.ErrMsg == "" {
				t.Errorf("%s %s %q: %d %+v, want %d %s", tt.method, tt.path, tt.body, r.status, r.params, tt.wantStatus, tt.wantCode)
			}
			if a, c := b.counts(t); a != audit || c != creds {
				t.Errorf("refused request changed the store: audit %d→%d credentials %d→%d", audit, a, creds, c)
			}
		})
	}
}

// TestRotateOverlap checks that an explicit "0s" overlap ends the previous
// secret at once, while an absent overlap keeps the 24-hour default.
func TestRotateOverlap(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name     string
		body     any
		wantLive bool // the previous secret still works after the rotation
	}{
		{"explicit zero", map[string]string{"overlap": "0s"}, false},
		{"bare zero", map[string]string{"overlap": "0"}, false},
		{"absent", nil, true},
		{"one hour", map[string]string{"overlap": "1h"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := b.json(t, b.adminID, "POST", "/v1/credentials", map[string]any{"name": "rot " + tt.name, "groups": []string{"encoding"}})
			if r.status != 201 {
				t.Fatalf("create credential: %d %+v", r.status, r.params)
			}
			var before credential.Credential
			json.Unmarshal(r.body["credential"], &before)
			old := before.Secrets[0].KID
			r = b.json(t, b.adminID, "POST", fmt.Sprintf("/v1/credentials/%d/rotate", before.ID), tt.body)
			if r.status != 200 {
				t.Fatalf("rotate %v: %d %+v", tt.body, r.status, r.params)
			}
			var after credential.Credential
			json.Unmarshal(r.body["credential"], &after)
			var prev *credential.SecretInfo
			for i := range after.Secrets {
				if after.Secrets[i].KID == old {
					prev = &after.Secrets[i]
				}
			}
			if prev == nil {
				t.Fatalf("rotate %v: previous secret %s missing from %s", tt.body, old, r.body["credential"])
			}
			now := time.Now()
			if live := prev.Active(now); live != tt.wantLive {
				t.Errorf("rotate %v: previous secret active = %v, want %v (%+v)", tt.body, live, tt.wantLive, *prev)
			}
		})
	}
}

// TestNoExistenceOracle checks that a developer cannot tell another
// account's records from ids that do not exist: both answer 404 with the
// same message, and nothing changes. Admins still get the detail.
func TestNoExistenceOracle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.json(t, b.devID, "POST", "/v1/requests", map[string]any{"groups": []string{"encoding"}, "reason": "mine"})
	if r.status != 201 {
		t.Fatalf("create request: %d %+v", r.status, r.params)
	}
	var req credential.AccessRequest
	json.Unmarshal(r.body["request"], &req)
	r = b.json(t, b.devID, "POST", "/v1/requests", map[string]any{"groups": []string{"encoding"}, "reason": "pending"})
	var pending credential.AccessRequest
	json.Unmarshal(r.body["request"], &pending)
	if r := b.json(t, b.adminID, "POST", fmt.Sprintf("/v1/requests/%d/approve", req.ID), nil); r.status != 200 {
		t.Fatalf("approve: %d %+v", r.status, r.params)
	}
	r = b.json(t, b.devID, "GET", "/v1/notifications", nil)
	var notes []credential.Notification
	json.Unmarshal(r.body["notifications"], &notes)
	if len(notes) == 0 {
		t.Fatalf("no notification after approval: %s", r.body["notifications"])
	}
	r = b.json(t, b.devID, "POST", "/v1/credentials", map[string]any{"name": "mine", "groups": []string{"encoding"}})
	var cred credential.Credential
	json.Unmarshal(r.body["credential"], &cred)
	if r.status != 201 {
		t.Fatalf("create credential: %d %+v", r.status, r.params)
	}

	const missing = 999999
	theirID := map[string]int64{
		"/v1/credentials/%d": cred.ID, "/v1/credentials/%d/rotate": cred.ID, "/v1/credentials/%d/revoke": cred.ID,
		"/v1/credentials/%d/secrets/x/retire": cred.ID, "/v1/requests/%d": pending.ID, "/v1/requests/%d/withdraw": pending.ID,
		"/v1/notifications/%d/read": notes[0].ID,
	}
	for _, c := range []struct{ method, format string }{
		{"GET", "/v1/credentials/%d"},
		{"PATCH", "/v1/credentials/%d"},
		{"POST", "/v1/credentials/%d/rotate"},
		{"POST", "/v1/credentials/%d/secrets/x/retire"},
		{"POST", "/v1/credentials/%d/revoke"},
		{"DELETE", "/v1/credentials/%d"},
		{"GET", "/v1/requests/%d"},
		{"POST", "/v1/requests/%d/withdraw"},
		{"POST", "/v1/notifications/%d/read"},
	} {
		id := theirID[c.format]
		theirs, none := fmt.Sprintf(c.format, id), fmt.Sprintf(c.format, missing)
		var body any
		if c.method == "PATCH" {
			body = map[string]string{"name": "stolen"}
		}
		audit, creds := b.counts(t)
		got := b.json(t, b.otherID, c.method, theirs, body)
		want := b.json(t, b.otherID, c.method, none, body)
		if want.status != 404 {
			t.Fatalf("%s %s (no such id): %d %+v, want 404", c.method, none, want.status, want.params)
		}
		sameMsg := strings.ReplaceAll(got.params.ErrMsg, fmt.Sprint(id), "N") == strings.ReplaceAll(want.params.ErrMsg, fmt.Sprint(missing), "N")
		if got.status != 404 || got.params.Err != want.params.Err || !sameMsg {
			t.Errorf("other developer %s %s: %d %+v; a missing id answers %d %+v", c.method, theirs, got.status, got.params, want.status, want.params)
		}
		if a, n := b.counts(t); a != audit || n != creds {
			t.Errorf("other developer %s %s changed the store", c.method, theirs)
		}
	}
	// An admin keeps the detail: another account's notification is 403.
	if r := b.json(t, b.adminID, "POST", fmt.Sprintf("/v1/notifications/%d/read", notes[0].ID), nil); r.status != 403 {
		t.Errorf("admin marks a developer's notification: %d %+v, want 403", r.status, r.params)
	}
}
