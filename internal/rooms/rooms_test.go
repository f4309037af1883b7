package rooms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/server"
	"github.com/keyward/keyward/internal/server/servertest"
	"github.com/keyward/keyward/token"
)

// bundle is a running server with two accounts' credentials.
type bundle struct {
	srv               *server.Server
	url               string
	key, key2         string
	secret, secret2   []byte
	mgmtTok, mgmtTok2 string
}

// setup starts a real server (SQLite) with short lobby and ping times (and
// what opts change), and makes a developer account with a credential
// besides the admin's.
func setup(t *testing.T, opts ...func(*server.Config)) *bundle {
	t.Helper()
	srv := servertest.Start(t, func(cfg *server.Config) {
		cfg.Leeway = time.Second
		cfg.Rooms.LobbyTimeout = 2 * time.Second
		cfg.Rooms.PingInterval = 500 * time.Millisecond
		cfg.Rooms.PingTimeout = 3 * time.Second
		for _, o := range opts {
			o(cfg)
		}
	})
	var admin server.AdminCredentials
	b, err := os.ReadFile(srv.AdminPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &admin); err != nil {
		t.Fatal(err)
	}
	sys := credential.NewContextWithActor(context.Background(), credential.SystemActor())
	acct, err := srv.Store().CreateAccount(sys, &credential.CreateAccountParams{Email: "other@example.com", Name: "other", Role: credential.RoleDeveloper})
	if err != nil {
		t.Fatal(err)
	}
	_, sec, err := srv.Store().CreateCredential(sys, &credential.CreateCredentialParams{OwnerID: acct.ID, Name: "other app"})
	if err != nil {
		t.Fatal(err)
	}
	bd := &bundle{srv: srv, url: srv.URL(), key: admin.Key, secret: []byte(admin.Secret), key2: sec.Key, secret2: []byte(sec.Value)}
	bd.mgmtTok = sign(t, token.New(token.Management, bd.key, bd.secret))
	bd.mgmtTok2 = sign(t, token.New(token.Management, bd.key2, bd.secret2))
	return bd
}

func sign(t *testing.T, b *token.Builder) string {
	t.Helper()
	tok, err := b.ToJWT()
	if err != nil {
		t.Fatalf("ToJWT: %v", err)
	}
	return tok
}

// app returns an app token of the first account.
func (b *bundle) app(t *testing.T, room, user, role string) string {
	t.Helper()
	return sign(t, token.New(token.App, b.key, b.secret).SetRoom(room).SetUser(user).SetRole(role))
}

// apikey returns an apikey token of the first account.
func (b *bundle) apikey(t *testing.T, room, participant string, perms ...string) string {
	t.Helper()
	tb := token.New(token.APIKey, b.key, b.secret).SetRoom(room).SetUser(participant)
	if len(perms) > 0 {
		tb.SetPermissions(perms...)
	}
	return sign(t, tb)
}

// call makes a REST call and decodes the JSON answer.
func (b *bundle) call(t *testing.T, method, path, tok string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, b.url+path, rd)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode, out
}

// room creates a room through /v1/rooms and returns its id.
func (b *bundle) room(t *testing.T, name string, maxPeers int) string {
	t.Helper()
	body := map[string]any{"name": name}
	if maxPeers > 0 {
		body["max_peers"] = maxPeers
	}
	st, out := b.call(t, "POST", "/v1/rooms", b.mgmtTok, body)
	if st != 201 {
		t.Fatalf("create room %s: %d %v", name, st, out)
	}
	return out["room"].(map[string]any)["id"].(string)
}

// errCode returns the envelope's params.err.
func errCode(out map[string]any) string {
	p, _ := out["params"].(map[string]any)
	s, _ := p["err"].(string)
	return s
}

// client is one signal socket.
type client struct {
	t      *testing.T
	c      *websocket.Conn
	frames chan map[string]any
	done   chan struct{}
	err    error
	peerID string
	resume string
}

