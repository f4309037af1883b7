package portal_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/portal"
	"github.com/keyward/keyward/token"
)

// roomsFixture is a real server, its admin signed in to the portal, and
// an API client with the admin's credential.
type roomsFixture struct {
	srv   *testServer
	admin *browser
	api   *client.Client
}

func newRoomsFixture(t *testing.T) *roomsFixture {
	t.Helper()
	srv := startServer(t)
	f := &roomsFixture{srv: srv, admin: browserAt(t, srv.URL)}
	f.admin.signIn(srv.AdminEmail, srv.AdminPassword)
	f.api = f.client(t, srv.AdminKey, srv.AdminSecret)
	return f
}

// client returns an API client of the server with a credential.
func (f *roomsFixture) client(t *testing.T, key, secret string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{BaseURL: f.srv.URL, Key: key, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *roomsFixture) sign(t *testing.T, b *token.Builder) string {
	t.Helper()
	tok, err := b.ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// createRoom makes a room through the API (POST /v1/rooms) and returns
// its id.
func (f *roomsFixture) createRoom(t *testing.T, api *client.Client, name string) string {
	t.Helper()
	rm, created, err := api.CreateRoom(context.Background(), client.CreateRoomParams{Name: name})
	if err != nil || !created {
		t.Fatalf("create room %s: created %v, %v", name, created, err)
	}
	return rm.ID
}

// appToken is an app token of the admin's credential.
func (f *roomsFixture) appToken(t *testing.T, room, user, role string) string {
	t.Helper()
	return f.sign(t, token.New(token.App, f.srv.AdminKey, []byte(f.srv.AdminSecret)).SetRoom(room).SetUser(user).SetRole(role))
}

// peerConn is a Go client on a room's signal socket, read in the test's
// own goroutine.
type peerConn struct {
	conn   *websocket.Conn
	joined map[string]any
	peerID string
}

// joinRoom opens /rtc with tok in the Authorization header and reads the
// joined frame.
func joinRoom(t *testing.T, base, tok string) *peerConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := http.Header{"Authorization": {"Bearer " + tok}}
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/rtc", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		if res != nil {
			t.Fatalf("join refused with %d: %v", res.StatusCode, err)
		}
		t.Fatalf("join: %v", err)
	}
	t.Cleanup(func() { c.CloseNow() })
	pc := &peerConn{conn: c}
	_, raw, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("no joined frame: %v", err)
	}
	if err := json.Unmarshal(raw, &pc.joined); err != nil || pc.joined["type"] != "joined" {
		t.Fatalf("first frame %s, want joined", raw)
	}
	self, _ := pc.joined["self"].(map[string]any)
	pc.peerID, _ = self["peer_id"].(string)
	return pc
}

// closeStatus reads until the server closes the socket and returns the
// close code; the socket must close within 10 s.
func (pc *peerConn) closeStatus(t *testing.T) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := pc.conn.Read(ctx); err != nil {
			if ctx.Err() != nil {
				t.Fatal("the socket is still open 10 s later")
			}
			return websocket.CloseStatus(err)
		}
	}
}

// validate calls GET /rtc/validate with tok and returns the status and the
// error code, if any.
func validate(t *testing.T, base, tok string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/rtc/validate", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return callEnvelope(t, req)
}

