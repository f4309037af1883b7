package portal_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/portal"
	"github.com/keyward/keyward/token"
)

func TestCredentialSecretShownOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	dev := b.approvedDeveloper(t, "grace@example.com")
	dev.get("/portal/notifications").must(t, "notifications", 200).has(t, "approval notification", "approved", "Enjoy.")

	pg, id, key, secret := createCredential(t, dev, "grace-server")
	if pg.url != "/portal/credentials/"+id+"/secret" {
		t.Fatalf("after POST /portal/credentials the browser is at %s, want the secret page", pg.url)
	}
	if cc := pg.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("secret page Cache-Control = %q, want no-store", cc)
	}

	// The secret works: a token signed with it verifies against the store.
	verifyWithStore(t, b, key, secret)

	// A reload finds the secret gone.
	dev.get("/portal/credentials/"+id+"/secret").must(t, "reload of the secret page", http.StatusGone).
		has(t, "reload", "was shown once").lacks(t, "reload", secret)

	// No later page shows it.
	for _, path := range []string{"/portal/", "/portal/credentials", "/portal/credentials/" + id, "/portal/credentials/" + id + "?range=1h",
		"/portal/playground", "/portal/playground?credential=" + id + "&profile=qsh", "/portal/notifications", "/portal/requests"} {
		dev.get(path).must(t, "GET "+path, 200).lacks(t, "GET "+path, secret)
	}
	admin := b.signedInAdmin(t)
	for _, path := range []string{"/portal/admin/audit", "/portal/admin/credentials", "/portal/credentials/" + id} {
		admin.get(path).must(t, "admin GET "+path, 200).lacks(t, "admin GET "+path, secret)
	}
	if strings.Contains(b.logs.String(), secret) {
		t.Fatalf("the log holds the secret")
	}

	// Confirming the copy needs the box ticked.
	dev.get("/portal/credentials/" + id)
	dev.post("/portal/credentials/"+id+"/secret/done", nil).must(t, "done without the box", http.StatusBadRequest)
	dev.post("/portal/credentials/"+id+"/secret/done", url.Values{"copied": {"yes"}}).must(t, "done", 200).
		has(t, "credential page after done", "cannot show it again", key)
}

// verifyWithStore checks that a request token signed with key and secret
// verifies against the store's LookupKey, as the API would.
func verifyWithStore(t *testing.T, b *testBundle, key, secret string) {
	t.Helper()
	tok, err := token.New(token.Request, key, []byte(secret)).SetMethod("POST").SetURL("/v3/sl/encoding").SetArg(map[string]string{}).ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	ki, err := b.store.LookupKey(context.Background(), key)
	if err != nil {
		t.Fatalf("LookupKey(%s): %v", key, err)
	}
	var secrets []*token.Secret
	for _, s := range ki.Secrets {
		secrets = append(secrets, token.MustSecret(s.KID, s.Secret))
	}
	v, _ := token.NewVerifier(token.Config{})
	var c token.Claims
	if err := token.ParseString(&c, tok); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(&c, secrets, token.ProfileSet(token.Request), &token.Binding{Method: "POST", Path: "/v3/sl/encoding"}); err != nil {
		t.Fatalf("a token signed with the shown secret does not verify: %v", err)
	}
}

func TestCredentialOfAnotherIsNotFound(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	owner := b.approvedDeveloper(t, "owner@example.com")
	_, id, key, _ := createCredential(t, owner, "owner-app")
	other := b.approvedDeveloper(t, "other@example.com")
	other.get("/portal/credentials")
	for _, path := range []string{"/portal/credentials/" + id, "/portal/credentials/" + id + "/secret", "/portal/playground?credential=" + id} {
		pg := other.get(path)
		if pg.status != http.StatusNotFound {
			t.Errorf("GET %s as another developer: status %d, want 404 (as for an id that does not exist)", path, pg.status)
		}
		pg.lacks(t, "GET "+path, key)
	}
	other.get("/portal/credentials/"+id).must(t, "another's credential", http.StatusNotFound).has(t, "404 page", "NOT_FOUND")
	for _, path := range []string{"/revoke", "/rotate"} {
		other.post("/portal/credentials/"+id+path, nil).must(t, "POST "+path+" on another's credential", http.StatusNotFound)
	}
	c, err := b.store.FindCredentialByID(ctxAs(1), mustAtoi(t, id))
	if err != nil || c.Status != credential.CredentialActive || len(c.Secrets) != 1 {
		t.Fatalf("after another developer's attempts the credential is %+v, %v; want it active with one secret", c, err)
	}
}