// dial opens /rtc with tok (or ?resume=) and returns the client, or the
// refusal's status and code.
func (b *bundle) dial(t *testing.T, query string) (*client, int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(b.url, "http") + "/rtc?" + query
	c, res, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		if res == nil {
			t.Fatalf("dial: %v", err)
		}
		var out map[string]any
		raw, _ := io.ReadAll(res.Body)
		json.Unmarshal(raw, &out)
		return nil, res.StatusCode, errCode(out)
	}
	c.SetReadLimit(1 << 20)
	cl := &client{t: t, c: c, frames: make(chan map[string]any, 4096), done: make(chan struct{})}
	go func() {
		defer close(cl.done)
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				cl.err = err
				return
			}
			var m map[string]any
			json.Unmarshal(b, &m)
			cl.frames <- m
		}
	}()
	t.Cleanup(func() { c.CloseNow() })
	return cl, 101, ""
}

func tokQuery(tok string) string { return "access_token=" + url.QueryEscape(tok) }

// join dials and waits for joined.
func (b *bundle) join(t *testing.T, tok string) *client {
	t.Helper()
	c, st, code := b.dial(t, tokQuery(tok))
	if c == nil {
		t.Fatalf("join refused: %d %s", st, code)
	}
	j := c.expect("joined")
	self := j["self"].(map[string]any)
	c.peerID = self["peer_id"].(string)
	c.resume = j["resume_token"].(string)
	return c
}

// expect returns the next frame of type typ, skipping others.
func (c *client) expect(typ string) map[string]any {
	c.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-c.frames:
			if m["type"] == typ {
				return m
			}
		case <-c.done:
			// Frames read before the close are still queued.
			select {
			case m := <-c.frames:
				if m["type"] == typ {
					return m
				}
				continue
			default:
			}
			c.t.Fatalf("socket closed (%v) while waiting for %q", c.err, typ)
		case <-timeout:
			c.t.Fatalf("no %q frame within 10 s", typ)
		}
	}
}

// closed waits for the socket to close and returns its close code.
func (c *client) closed() websocket.StatusCode {
	c.t.Helper()
	select {
	case <-c.done:
		return websocket.CloseStatus(c.err)
	case <-time.After(10 * time.Second):
		c.t.Fatalf("socket still open after 10 s")
		return 0
	}
}

func (c *client) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	if err := c.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func TestJoinPresenceAndMessages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	room := b.room(t, "presence", 0)
	host := b.join(t, b.app(t, room, "alice", "host"))
	guest := b.join(t, b.app(t, room, "bob", "guest"))

	pj := host.expect("peer_joined")
	if p := pj["peer"].(map[string]any); p["peer_id"] != guest.peerID || p["user_id"] != "bob" || p["role"] != "guest" {
		t.Fatalf("host got peer_joined %v, want bob's", pj)
	}
	// bob's joined listed alice; a viewer's lists both.
	viewer, _, _ := b.dial(t, tokQuery(b.app(t, room, "carol", "viewer")))
	j := viewer.expect("joined")
	if peers := j["peers"].([]any); len(peers) != 2 {
		t.Fatalf("viewer's joined.peers = %v, want alice and bob", peers)
	}
	host.expect("peer_joined")
	guest.expect("peer_joined")

	guest.send(map[string]any{"type": "message", "message": map[string]any{"text": "hi all"}})
	for _, c := range []*client{host, viewer} {
		m := c.expect("message")
		if m["from"] != guest.peerID || m["message"].(map[string]any)["text"] != "hi all" {
			t.Fatalf("message = %v, want bob's hi all", m)
		}
	}
	// To a role, then to a peer: only they get it.
	host.send(map[string]any{"type": "message", "message": "viewers only", "to": map[string]any{"role": "viewer"}})
	if m := viewer.expect("message"); m["message"] != "viewers only" {
		t.Fatalf("viewer got %v", m)
	}
	host.send(map[string]any{"type": "message", "message": "just bob", "to": map[string]any{"peer_id": guest.peerID}})
	if m := guest.expect("message"); m["message"] != "just bob" {
		t.Fatalf("bob got %v, want just bob (the role message must not reach him)", m)
	}
	// A viewer may not send.
	viewer.send(map[string]any{"type": "message", "message": "x"})
	if e := viewer.expect("error"); e["code"] != "PERMISSION_DENIED" {
		t.Fatalf("viewer message: %v, want PERMISSION_DENIED", e)
	}
	// Mute another: the host may, the target hears of it.
	host.send(map[string]any{"type": "mute_peer", "peer_id": guest.peerID, "kind": "audio"})
	if m := guest.expect("muted"); m["peer_id"] != guest.peerID || m["kind"] != "audio" || m["muted"] != true {
		t.Fatalf("muted = %v", m)
	}
	// REST sees the live session.
	st, out := b.call(t, "GET", "/v2/active-rooms/"+room+"/peers", b.mgmtTok, nil)
	if peers, _ := out["peers"].(map[string]any); st != 200 || len(peers) != 3 || peers[guest.peerID] == nil {
		t.Fatalf("active peers: %d %v", st, out)
	}
	// A server message over REST reaches a role.
	st, out = b.call(t, "POST", "/v2/active-rooms/"+room+"/send-message", b.mgmtTok, map[string]any{"role": "guest", "message": "from the server"})
	if st != 200 {
		t.Fatalf("send-message: %d %v", st, out)
	}
	if m := guest.expect("message"); m["message"] != "from the server" || m["from"] != "" {
		t.Fatalf("server message = %v", m)
	}
	guest.send(map[string]any{"type": "leave"})
	if code := guest.closed(); code != websocket.StatusNormalClosure {
		t.Fatalf("leave closed with %d, want 1000", code)
	}
	if pl := host.expect("peer_left"); pl["peer_id"] != guest.peerID || pl["reason"] != "LEFT" {
		t.Fatalf("peer_left = %v, want bob LEFT", pl)
	}
}

func TestJoinRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	room := b.room(t, "r", 0)
	otherRoom := func() string {
		st, out := b.call(t, "POST", "/v1/rooms", b.mgmtTok2, map[string]any{"name": "theirs"})
		if st != 201 {
			t.Fatalf("create: %d %v", st, out)
		}
		return out["room"].(map[string]any)["id"].(string)
	}()
	disabled := b.room(t, "off", 0)
	if st, out := b.call(t, "POST", "/v1/rooms/"+disabled, b.mgmtTok, map[string]any{"enabled": false}); st != 200 {
		t.Fatalf("disable: %d %v", st, out)
	}
	full := b.room(t, "full", 1)
	b.join(t, b.app(t, full, "first", "guest"))

	now := time.Now()
	good := b.app(t, room, "u", "guest")
	forged := sign(t, token.New(token.App, b.key, []byte("not-the-secret-not-the-secret-32")).SetRoom(room).SetUser("u").SetRole("guest"))
	for _, c := range []struct {
		name   string
		tok    string
		status int
		code   string
	}{
		{"expired", sign(t, token.New(token.App, b.key, b.secret).SetRoom(room).SetUser("u").SetRole("guest").SetIssuedAt(now.Add(-2*time.Hour)).SetExpiry(now.Add(-time.Hour))), 401, "TOKEN_EXPIRED"},
		{"not yet valid", sign(t, token.New(token.App, b.key, b.secret).SetRoom(room).SetUser("u").SetRole("guest").SetNotBefore(now.Add(time.Hour))), 401, "TOKEN_NOT_YET_VALID"},
		{"bad signature", forged, 401, "TOKEN_SIGNATURE"},
		{"management token", b.mgmtTok, 403, "TOKEN_PROFILE"},
		{"request token", sign(t, token.New(token.Request, b.key, b.secret).SetMethod("GET").SetURL("/rtc")), 403, "TOKEN_PROFILE"},
		{"unknown room", b.app(t, "0123456789abcdef01234567", "u", "guest"), 404, "ROOM_NOT_FOUND"},
		{"another account's room", b.app(t, otherRoom, "u", "guest"), 404, "ROOM_NOT_FOUND"},
		{"disabled room", b.app(t, disabled, "u", "guest"), 403, "ROOM_DISABLED"},
		{"full room", b.app(t, full, "second", "guest"), 409, "ROOM_FULL"},
		{"unknown role", b.app(t, room, "u", "Host"), 403, "ROLE_UNKNOWN"},
		{"crawler-only apikey", sign(t, token.New(token.APIKey, b.key, b.secret).SetRoom(room).SetUser("u").SetRoles("crawler")), 403, "PERMISSION_DENIED"},
		{"no token", "", 401, "TOKEN_MISSING"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := ""
			if c.tok != "" {
				q = tokQuery(c.tok)
			}
			res, err := http.Get(b.url + "/rtc/validate?" + q)
			if err != nil {
				t.Fatal(err)
			}
			var out map[string]any
			json.NewDecoder(res.Body).Decode(&out)
			res.Body.Close()
			if res.StatusCode != c.status || errCode(out) != c.code {
				t.Errorf("GET /rtc/validate: %d %s, want %d %s", res.StatusCode, errCode(out), c.status, c.code)
			}
			if c.tok != "" && strings.Contains(fmt.Sprint(out), c.tok) {
				t.Errorf("the answer echoes the token")
			}
			cl, st, code := b.dial(t, q)
			if cl != nil || st != c.status || code != c.code {
				t.Errorf("GET /rtc: %d %s, want %d %s before any upgrade", st, code, c.status, c.code)
			}
		})
	}
	// The same token in the header works as in the query.
	req, _ := http.NewRequest("GET", b.url+"/rtc/validate", nil)
	req.Header.Set("Authorization", "Bearer "+good)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("validate with header: %v %v", res.StatusCode, err)
	}
	res.Body.Close()
}