// TestRoomPages drives the room pages over HTTP against a real server: the
// list, live peers, remove peer (the peer is closed 4001), end room (4002),
// settings, the audit entries, and the refusals.
func TestRoomPages(t *testing.T) {
	t.Parallel()
	f := newRoomsFixture(t)
	id := f.createRoom(t, f.api, "standup")
	f.admin.get("/portal/rooms").must(t, "room list", 200).has(t, "room list", "standup", "/portal/rooms/"+id)
	f.admin.get("/portal/rooms/"+id).must(t, "room page", 200).has(t, "room page before anyone joined", `id="not-live"`)

	alice := joinRoom(t, f.srv.URL, f.appToken(t, id, "alice", "guest"))
	pg := f.admin.get("/portal/rooms/"+id).must(t, "room page", 200).has(t, "room page with a peer", "alice", alice.peerID, `id="end-room"`)
	f.admin.get("/portal/rooms").has(t, "room list with a live room", "status-live")

	// Remove: the peer is closed 4001 and its token no longer joins.
	f.admin.csrf = csrfRE.FindStringSubmatch(pg.body)[1]
	pg = f.admin.post("/portal/rooms/"+id+"/remove-peer", url.Values{"peer_id": {alice.peerID}, "reason": {"spamming the chat"}}).
		must(t, "remove peer", 200)
	pg.has(t, "after remove", "Removed alice")
	if code := alice.closeStatus(t); code != 4001 {
		t.Fatalf("removed peer closed with %d, want 4001", code)
	}
	if st, code := validate(t, f.srv.URL, f.appToken(t, id, "alice", "guest")); st != 401 {
		t.Fatalf("a new token of the removed identity: %d %s, want 401", st, code)
	}

	// End: the other peer is closed 4002; the session is listed as ended.
	bob := joinRoom(t, f.srv.URL, f.appToken(t, id, "bob", "host"))
	f.admin.get("/portal/rooms/"+id).has(t, "room page with bob", bob.peerID)
	f.admin.post("/portal/rooms/"+id+"/end", url.Values{"reason": {"stand-up over"}}).must(t, "end room", 200).
		has(t, "after end", "has ended", `id="not-live"`, "stand-up over")
	if code := bob.closeStatus(t); code != 4002 {
		t.Fatalf("peer of an ended room closed with %d, want 4002", code)
	}

	// Settings: a refused form keeps what was typed and says why.
	form := url.Values{"enabled": {"yes"}, "max_peers": {"3"}, "webhook_url": {"http://127.0.0.1:9/hook"},
		"template": {`{"name":"small","roles":{"speaker":{"publish_audio":true,"subscribe":["*"]},"listener":{"subscribe":["speaker"]}}}`}}
	f.admin.post("/portal/rooms/"+id, form).must(t, "save settings", 200).has(t, "after saving", "saved", `value="3"`, "speaker", "listener", "http://127.0.0.1:9/hook")
	bad := url.Values{"max_peers": {"0"}, "template": {"{}"}}
	f.admin.post("/portal/rooms/"+id, bad).must(t, "max_peers 0", 400).has(t, "max_peers 0", "Max peers must be")
	bad = url.Values{"max_peers": {"4"}, "template": {`{"name":"x","roles":{"a":{"subscribe":["nobody"]}}}`}}
	f.admin.post("/portal/rooms/"+id, bad).must(t, "bad template", 400).has(t, "bad template", "unknown role", "nobody", `value="4"`)
	bad = url.Values{"max_peers": {"4"}, "template": {`{"name":"x","roles":{"a":{}}, "colour":1}`}}
	f.admin.post("/portal/rooms/"+id, bad).must(t, "unknown template field", 400).has(t, "unknown template field", "colour")
	// Disabled: joins are refused.
	f.admin.post("/portal/rooms/"+id, url.Values{"max_peers": {"3"}, "template": {form.Get("template")}}).must(t, "disable", 200)
	if st, code := validate(t, f.srv.URL, f.appToken(t, id, "carol", "speaker")); st != 403 || code != "ROOM_DISABLED" {
		t.Fatalf("join of a disabled room: %d %s, want 403 ROOM_DISABLED", st, code)
	}

	// A form without the CSRF token is refused and changes nothing.
	f.admin.post("/portal/rooms/"+id, url.Values{"csrf": {"forged"}, "enabled": {"yes"}, "max_peers": {"50"}, "template": {form.Get("template")}}).
		must(t, "forged CSRF", 403)
	f.admin.get("/portal/rooms/"+id).has(t, "after the forged form", `value="3"`).lacks(t, "after the forged form", `value="50"`)

	// The audit log has every action, with the reasons.
	audit := f.admin.get("/portal/admin/audit?target_kind=room").must(t, "audit", 200)
	audit.has(t, "audit of room actions", credential.ActionRoomRemovePeer, credential.ActionRoomEnd, credential.ActionRoomUpdate, "spamming the chat")
}

