package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/keyward/keyward/internal/testenv"
	"github.com/keyward/keyward/token"
)

// interopDir holds the seeds' samples and the npm packages.
const interopDir = "../../interop"

// mustNodeWS returns node, with the npm packages the rooms tests use.
func mustNodeWS(t *testing.T) string {
	t.Helper()
	p := testenv.Command(t, "node")
	for _, pkg := range []string{"jsonwebtoken", "uuid4", "ws"} {
		testenv.Path(t, filepath.Join(interopDir, "node_modules", pkg)) // npm ci in interop/
	}
	return p
}

// runSample runs one of the seeds' samples and returns the token it prints.
func runSample(t *testing.T, env []string, prog string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v", prog, args, err)
	}
	return strings.TrimSpace(string(out))
}

// roomCreds are the credentials and a management token of one account.
type roomCreds struct {
	key, secret, kid string
	mgmt             string
}

func newRoomCreds(t *testing.T, c creds) roomCreds {
	t.Helper()
	tok, err := token.New(token.Management, c.Key, []byte(c.Secret)).SetKeyID(c.KID).ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	return roomCreds{key: c.Key, secret: c.Secret, kid: c.KID, mgmt: tok}
}

// otherAccount makes a developer account with a credential.
func otherAccount(t *testing.T, n *node, admin creds) creds {
	t.Helper()
	r := n.call(admin, "POST", "/v1/accounts", map[string]any{"email": "rooms-other@example.test", "name": "Other", "role": "developer", "password": "a long enough passphrase"})
	if r.Status != 201 && r.Status != 200 {
		t.Fatalf("create account: %d %s", r.Status, r.Raw)
	}
	var acct struct{ ID int64 }
	r.field("account", &acct)
	r = n.call(admin, "POST", "/v1/credentials", map[string]any{"name": "other-rooms", "owner": acct.ID, "groups": []string{}})
	if r.Status != 201 && r.Status != 200 {
		t.Fatalf("create credential: %d %s", r.Status, r.Raw)
	}
	var sec struct {
		Key, Secret, KID string
	}
	r.field("secret", &sec)
	return creds{Key: sec.Key, Secret: sec.Secret, KID: sec.KID}
}

// makeRoom creates a room through /v1/rooms.
func makeRoom(t *testing.T, n *node, c creds, name string, maxPeers int) string {
	t.Helper()
	body := map[string]any{"name": name}
	if maxPeers > 0 {
		body["max_peers"] = maxPeers
	}
	r := n.call(c, "POST", "/v1/rooms", body)
	if r.Status != 201 {
		t.Fatalf("create room: %d %s", r.Status, r.Raw)
	}
	var room struct{ ID string }
	r.field("room", &room)
	return room.ID
}

// goPeer is a Go signal client on coder/websocket.
type goPeer struct {
	t      *testing.T
	c      *websocket.Conn
	frames chan map[string]any
	done   chan struct{}
	err    error
	id     string
}

// dialRTC opens /rtc; on a refused upgrade it returns the status and code.
func dialRTC(t *testing.T, base, tok string) (*goPeer, int, string) {
	t.Helper()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+tok)
	return dialSocket(t, "ws"+strings.TrimPrefix(base, "http")+"/rtc", h)
}

// dialSocket is dialRTC of a whole URL and header.
func dialSocket(t *testing.T, u string, h http.Header) (*goPeer, int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		if res == nil {
			t.Fatalf("dial /rtc: %v", err)
		}
		raw, _ := io.ReadAll(res.Body)
		var env struct{ Params struct{ Err string } }
		json.Unmarshal(raw, &env)
		return nil, res.StatusCode, env.Params.Err
	}
	p := &goPeer{t: t, c: c, frames: make(chan map[string]any, 1024), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				p.err = err
				return
			}
			var m map[string]any
			json.Unmarshal(b, &m)
			p.frames <- m
		}
	}()
	t.Cleanup(func() { c.CloseNow() })
	return p, 101, ""
}

func (p *goPeer) expect(typ string) map[string]any {
	p.t.Helper()
	return expectFrame(p.t, p.frames, p.done, typ)
}