func TestExactCapacity(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const maxPeers = 4
	room := b.room(t, "cap", maxPeers)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		in, out int
		codes   = map[string]int{}
	)
	for i := range maxPeers + 5 {
		tok := b.app(t, room, fmt.Sprintf("u%d", i), "guest")
		wg.Go(func() {
			c, _, code := b.dial(t, tokQuery(tok))
			mu.Lock()
			defer mu.Unlock()
			if c != nil {
				in++
				return
			}
			out++
			codes[code]++
		})
	}
	wg.Wait()
	if in != maxPeers || out != 5 || codes["ROOM_FULL"] != 5 {
		t.Fatalf("%d tried at once: %d in, %d out (%v); want exactly %d in and 5 ROOM_FULL", maxPeers+5, in, out, codes, maxPeers)
	}
}

func TestLobby(t *testing.T) {
	t.Parallel()
	b := setup(t)
	room := b.room(t, "lobby", 0)
	mod := b.join(t, b.apikey(t, room, "mod", "allow_mod"))

	ask := func(who string) (*client, string) {
		c, st, code := b.dial(t, tokQuery(b.apikey(t, room, who, "ask_join")))
		if c == nil {
			t.Fatalf("ask_join %s refused: %d %s", who, st, code)
		}
		w := c.expect("waiting")
		req := mod.expect("entry_requested")
		if req["peer"].(map[string]any)["user_id"] != who {
			t.Fatalf("entry_requested = %v, want %s", req, who)
		}
		return c, w["peer_id"].(string)
	}
	// A waiting peer may not talk.
	w1, id1 := ask("w1")
	w1.send(map[string]any{"type": "message", "message": "let me in"})
	if e := w1.expect("error"); e["code"] != "PERMISSION_DENIED" {
		t.Fatalf("waiting peer's message: %v", e)
	}
	mod.send(map[string]any{"type": "admit", "peer_id": id1, "allow": true})
	if j := w1.expect("joined"); j["self"].(map[string]any)["peer_id"] != id1 {
		t.Fatalf("admitted peer's joined = %v", j)
	}
	if r := mod.expect("entry_responded"); r["decision"] != "allowed" {
		t.Fatalf("entry_responded = %v", r)
	}
	mod.expect("peer_joined")

	w2, id2 := ask("w2")
	mod.send(map[string]any{"type": "admit", "peer_id": id2, "allow": false})
	if code := w2.closed(); code != 4003 {
		t.Fatalf("denied peer closed with %d, want 4003", code)
	}
	if r := mod.expect("entry_responded"); r["decision"] != "denied" {
		t.Fatalf("entry_responded = %v, want denied", r)
	}
	w3, _ := ask("w3")
	// Nobody acts: closed after the (2 s, for tests) timeout.
	if code := w3.closed(); code != 4003 {
		t.Fatalf("unanswered peer closed with %d, want 4003", code)
	}
	if r := mod.expect("entry_responded"); r["decision"] != "timeout" {
		t.Fatalf("entry_responded = %v, want timeout", r)
	}
}