func TestAdminPagesForbidDevelopers(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	dev := b.signedUp(t, "dev@example.com")
	for _, path := range []string{"/portal/admin/requests", "/portal/admin/accounts", "/portal/admin/groups", "/portal/admin/credentials", "/portal/admin/audit"} {
		dev.get(path).must(t, "developer GET "+path, http.StatusForbidden).has(t, "403 page", "Only an admin")
	}
	dev.post("/portal/admin/requests/1/decide", url.Values{"decision": {"approve"}}).must(t, "developer decides", http.StatusForbidden)
	dev.post("/portal/admin/groups", url.Values{"name": {"rooms"}}).must(t, "developer creates a group", http.StatusForbidden)

	// The same refusal in JSON for a client that asks for it.
	req, _ := http.NewRequest("GET", b.server.URL+"/portal/admin/audit", nil)
	req.Header.Set("Accept", "application/json")
	resp := dev.do(req)
	var env struct {
		ID     string `json:"id"`
		Params struct {
			Status, Err, ErrMsg string
		} `json:"params"`
	}
	if err := json.Unmarshal([]byte(resp.body), &env); err != nil || resp.status != 403 || env.Params.Err != "FORBIDDEN" || env.Params.Status != "failed" {
		t.Fatalf("JSON 403: status %d, body %s (%v); want 403 with params.err FORBIDDEN", resp.status, resp.body, err)
	}
}

func TestCredentialRotateAndRevoke(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	dev := b.approvedDeveloper(t, "rot@example.com")
	_, id, key, first := createCredential(t, dev, "rotating")
	dev.get("/portal/credentials/" + id)

	pg := dev.post("/portal/credentials/"+id+"/rotate", nil).must(t, "rotate", 200).has(t, "rotated secret page", "Your new secret")
	second := regexp.MustCompile(`id="secret" type="text" readonly value="([0-9a-f]{64})"`).FindStringSubmatch(pg.body)[1]
	if second == first {
		t.Fatalf("rotation showed the old secret")
	}
	verifyWithStore(t, b, key, second)
	dev.get("/portal/credentials/"+id).must(t, "after rotation", 200).has(t, "two secrets", "retire the older one first").
		lacks(t, "after rotation", second)
	// A third secret while two are active is a conflict.
	dev.post("/portal/credentials/"+id+"/rotate", nil).must(t, "rotate again", http.StatusConflict)

	dev.get("/portal/credentials/" + id)
	dev.post("/portal/credentials/"+id+"/revoke", nil).must(t, "revoke", 200).has(t, "revoked", "revoked", key)
	ki, err := b.store.LookupKey(context.Background(), key)
	if err != nil || ki.Status != credential.CredentialRevoked || len(ki.Secrets) != 0 {
		t.Fatalf("LookupKey after revoke = %+v, %v; want revoked without secrets", ki, err)
	}
	dev.post("/portal/credentials/"+id+"/revoke", nil).must(t, "revoke again", http.StatusConflict)
}

func TestCredentialNeedsApprovedGroup(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	dev := b.signedUp(t, "new@example.com")
	dev.get("/portal/credentials/new").must(t, "form without approval", 200).has(t, "no approval", "You need an approved API group")
	dev.post("/portal/credentials", url.Values{"name": {"x"}, "group": {"encoding"}}).
		must(t, "create without approval", http.StatusForbidden).has(t, "refusal", "request it first")
}

func TestRequestLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	dev := b.signedUp(t, "req@example.com")
	dev.get("/portal/groups").must(t, "groups", 200).has(t, "groups page", "encoding", "Request access to encoding")
	dev.get("/portal/requests/new")
	dev.post("/portal/requests", url.Values{"reason": {"no group"}}).must(t, "request without group", 400).has(t, "error", "At least one API group")
	dev.post("/portal/requests", url.Values{"group": {"encoding"}, "reason": {"<script>alert(1)</script>"}}).must(t, "request", 200).
		has(t, "my requests", "pending", "&lt;script&gt;alert(1)&lt;/script&gt;").lacks(t, "escaping", "<script>alert(1)</script>")

	admin := b.signedInAdmin(t)
	q := admin.get("/portal/admin/requests").must(t, "queue", 200).has(t, "queue", "req@example.com", "&lt;script&gt;")
	id := regexp.MustCompile(`/portal/admin/requests/(\d+)/decide`).FindStringSubmatch(q.body)[1]
	admin.get("/portal/").has(t, "admin badge", `id="unread-badge"`)
	admin.post("/portal/admin/requests/"+id+"/decide", url.Values{"decision": {"reject"}, "note": {"Tell us more."}}).
		must(t, "reject", 200).has(t, "queue after reject", "Request "+id+" rejected.")
	admin.post("/portal/admin/requests/"+id+"/decide", url.Values{"decision": {"approve"}}).must(t, "decide twice", http.StatusConflict)

	dev.get("/portal/").has(t, "developer badge", `id="unread-badge"`)
	dev.get("/portal/notifications").has(t, "rejection notice", "rejected", "Tell us more.")
	dev.post("/portal/notifications/read", nil).must(t, "mark all read", 200)
	dev.get("/portal/").lacks(t, "badge after reading", `id="unread-badge"`)
	dev.get("/portal/requests").has(t, "my requests", "rejected", "Tell us more.")
}

func TestAdminPagesRender(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	dev := b.approvedDeveloper(t, "seen@example.com")
	_, id, _, _ := createCredential(t, dev, "seen-app")
	admin := b.signedInAdmin(t)
	for _, tt := range []struct{ path, want string }{
		{"/portal/admin/requests?status=approved", "seen@example.com"},
		{"/portal/admin/requests?status=all", "Enjoy."},
		{"/portal/admin/accounts", "seen@example.com"},
		{"/portal/admin/accounts?role=admin", b.adminEmail},
		{"/portal/admin/groups", "encoding"},
		{"/portal/admin/credentials", "seen-app"},
		{"/portal/admin/credentials?status=active&owner=2", "seen-app"},
		{"/portal/admin/audit", "credential.create"},
		{"/portal/admin/audit?action=request.approve", "request.approve"},
		{"/portal/admin/audit?actor=seen@example.com&target_kind=credential", "credential.create"},
		{"/portal/credentials/" + id, "seen@example.com"},
		{"/portal/playground?profile=management", "/v1/me"},
	} {
		admin.get(tt.path).must(t, "GET "+tt.path, 200).has(t, "GET "+tt.path, tt.want)
	}
	admin.post("/portal/admin/groups", url.Values{"name": {"rooms"}, "description": {"Rooms API"}, "api_ids": {"rooms.connect, rooms.list"}}).
		must(t, "create group", 200).has(t, "groups", "Group rooms created.", "rooms.connect, rooms.list")
	admin.post("/portal/admin/groups", url.Values{"name": {"Bad Name"}}).must(t, "bad group", 400).has(t, "bad group", "is not valid")
	admin.post("/portal/admin/groups/rooms", url.Values{"description": {"Rooms"}, "api_ids": {"rooms.connect"}}).must(t, "update group", 200)
	admin.post("/portal/admin/groups/encoding/delete", nil).must(t, "delete used group", http.StatusConflict)
	admin.post("/portal/admin/groups/rooms/delete", nil).must(t, "delete group", 200).has(t, "deleted", "Group rooms deleted.")
}

func TestUsageChart(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 12, 30, 0, 0, time.UTC)
	b := setup(t, portal.Config{NowFunc: func() time.Time { return now }})
	dev := b.approvedDeveloper(t, "usage@example.com")
	_, id, _, _ := createCredential(t, dev, "busy")
	cid := mustAtoi(t, id)
	err := b.store.RecordUsage(context.Background(), []credential.UsageRow{
		{CredentialID: cid, Route: "sl.encoding.start", Status: 200, Minute: now.Add(-3 * time.Hour), Count: 40},
		{CredentialID: cid, Route: "sl.encoding.start", Status: 401, Minute: now.Add(-3 * time.Hour), Count: 7},
		{CredentialID: cid, Route: "sl.encoding.query", Status: 200, Minute: now.Add(-10 * time.Minute), Count: 5},
	})
	if err != nil {
		t.Fatal(err)
	}
	dev.get("/portal/credentials/"+id).must(t, "usage", 200).has(t, "usage", "52 requests", "7 errors", "<svg", `class="bar-err"`, "2026-11-22 09:00 UTC: 47 requests, 7 errors")
	dev.get("/portal/credentials/"+id+"?range=1h").must(t, "usage 1h", 200).has(t, "usage 1h", "5 requests", "0 errors")
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