func (p *goPeer) send(v any) {
	p.t.Helper()
	b, _ := json.Marshal(v)
	if err := p.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

// expectFrame returns the next frame of type typ, skipping others.
func expectFrame(t *testing.T, frames chan map[string]any, done chan struct{}, typ string) map[string]any {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m := <-frames:
			if m["type"] == typ {
				return m
			}
		case <-done:
			for len(frames) > 0 {
				if m := <-frames; m["type"] == typ {
					return m
				}
			}
			t.Fatalf("socket closed while waiting for %q", typ)
		case <-timeout:
			t.Fatalf("no %q frame within 30 s", typ)
		}
	}
}

// nodePeer is interop/node/rtc_client.js: npm ws.
type nodePeer struct {
	t      *testing.T
	stdin  io.WriteCloser
	frames chan map[string]any
	done   chan struct{}
}

func startNodePeer(t *testing.T, nodeBin, base, tok string) *nodePeer {
	t.Helper()
	cmd := exec.Command(nodeBin, filepath.Join(interopDir, "node", "rtc_client.js"))
	cmd.Env = append(os.Environ(), "KEYWARD_RTC_URL=ws"+strings.TrimPrefix(base, "http")+"/rtc", "KEYWARD_TOKEN="+tok)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &nodePeer{t: t, stdin: stdin, frames: make(chan map[string]any, 1024), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				p.frames <- m
			}
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	return p
}

func (p *nodePeer) expect(typ string) map[string]any {
	p.t.Helper()
	return expectFrame(p.t, p.frames, p.done, typ)
}

func (p *nodePeer) send(v any) {
	p.t.Helper()
	b, _ := json.Marshal(v)
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		p.t.Fatalf("node peer stdin: %v", err)
	}
}

func selfID(joined map[string]any) string {
	return joined["self"].(map[string]any)["peer_id"].(string)
}

// TestRoomsSeedSamplesJoin: the seeds' own token samples join a room of a
// real keyward serve; a Go client and a Node (npm ws) client see each
// other arrive and hear each other's messages.
func TestRoomsSeedSamplesJoin(t *testing.T) {
	t.Parallel()
	nodeBin := mustNodeWS(t)
	python := testenv.Path(t, "/usr/bin/python3")
	testenv.Path(t, "/usr/lib/python3/dist-packages/jwt")
	n := startNode(t, "")
	admin := n.adminCreds()
	room := makeRoom(t, n, admin, "seeds", 0)
	env := []string{"KEYWARD_KEY=" + admin.Key, "KEYWARD_SECRET=" + admin.Secret}

	// The 100ms PyJWT sample (fixed minimally) → a Go client, as host.
	pyTok := runSample(t, env, python, filepath.Join(interopDir, "python", "app.py"), room, "py-go", "host")
	goA, st, code := dialRTC(t, n.URL, pyTok)
	if goA == nil {
		t.Fatalf("PyJWT sample's token refused: %d %s", st, code)
	}
	goA.id = selfID(goA.expect("joined"))

	// The 100ms Node sample (jsonwebtoken + uuid4) → the Node client.
	nodeTok := runSample(t, append(env, "KEYWARD_ROOM="+room, "KEYWARD_USER=node-b", "KEYWARD_ROLE=guest"),
		nodeBin, filepath.Join(interopDir, "node", "app.js"))
	nodeB := startNodePeer(t, nodeBin, n.URL, nodeTok)
	jb := nodeB.expect("joined")
	nodeBID := selfID(jb)
	if peers := jb["peers"].([]any); len(peers) != 1 || peers[0].(map[string]any)["peer_id"] != goA.id {
		t.Fatalf("Node client's joined.peers = %v, want the Go client", peers)
	}
	if pj := goA.expect("peer_joined"); pj["peer"].(map[string]any)["peer_id"] != nodeBID {
		t.Fatalf("Go client's peer_joined = %v, want the Node client", pj)
	}

	// The VideoSDK Node sample with permissions and version 2 → a second
	// Go client; the Node client sees it arrive.
	vTok := runSample(t, append(env, "KEYWARD_ROOM="+room, "KEYWARD_USER=vsdk-c"), nodeBin, filepath.Join(interopDir, "node", "apikey_join.js"))
	goC, st, code := dialRTC(t, n.URL, vTok)
	if goC == nil {
		t.Fatalf("VideoSDK sample's token refused: %d %s", st, code)
	}
	goC.id = selfID(goC.expect("joined"))
	if pj := nodeB.expect("peer_joined"); pj["peer"].(map[string]any)["peer_id"] != goC.id || pj["peer"].(map[string]any)["user_id"] != "vsdk-c" {
		t.Fatalf("Node client's peer_joined = %v, want the VideoSDK Go client", pj)
	}

	// Messages both ways.
	nodeB.send(map[string]any{"type": "message", "message": "hello from node"})
	if m := goA.expect("message"); m["from"] != nodeBID || m["message"] != "hello from node" {
		t.Fatalf("Go client got %v", m)
	}
	goA.send(map[string]any{"type": "message", "message": "hello from go", "to": map[string]any{"peer_id": nodeBID}})
	if m := nodeB.expect("message"); m["from"] != goA.id || m["message"] != "hello from go" {
		t.Fatalf("Node client got %v", m)
	}
	// Removal over REST reaches the Node client as 4001.
	r := n.call(admin, "POST", "/v2/active-rooms/"+room+"/remove-peers", map[string]any{"peer_id": nodeBID, "reason": "test"})
	if r.Status != 200 {
		t.Fatalf("remove-peers: %d %s", r.Status, r.Raw)
	}
	if c := nodeB.expect("closed"); c["code"] != float64(4001) {
		t.Fatalf("Node client closed %v, want 4001", c)
	}
	if _, st, code := dialRTC(t, n.URL, nodeTok); st != 401 || code != "TOKEN_REVOKED" {
		t.Fatalf("removed Node client's token again: %d %s, want 401 TOKEN_REVOKED", st, code)
	}
}