func TestRemoveMeansGone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	room := b.room(t, "rm", 0)
	host := b.join(t, b.app(t, room, "host", "host"))
	tok := b.app(t, room, "mallory", "guest")
	m := b.join(t, tok)
	host.expect("peer_joined")
	host.send(map[string]any{"type": "remove", "peer_id": m.peerID, "reason": "spam"})
	if code := m.closed(); code != 4001 {
		t.Fatalf("removed peer closed with %d, want 4001", code)
	}
	if pl := host.expect("peer_left"); pl["reason"] != "REMOVED" {
		t.Fatalf("peer_left = %v, want REMOVED", pl)
	}
	for name, q := range map[string]string{
		"same token":                     tokQuery(tok),
		"new token of the same identity": tokQuery(b.app(t, room, "mallory", "guest")),
		"its resume token":               "resume=" + url.QueryEscape(m.resume),
	} {
		_, st, code := b.dial(t, q)
		want := "TOKEN_REVOKED"
		if strings.HasPrefix(q, "resume=") {
			want = "RESUME_INVALID"
		}
		if st != 401 || code != want {
			t.Errorf("%s after removal: %d %s, want 401 %s", name, st, code, want)
		}
	}
	// Over REST (100ms shape): remove by role.
	g := b.join(t, b.app(t, room, "g2", "guest"))
	st, out := b.call(t, "POST", "/v2/active-rooms/"+room+"/remove-peers", b.mgmtTok, map[string]any{"role": "guest", "reason": "bye"})
	if st != 200 || out["removed"] != float64(1) {
		t.Fatalf("remove-peers: %d %v", st, out)
	}
	if code := g.closed(); code != 4001 {
		t.Fatalf("REST-removed peer closed with %d, want 4001", code)
	}
	// Another account cannot touch the room.
	st, out = b.call(t, "POST", "/v2/active-rooms/"+room+"/remove-peers", b.mgmtTok2, map[string]any{"peer_id": host.peerID})
	if st != 404 || errCode(out) != "ROOM_NOT_FOUND" {
		t.Fatalf("other account's remove: %d %v", st, out)
	}
}