// TestRoomPagesOwnRoomsOnly: an account sees and moderates only its own
// rooms, admins included; another account's room is 404 as for an id that
// does not exist.
func TestRoomPagesOwnRoomsOnly(t *testing.T) {
	t.Parallel()
	f := newRoomsFixture(t)
	mine := f.createRoom(t, f.api, "admin-room")

	// A developer with a credential of its own makes a room.
	st := f.srv.Server.Store()
	sys := credential.NewContextWithActor(context.Background(), credential.SystemActor())
	dev, err := st.CreateAccount(sys, &credential.CreateAccountParams{Email: "dev@example.com", Name: "Dev", Role: credential.RoleDeveloper,
		Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	_, sec, err := st.CreateCredential(sys, &credential.CreateCredentialParams{OwnerID: dev.ID, Name: "dev app"})
	if err != nil {
		t.Fatal(err)
	}
	theirs := f.createRoom(t, f.client(t, sec.Key, sec.Value), "dev-room")
	peer := joinRoom(t, f.srv.URL, f.sign(t, token.New(token.App, sec.Key, []byte(sec.Value)).SetRoom(theirs).SetUser("erin").SetRole("guest")))

	f.admin.get("/portal/rooms").must(t, "admin's rooms", 200).has(t, "admin's rooms", "admin-room").lacks(t, "admin's rooms", "dev-room")
	f.admin.get("/portal/rooms/"+theirs).must(t, "admin opens the developer's room", 404).lacks(t, "404 page", "erin")
	f.admin.post("/portal/rooms/"+theirs+"/remove-peer", url.Values{"peer_id": {peer.peerID}}).must(t, "admin removes the developer's peer", 404)
	f.admin.post("/portal/rooms/"+theirs+"/end", nil).must(t, "admin ends the developer's room", 404)
	f.admin.post("/portal/rooms/"+theirs, url.Values{"max_peers": {"1"}, "template": {"{}"}}).must(t, "admin changes the developer's room", 404)
	f.admin.get("/portal/rooms/0123456789abcdef01234567").must(t, "a room id that does not exist", 404)

	d := browserAt(t, f.srv.URL)
	d.signIn("dev@example.com", "correct horse battery")
	d.get("/portal/rooms").must(t, "developer's rooms", 200).has(t, "developer's rooms", "dev-room").lacks(t, "developer's rooms", "admin-room")
	d.get("/portal/rooms/"+mine).must(t, "developer opens the admin's room", 404)
	// The peer is still there: nothing another account sent reached it.
	d.get("/portal/rooms/"+theirs).must(t, "developer's room", 200).has(t, "developer's room", "erin", peer.peerID)
}

var mintedRE = regexp.MustCompile(`<textarea id="token" readonly[^>]*>([^<]+)</textarea>`)

// minted returns the token shown on pg, failing the test if there is none.
func minted(t *testing.T, pg *page) string {
	t.Helper()
	m := mintedRE.FindStringSubmatch(pg.body)
	if m == nil {
		t.Fatalf("no token on the page\n%s", pg.body)
	}
	return html.UnescapeString(m[1])
}

// TestMintToken generates tokens of each profile on a credential's page and
// uses them: the app and apikey tokens join a room over /rtc/validate and
// /rtc, the management token lists rooms. A TTL above 24 hours is refused;
// the page is never cached; the audit log records the token without it.
func TestMintToken(t *testing.T) {
	t.Parallel()
	f := newRoomsFixture(t)
	id := f.createRoom(t, f.api, "demo")
	info, err := f.srv.Server.Store().LookupKey(context.Background(), f.srv.AdminKey)
	if err != nil {
		t.Fatal(err)
	}
	credPath := "/portal/credentials/" + itoa(info.CredentialID)
	f.admin.get(credPath).must(t, "credential page", 200).has(t, "credential page", `id="generate-token"`, credPath+"/token")
	f.admin.get(credPath+"/token").must(t, "token form", 200).has(t, "token form", "100ms app token", "VideoSDK apikey token", "100ms management token", id)

	app := f.admin.post(credPath+"/token", url.Values{"profile": {"app"}, "ttl": {"24h"}, "room": {id}, "user": {"dana"}, "role": {"host"}}).
		must(t, "mint app token", 200)
	if cc := app.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("token page Cache-Control %q, want no-store", cc)
	}
	tok := minted(t, app)
	var claims token.Claims
	if err := token.ParseString(&claims, tok); err != nil {
		t.Fatal(err)
	}
	if life := claims.Expires().Sub(claims.IssuedAt()); life != 24*time.Hour || claims.KeyID() == "" || claims.JWTID() == "" {
		t.Fatalf("app token lives %v with kid %q and jti %q, want 24 h, a kid and a jti", life, claims.KeyID(), claims.JWTID())
	}
	if st, code := validate(t, f.srv.URL, tok); st != 200 {
		t.Fatalf("minted app token over /rtc/validate: %d %s", st, code)
	}
	dana := joinRoom(t, f.srv.URL, tok)
	if self := dana.joined["self"].(map[string]any); self["user_id"] != "dana" || self["role"] != "host" {
		t.Fatalf("joined as %v, want dana the host", self)
	}

	key := f.admin.post(credPath+"/token", url.Values{"profile": {"apikey"}, "ttl": {"30"}, "room": {id}, "participant": {"eve"},
		"permission": {"allow_join"}}).must(t, "mint apikey token", 200)
	eve := joinRoom(t, f.srv.URL, minted(t, key))
	if self := eve.joined["self"].(map[string]any); self["user_id"] != "eve" {
		t.Fatalf("apikey token joined as %v, want eve", self)
	}

	mg := f.admin.post(credPath+"/token", url.Values{"profile": {"management"}, "ttl": {"15m"}}).must(t, "mint management token", 200)
	list, err := http.NewRequest("GET", f.srv.URL+"/v1/rooms", nil)
	if err != nil {
		t.Fatal(err)
	}
	list.Header.Set("Authorization", "Bearer "+minted(t, mg))
	if st, code := callEnvelope(t, list); st != 200 {
		t.Fatalf("GET /v1/rooms with the minted management token: %d %s", st, code)
	}
	if st, code := validate(t, f.srv.URL, minted(t, mg)); st != 403 || code != "TOKEN_PROFILE" {
		t.Fatalf("minted management token over /rtc/validate: %d %s, want 403 TOKEN_PROFILE", st, code)
	}

	refusals := []struct {
		name string
		form url.Values
		want string
	}{
		{"TTL above 24 h", url.Values{"profile": {"management"}, "ttl": {"24h1s"}}, "at most 24 hours"},
		{"TTL of 1441 minutes", url.Values{"profile": {"management"}, "ttl": {"1441"}}, "at most 24 hours"},
		{"TTL zero", url.Values{"profile": {"management"}, "ttl": {"0s"}}, "above zero"},
		{"TTL not a duration", url.Values{"profile": {"management"}, "ttl": {"soon"}}, "must be a duration"},
		{"unknown profile", url.Values{"profile": {"request"}, "ttl": {"1h"}}, "Choose a token profile"},
		{"app without a role", url.Values{"profile": {"app"}, "ttl": {"1h"}, "room": {id}, "user": {"x"}}, "needs a room, a user id and a role"},
		{"app with an unknown role", url.Values{"profile": {"app"}, "ttl": {"1h"}, "room": {id}, "user": {"x"}, "role": {"king"}}, "no role"},
		{"app for an unknown room", url.Values{"profile": {"app"}, "ttl": {"1h"}, "room": {"nowhere"}, "user": {"x"}, "role": {"host"}}, "You have no room"},
		{"apikey without permission", url.Values{"profile": {"apikey"}, "ttl": {"1h"}}, "at least one permission"},
		{"apikey with an unknown permission", url.Values{"profile": {"apikey"}, "ttl": {"1h"}, "permission": {"allow_all"}}, "Unknown permission"},
	}
	for _, r := range refusals {
		pg := f.admin.post(credPath+"/token", r.form).must(t, r.name, 400).has(t, r.name, html.EscapeString(r.want))
		if mintedRE.MatchString(pg.body) {
			t.Fatalf("%s: the page shows a token", r.name)
		}
	}

	// The audit log knows of three tokens and holds none of them.
	audit := f.admin.get("/portal/admin/audit?action="+credential.ActionTokenMint).must(t, "audit", 200)
	for _, tk := range []string{tok, minted(t, key), minted(t, mg)} {
		audit.lacks(t, "audit of minted tokens", tk)
		audit.lacks(t, "audit of minted tokens", strings.Split(tk, ".")[2])
	}
	audit.has(t, "audit of minted tokens", "dana", "eve", `profile`)
	entries, err := f.srv.Server.Store().FindAuditEntries(credential.NewContextWithActor(context.Background(), credential.SystemActor()),
		&credential.AuditFilter{Action: credential.ActionTokenMint})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries.Entries) != 3 {
		t.Fatalf("%d mint entries in the audit log, want 3 (refusals make none)", len(entries.Entries))
	}

	// Another account's credential: 404, as for one that does not exist;
	// an admin may look at a developer's credential but not sign with it.
	mallory := browserAt(t, f.srv.URL)
	mallory.signUp("mallory@example.com", "correct horse battery")
	mallory.get(credPath+"/token").must(t, "another account's credential", 404)
	mallory.post(credPath+"/token", url.Values{"profile": {"management"}, "ttl": {"1h"}}).must(t, "mint with another account's credential", 404)
	sys := credential.NewContextWithActor(context.Background(), credential.SystemActor())
	acct, err := f.srv.Server.Store().FindAccountByEmail(sys, "mallory@example.com")
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := f.srv.Server.Store().CreateCredential(sys, &credential.CreateCredentialParams{OwnerID: acct.ID, Name: "mallory app"})
	if err != nil {
		t.Fatal(err)
	}
	f.admin.get("/portal/credentials/"+itoa(c.ID)).must(t, "admin views a developer's credential", 200).lacks(t, "admin's view", `id="generate-token"`)
	f.admin.post("/portal/credentials/"+itoa(c.ID)+"/token", url.Values{"profile": {"management"}, "ttl": {"1h"}}).
		must(t, "admin mints with a developer's credential", 403)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestMintTokenNeverLogged: a developer generates a token on a portal of
// its own (no rooms); the token is on the page and nowhere in the portal's
// or the store's log, at debug level.
func TestMintTokenNeverLogged(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	dev := b.approvedDeveloper(t, "mint@example.com")
	_, id, _, _ := createCredential(t, dev, "mint app")
	dev.get("/portal/credentials/"+id).must(t, "credential page", 200).has(t, "credential page", `id="generate-token"`)
	dev.get("/portal/credentials/"+id+"/token").must(t, "token form", 200)
	pg := dev.post("/portal/credentials/"+id+"/token", url.Values{"profile": {"apikey"}, "ttl": {"10m"}, "room": {"any-room"},
		"participant": {"p1"}, "permission": {"ask_join", "allow_join", "ask_join"}}).must(t, "mint", 200)
	tok := minted(t, pg)
	var claims token.Claims
	if err := token.ParseString(&claims, tok); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(claims.Permissions(), ","); got != "allow_join,ask_join" || claims.RoomID() != "any-room" || claims.UserID() != "p1" {
		t.Fatalf("apikey claims: permissions %s, room %q, participant %q", got, claims.RoomID(), claims.UserID())
	}
	if logs := b.logs.String(); strings.Contains(logs, tok) || strings.Contains(logs, strings.Split(tok, ".")[2]) {
		t.Fatalf("the token reached the log:\n%s", logs)
	}
}