// TestRoomsRefusals: every refusal comes before the upgrade, with its
// status and code, over /rtc/validate and /rtc of a real keyward serve.
func TestRoomsRefusals(t *testing.T) {
	t.Parallel()
	n := startNode(t, "")
	admin := n.adminCreds()
	other := otherAccount(t, n, admin)
	room := makeRoom(t, n, admin, "r", 0)
	theirs := makeRoom(t, n, other, "theirs", 0)
	off := makeRoom(t, n, admin, "off", 0)
	if r := n.call(admin, "POST", "/v1/rooms/"+off, map[string]any{"enabled": false}); r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Raw)
	}
	key, secret := admin.Key, []byte(admin.Secret)
	app := func() *token.Builder {
		return token.New(token.App, key, secret).SetKeyID(admin.KID).SetRoom(room).SetUser("u").SetRole("guest")
	}
	mk := func(b *token.Builder) string {
		tok, err := b.ToJWT()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	now := time.Now()
	mgmt := newRoomCreds(t, admin).mgmt
	for _, c := range []struct {
		name   string
		tok    string
		status int
		code   string
	}{
		{"expired", mk(app().SetIssuedAt(now.Add(-3 * time.Hour)).SetExpiry(now.Add(-2 * time.Hour))), 401, "TOKEN_EXPIRED"},
		{"not yet valid", mk(app().SetNotBefore(now.Add(time.Hour))), 401, "TOKEN_NOT_YET_VALID"},
		{"bad signature", mk(token.New(token.App, key, []byte("a-wrong-secret-a-wrong-secret-32")).SetRoom(room).SetUser("u").SetRole("guest")), 401, "TOKEN_SIGNATURE"},
		{"management token", mgmt, 403, "TOKEN_PROFILE"},
		{"request token", mk(token.New(token.Request, key, secret).SetKeyID(admin.KID).SetMethod("GET").SetURL("/rtc")), 403, "TOKEN_PROFILE"},
		{"unknown room", mk(app().SetRoom("0123456789abcdef01234567")), 404, "ROOM_NOT_FOUND"},
		{"another account's room", mk(app().SetRoom(theirs)), 404, "ROOM_NOT_FOUND"},
		{"disabled room", mk(app().SetRoom(off)), 403, "ROOM_DISABLED"},
		{"unknown role", mk(app().SetRole("HOST")), 403, "ROLE_UNKNOWN"},
		{"crawler-only apikey", mk(token.New(token.APIKey, key, secret).SetKeyID(admin.KID).SetRoom(room).SetUser("u").SetRoles("crawler")), 403, "PERMISSION_DENIED"},
	} {
		res, err := http.Get(n.URL + "/rtc/validate?access_token=" + url.QueryEscape(c.tok))
		if err != nil {
			t.Fatal(err)
		}
		var env struct{ Params struct{ Err string } }
		json.NewDecoder(res.Body).Decode(&env)
		res.Body.Close()
		if res.StatusCode != c.status || env.Params.Err != c.code {
			t.Errorf("%s: /rtc/validate %d %s, want %d %s", c.name, res.StatusCode, env.Params.Err, c.status, c.code)
		}
		if p, st, code := dialRTC(t, n.URL, c.tok); p != nil || st != c.status || code != c.code {
			t.Errorf("%s: /rtc %d %s, want %d %s before the upgrade", c.name, st, code, c.status, c.code)
		}
	}

	// Full: exactly max_peers get in when max_peers+5 try at once.
	const maxPeers = 5
	full := makeRoom(t, n, admin, "full", maxPeers)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		in    int
		codes = map[string]int{}
	)
	for i := range maxPeers + 5 {
		tok := mk(app().SetRoom(full).SetUser(fmt.Sprintf("p%d", i)))
		wg.Go(func() {
			p, _, code := dialRTC(t, n.URL, tok)
			mu.Lock()
			defer mu.Unlock()
			if p != nil {
				in++
			} else {
				codes[code]++
			}
		})
	}
	wg.Wait()
	if in != maxPeers || codes["ROOM_FULL"] != 5 {
		t.Fatalf("%d at once into max_peers %d: %d in, refusals %v; want exactly %d in and 5 ROOM_FULL", maxPeers+5, maxPeers, in, codes, maxPeers)
	}
	res, err := http.Get(n.URL + "/rtc/validate?access_token=" + url.QueryEscape(mk(app().SetRoom(full).SetUser("late"))))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 409 {
		t.Fatalf("validate of a full room: %d, want 409", res.StatusCode)
	}
}