func TestDuplicateIdentityAndResume(t *testing.T) {
	t.Parallel()
	b := setup(t)
	room := b.room(t, "dup", 0)
	host := b.join(t, b.app(t, room, "host", "host"))
	first := b.join(t, b.app(t, room, "dana", "guest"))
	host.expect("peer_joined")
	b.join(t, b.app(t, room, "dana", "guest"))
	if code := first.closed(); code != 4004 {
		t.Fatalf("older session closed with %d, want 4004", code)
	}
	if pl := host.expect("peer_left"); pl["peer_id"] != first.peerID || pl["reason"] != "DUPLICATE_IDENTITY" {
		t.Fatalf("peer_left = %v", pl)
	}
	host.expect("peer_joined")

	// A token that expires during the session: after it has expired, the
	// resume token still brings the peer back, with its peer id.
	short := sign(t, token.New(token.App, b.key, b.secret).SetRoom(room).SetUser("erin").SetRole("guest").SetTTL(2*time.Second))
	e := b.join(t, short)
	host.expect("peer_joined")
	e.send(map[string]any{"type": "ping"})
	resume := e.expect("pong")["resume_token"].(string)
	for {
		res, err := http.Get(b.url + "/rtc/validate?" + tokQuery(short))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == 401 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	e.c.CloseNow()
	if pl := host.expect("peer_left"); pl["peer_id"] != e.peerID {
		t.Fatalf("peer_left = %v", pl)
	}
	back, st, code := b.dial(t, "resume="+url.QueryEscape(resume))
	if back == nil {
		t.Fatalf("resume refused: %d %s", st, code)
	}
	if j := back.expect("joined"); j["self"].(map[string]any)["peer_id"] != e.peerID {
		t.Fatalf("resumed joined = %v, want peer %s", j, e.peerID)
	}
	// A forged resume token is refused.
	_, st, code = b.dial(t, "resume="+url.QueryEscape(resume[:len(resume)-3]+"abc"))
	if st != 401 || code != "RESUME_INVALID" {
		t.Fatalf("forged resume: %d %s", st, code)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	room := b.room(t, "bad", 0)
	c := b.join(t, b.app(t, room, "a", "host"))
	other := b.join(t, b.app(t, room, "b", "guest"))
	c.expect("peer_joined")
	for _, f := range []struct{ frame, code string }{
		{`{"type":`, "BAD_MESSAGE"},
		{`[1,2]`, "BAD_MESSAGE"},
		{`{"no":"type"}`, "BAD_MESSAGE"},
		{`{"type":"teleport"}`, "UNKNOWN_TYPE"},
		{`{"type":"answer","sdp":"v=0"}`, "MEDIA_UNAVAILABLE"},
	} {
		c.c.Write(context.Background(), websocket.MessageText, []byte(f.frame))
		if e := c.expect("error"); e["code"] != f.code {
			t.Errorf("frame %s: error %v, want %s", f.frame, e, f.code)
		}
	}
	// Flood: 1,000 frames at once from one peer are cut down with
	// RATE_LIMITED; the other peer still talks and is heard.
	for i := range 1000 {
		c.c.Write(context.Background(), websocket.MessageText, []byte(fmt.Sprintf(`{"type":"message","message":%d}`, i)))
	}
	if e := c.expect("error"); e["code"] != "RATE_LIMITED" {
		t.Fatalf("flood: %v, want RATE_LIMITED", e)
	}
	got := 0
	other.send(map[string]any{"type": "message", "message": "still here"})
	for {
		m := c.expect("message")
		if m["message"] == "still here" {
			break
		}
	}
	for len(other.frames) > 0 {
		if m := <-other.frames; m["type"] == "message" {
			got++
		}
	}
	if got >= 1000 {
		t.Fatalf("the flood reached the other peer whole (%d messages)", got)
	}
	// Oversized: a 70 KiB frame closes the socket with 1009.
	big := `{"type":"message","message":"` + strings.Repeat("x", 70<<10) + `"}`
	c.c.Write(context.Background(), websocket.MessageText, []byte(big))
	if code := c.closed(); code != websocket.StatusMessageTooBig {
		t.Fatalf("oversized frame closed with %d, want 1009", code)
	}
	if pl := other.expect("peer_left"); pl["peer_id"] != c.peerID {
		t.Fatalf("peer_left = %v", pl)
	}
	// A socket that never answers pings is dropped; the room stays healthy.
	dead := rawSocket(t, b.url, b.app(t, room, "zombie", "guest"))
	defer dead.Close()
	pj := other.expect("peer_joined")
	pl := other.expect("peer_left")
	if pl["peer_id"] != pj["peer"].(map[string]any)["peer_id"] || pl["reason"] != "TIMEOUT" {
		t.Fatalf("silent socket: peer_left %v, want TIMEOUT", pl)
	}
	other.send(map[string]any{"type": "ping"})
	other.expect("pong")
}

func TestEndRoomWithLock(t *testing.T) {
	t.Parallel()
	b := setup(t)
	room := b.room(t, "end", 0)
	host := b.join(t, b.app(t, room, "h", "host"))
	guest := b.join(t, b.app(t, room, "g", "guest"))
	guest.send(map[string]any{"type": "end_room"})
	if e := guest.expect("error"); e["code"] != "PERMISSION_DENIED" {
		t.Fatalf("guest end_room: %v", e)
	}
	host.send(map[string]any{"type": "end_room", "reason": "done", "lock": true})
	for _, c := range []*client{host, guest} {
		if code := c.closed(); code != 4002 {
			t.Fatalf("end_room closed with %d, want 4002", code)
		}
	}
	_, st, code := b.dial(t, tokQuery(b.app(t, room, "late", "guest")))
	if st != 403 || code != "ROOM_DISABLED" {
		t.Fatalf("join after a locked end: %d %s", st, code)
	}
	st, out := b.call(t, "GET", "/v1/rooms/"+room, b.mgmtTok, nil)
	sessions := out["sessions"].([]any)
	if st != 200 || len(sessions) != 1 || sessions[0].(map[string]any)["end_reason"] != "done" {
		t.Fatalf("room after end: %d %v", st, out)
	}
}

func TestRESTShapes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// 100ms: create returns the existing room of a name.
	st, r1 := b.call(t, "POST", "/v2/rooms", b.mgmtTok, map[string]any{"name": "town-hall", "description": "weekly"})
	st2, r2 := b.call(t, "POST", "/v2/rooms", b.mgmtTok, map[string]any{"name": "town-hall"})
	if st != 200 || st2 != 200 || r1["id"] != r2["id"] || r1["enabled"] != true || r1["description"] != "weekly" || r1["params"] != nil {
		t.Fatalf("100ms create: %d %v / %d %v", st, r1, st2, r2)
	}
	id := r1["id"].(string)
	st, list := b.call(t, "GET", "/v2/rooms?limit=5", b.mgmtTok, nil)
	if data := list["data"].([]any); st != 200 || len(data) != 1 || list["limit"] != float64(5) {
		t.Fatalf("100ms list: %d %v", st, list)
	}
	st, upd := b.call(t, "POST", "/v2/rooms/"+id, b.mgmtTok, map[string]any{"enabled": false})
	if st != 200 || upd["enabled"] != false {
		t.Fatalf("100ms disable: %d %v", st, upd)
	}
	st, out := b.call(t, "GET", "/v2/rooms/"+id, b.mgmtTok2, nil)
	if st != 404 || errCode(out) != "ROOM_NOT_FOUND" {
		t.Fatalf("other account reads the room: %d %v", st, out)
	}
	st, out = b.call(t, "GET", "/v2/active-rooms/"+id, b.mgmtTok, nil)
	if st != 404 || errCode(out) != "ROOM_NOT_ACTIVE" {
		t.Fatalf("active-rooms of an idle room: %d %v", st, out)
	}
	// VideoSDK: the same path with an apikey token.
	ak := sign(t, token.New(token.APIKey, b.key, b.secret))
	st, v := b.call(t, "POST", "/v2/rooms", ak, map[string]any{"customRoomId": "class-7", "webhook": map[string]any{"endPoint": "https://example.com/hook", "events": []string{"participant-joined"}}})
	if st != 200 || v["roomId"] == nil || v["customRoomId"] != "class-7" || v["disabled"] != false {
		t.Fatalf("VideoSDK create: %d %v", st, v)
	}
	rid := v["roomId"].(string)
	st, v = b.call(t, "GET", "/v2/rooms/validate/"+rid, ak, nil)
	if st != 200 || v["roomId"] != rid {
		t.Fatalf("VideoSDK validate: %d %v", st, v)
	}
	// The customRoomId joins too.
	c := b.join(t, b.apikey(t, "class-7", "p1"))
	st, v = b.call(t, "POST", "/v2/sessions/participants/remove", ak, map[string]any{"roomId": rid, "participantId": "p1"})
	if st != 200 || c.closed() != 4001 {
		t.Fatalf("VideoSDK remove: %d %v", st, v)
	}
	st, v = b.call(t, "POST", "/v2/rooms/deactivate", ak, map[string]any{"roomId": rid})
	if st != 200 || v["disabled"] != true {
		t.Fatalf("VideoSDK deactivate: %d %v", st, v)
	}
	rtcOnly := sign(t, token.New(token.APIKey, b.key, b.secret).SetRoles("rtc"))
	st, out = b.call(t, "GET", "/v2/rooms/validate/"+rid, rtcOnly, nil)
	if st != 403 || errCode(out) != "PERMISSION_DENIED" {
		t.Fatalf("rtc-only apikey on REST: %d %v", st, out)
	}
	// Native: the envelope.
	st, out = b.call(t, "GET", "/v1/rooms", b.mgmtTok, nil)
	if rs := out["rooms"].([]any); st != 200 || len(rs) != 2 || out["params"].(map[string]any)["status"] != "successful" {
		t.Fatalf("v1 list: %d %v", st, out)
	}
	st, out = b.call(t, "POST", "/v1/rooms", b.mgmtTok, map[string]any{"name": "bad", "max_peers": 0, "webhook": map[string]any{"url": "ftp://x"}})
	if st != 400 || errCode(out) != "BAD_REQUEST" {
		t.Fatalf("v1 invalid create: %d %v", st, out)
	}
	// An app token is no REST credential.
	st, out = b.call(t, "GET", "/v1/rooms", b.app(t, id, "u", "host"), nil)
	if st != 403 || errCode(out) != "TOKEN_PROFILE" {
		t.Fatalf("app token on REST: %d %v", st, out)
	}
}

// rawSocket upgrades /rtc by hand and then never reads: it never answers
// a ping.
func rawSocket(t *testing.T, base, tok string) io.Closer {
	t.Helper()
	u, _ := url.Parse(base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /rtc?%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", tokQuery(tok), u.Host)
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 101") {
		t.Fatalf("raw upgrade: %q %v", buf[:n], err)
	}
	return conn
}