// TestRoomsModeration: the lobby, removal, duplicate identity and resume
// against a real keyward serve (lobby timeout 2 s, leeway 1 s).
func TestRoomsModeration(t *testing.T) {
	t.Parallel()
	n := startNode(t, "", "--rooms-lobby-timeout", "2s", "--leeway", "1s")
	admin := n.adminCreds()
	room := makeRoom(t, n, admin, "mod", 0)
	mk := func(b *token.Builder) string {
		tok, err := b.SetKeyID(admin.KID).ToJWT()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	key, secret := admin.Key, []byte(admin.Secret)
	apikey := func(who string, perms ...string) string {
		return mk(token.New(token.APIKey, key, secret).SetRoom(room).SetUser(who).SetPermissions(perms...))
	}
	join := func(tok string) *goPeer {
		t.Helper()
		p, st, code := dialRTC(t, n.URL, tok)
		if p == nil {
			t.Fatalf("join refused: %d %s", st, code)
		}
		return p
	}

	// Lobby: admitted → joined; denied → 4003; nobody acts → 4003 after
	// the timeout.
	mod := join(apikey("mod", "allow_mod"))
	mod.id = selfID(mod.expect("joined"))
	w1 := join(apikey("w1", "ask_join"))
	id1 := w1.expect("waiting")["peer_id"].(string)
	mod.expect("entry_requested")
	mod.send(map[string]any{"type": "admit", "peer_id": id1, "allow": true})
	if selfID(w1.expect("joined")) != id1 {
		t.Fatalf("admitted peer joined with another id")
	}
	w2 := join(apikey("w2", "ask_join"))
	id2 := w2.expect("waiting")["peer_id"].(string)
	mod.send(map[string]any{"type": "admit", "peer_id": id2, "allow": false})
	<-w2.done
	if code := websocket.CloseStatus(w2.err); code != 4003 {
		t.Fatalf("denied: closed %d, want 4003", code)
	}
	w3 := join(apikey("w3", "ask_join"))
	w3.expect("waiting")
	<-w3.done
	if code := websocket.CloseStatus(w3.err); code != 4003 {
		t.Fatalf("lobby timeout: closed %d, want 4003", code)
	}

	// Remove: 4001; the same token 401 TOKEN_REVOKED; its resume token
	// refused; a new token of the same identity refused until the ban ends.
	guestTok := mk(token.New(token.App, key, secret).SetRoom(room).SetUser("mallory").SetRole("guest"))
	g := join(guestTok)
	joined := g.expect("joined")
	g.id = selfID(joined)
	resume := joined["resume_token"].(string)
	mod.send(map[string]any{"type": "remove", "peer_id": g.id})
	<-g.done
	if code := websocket.CloseStatus(g.err); code != 4001 {
		t.Fatalf("removed: closed %d, want 4001", code)
	}
	if _, st, code := dialRTC(t, n.URL, guestTok); st != 401 || code != "TOKEN_REVOKED" {
		t.Fatalf("same token after removal: %d %s", st, code)
	}
	if _, st, code := dialRTC(t, n.URL, mk(token.New(token.App, key, secret).SetRoom(room).SetUser("mallory").SetRole("guest"))); st != 401 || code != "TOKEN_REVOKED" {
		t.Fatalf("new token of the removed identity: %d %s", st, code)
	}
	res, err := http.Get(n.URL + "/rtc/validate?resume=" + url.QueryEscape(resume))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("resume token of a removed peer: %d, want 401", res.StatusCode)
	}

	// Duplicate identity replaces the older session with 4004.
	d1 := join(mk(token.New(token.App, key, secret).SetRoom(room).SetUser("dana").SetRole("guest")))
	d1.expect("joined")
	d2 := join(mk(token.New(token.App, key, secret).SetRoom(room).SetUser("dana").SetRole("guest")))
	d2.expect("joined")
	<-d1.done
	if code := websocket.CloseStatus(d1.err); code != 4004 {
		t.Fatalf("duplicate: older closed %d, want 4004", code)
	}

	// A token that expires during the session: the resume token brings the
	// peer back after the expiry.
	short := mk(token.New(token.App, key, secret).SetRoom(room).SetUser("erin").SetRole("guest").SetTTL(2 * time.Second))
	e := join(short)
	e.id = selfID(e.expect("joined"))
	e.send(map[string]any{"type": "ping"})
	fresh := e.expect("pong")["resume_token"].(string)
	for {
		res, err := http.Get(n.URL + "/rtc/validate?access_token=" + url.QueryEscape(short))
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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, res2, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(n.URL, "http")+"/rtc?resume="+url.QueryEscape(fresh), nil)
	if err != nil {
		status := 0
		if res2 != nil {
			status = res2.StatusCode
		}
		t.Fatalf("resume after the JWT expired: %v (%d)", err, status)
	}
	defer c.CloseNow()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("resumed socket: %v", err)
		}
		var m map[string]any
		json.Unmarshal(b, &m)
		if m["type"] == "joined" {
			if selfID(m) != e.id {
				t.Fatalf("resumed as %s, want peer %s", selfID(m), e.id)
			}
			break
		}
	}
}

// TestRoomsBadInput: malformed, unknown and oversized frames and a flood
// against a real keyward serve; the other peer is unaffected.
func TestRoomsBadInput(t *testing.T) {
	t.Parallel()
	n := startNode(t, "")
	admin := n.adminCreds()
	room := makeRoom(t, n, admin, "bad", 0)
	mk := func(user string) string {
		tok, err := token.New(token.App, admin.Key, []byte(admin.Secret)).SetKeyID(admin.KID).SetRoom(room).SetUser(user).SetRole("guest").ToJWT()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	a, _, _ := dialRTC(t, n.URL, mk("a"))
	a.id = selfID(a.expect("joined"))
	b, _, _ := dialRTC(t, n.URL, mk("b"))
	b.id = selfID(b.expect("joined"))
	for frame, code := range map[string]string{`{"type":`: "BAD_MESSAGE", `{"type":"warp"}`: "UNKNOWN_TYPE"} {
		a.c.Write(context.Background(), websocket.MessageText, []byte(frame))
		if e := a.expect("error"); e["code"] != code {
			t.Fatalf("frame %s: %v, want %s", frame, e, code)
		}
	}
	for i := range 1000 {
		a.c.Write(context.Background(), websocket.MessageText, fmt.Appendf(nil, `{"type":"message","message":%d}`, i))
	}
	if e := a.expect("error"); e["code"] != "RATE_LIMITED" {
		t.Fatalf("flood: %v, want RATE_LIMITED", e)
	}
	b.send(map[string]any{"type": "message", "message": "unaffected"})
	// A sender never gets its own messages: the first a receives is b's.
	if m := a.expect("message"); m["message"] != "unaffected" || m["from"] != b.id {
		t.Fatalf("a got %v, want b's message", m)
	}
	a.c.Write(context.Background(), websocket.MessageText, []byte(`{"type":"message","message":"`+strings.Repeat("x", 70<<10)+`"}`))
	<-a.done
	if code := websocket.CloseStatus(a.err); code != websocket.StatusMessageTooBig {
		t.Fatalf("oversized frame: closed %d, want 1009", code)
	}
	if pl := b.expect("peer_left"); pl["peer_id"] != a.id {
		t.Fatalf("peer_left = %v", pl)
	}
	b.send(map[string]any{"type": "ping"})
	b.expect("pong")
}
