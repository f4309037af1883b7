package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
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

// dialRTC opens /rtc with tok in Authorization and reads it; on a refused
// upgrade it returns the status and code.
func dialRTC(t *testing.T, base, tok string) (*goPeer, int, string) {
	t.Helper()
	return dialSocket(t, rtcURL(base, ""), bearer(tok))
}

// dialSocket is dialRTC of a whole URL and header.
func dialSocket(t *testing.T, u string, h http.Header) (*goPeer, int, string) {
	t.Helper()
	c, st, code := dialWS(t, u, h)
	if c == nil {
		return nil, st, code
	}
	return readPeer(t, c), st, ""
}

// dialConn opens /rtc?query, with tok (unless "") in Authorization, and
// does not read it; on a refused upgrade it returns nil, the status and
// the code.
func dialConn(t *testing.T, base, query, tok string) (*websocket.Conn, int, string) {
	t.Helper()
	return dialWS(t, rtcURL(base, query), bearer(tok))
}

// rtcURL is the WebSocket URL of base's /rtc?query.
func rtcURL(base, query string) string {
	u := "ws" + strings.TrimPrefix(base, "http") + "/rtc"
	if query != "" {
		u += "?" + query
	}
	return u
}

// bearer is a header with tok in Authorization (none when tok is "").
func bearer(tok string) http.Header {
	h := http.Header{}
	if tok != "" {
		h.Set("Authorization", "Bearer "+tok)
	}
	return h
}

// dialWS opens the WebSocket u without reading it; on a refused upgrade it
// returns nil, the status and the envelope's code.
func dialWS(t *testing.T, u string, h http.Header) (*websocket.Conn, int, string) {
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
	t.Cleanup(func() { c.CloseNow() })
	return c, http.StatusSwitchingProtocols, ""
}

// readPeer reads c's frames (of any size: the server relays frames up to
// 64 KiB, more than coder/websocket reads by default) into a goPeer.
func readPeer(t *testing.T, c *websocket.Conn) *goPeer {
	c.SetReadLimit(-1)
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
	return p
}

// joinRTC opens /rtc?query (no Authorization) and reads it.
func joinRTC(t *testing.T, base, query string) (*goPeer, int, string) {
	t.Helper()
	return dialSocket(t, rtcURL(base, query), http.Header{})
}

// closeReason is the reason of the close frame behind err, or "".
func closeReason(err error) string {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return ""
}

// roomPeers is GET /v1/rooms/{id}/peers.
type roomPeers struct {
	Peers, Waiting []struct {
		PeerID string `json:"peer_id"`
		UserID string `json:"user_id"`
	}
}

// peersOf returns the live peers and lobby of room.
func peersOf(t *testing.T, n *node, c creds, room string) (int, roomPeers) {
	t.Helper()
	r := n.call(c, "GET", "/v1/rooms/"+room+"/peers", nil)
	var out roomPeers
	if r.Status == 200 {
		r.field("peers", &out.Peers)
		r.field("waiting", &out.Waiting)
	}
	return r.Status, out
}

// validate answers GET /rtc/validate?query: the status and the code.
func validate(t *testing.T, base, query string) (int, string) {
	t.Helper()
	res, err := http.Get(base + "/rtc/validate?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var env struct{ Params struct{ Err string } }
	json.NewDecoder(res.Body).Decode(&env)
	return res.StatusCode, env.Params.Err
}

// closedWith waits for p's socket to end and returns its close code.
func (p *goPeer) closedWith() websocket.StatusCode {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.t.Fatalf("socket still open after 30 s")
	}
	return websocket.CloseStatus(p.err)
}

// next returns p's next frame, whatever its type.
func (p *goPeer) next() map[string]any {
	p.t.Helper()
	select {
	case m := <-p.frames:
		return m
	case <-p.done:
		if len(p.frames) > 0 {
			return <-p.frames
		}
		p.t.Fatalf("socket closed (%v) while waiting for a frame", p.err)
	case <-time.After(30 * time.Second):
		p.t.Fatalf("no frame within 30 s")
	}
	return nil
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
	m, err := nextFrame(frames, done, typ, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// nextFrame is expectFrame for any goroutine: it returns an error instead
// of failing the test.
func nextFrame(frames chan map[string]any, done chan struct{}, typ string, within time.Duration) (map[string]any, error) {
	timeout := time.After(within)
	for {
		select {
		case m := <-frames:
			if m["type"] == typ {
				return m, nil
			}
		case <-done:
			for len(frames) > 0 {
				if m := <-frames; m["type"] == typ {
					return m, nil
				}
			}
			return nil, fmt.Errorf("socket closed while waiting for %q", typ)
		case <-timeout:
			return nil, fmt.Errorf("no %q frame within %v", typ, within)
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

	// The VideoSDK Node sample with permissions and version 2 added → a
	// second Go client, which names the room and its participant id in the
	// URL (the token names neither); the Node client sees it arrive.
	vTok := runSample(t, env, nodeBin, filepath.Join(interopDir, "node", "apikey_join.js"))
	goC, st, code := dialSocket(t, rtcURL(n.URL, "room="+room+"&participant=vsdk-c"), bearer(vTok))
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
	// VideoSDK tokens are refused the same way.
	vsdk := func() *token.Builder {
		return token.New(token.APIKey, key, secret).SetKeyID(admin.KID).SetRoom(room).SetUser("v").SetPermissions("allow_join")
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
		{"expired apikey", mk(vsdk().SetIssuedAt(now.Add(-3 * time.Hour)).SetExpiry(now.Add(-2 * time.Hour))), 401, "TOKEN_EXPIRED"},
		{"apikey of a bad signature", mk(token.New(token.APIKey, key, []byte("a-wrong-secret-a-wrong-secret-32")).SetRoom(room).SetPermissions("allow_join")), 401, "TOKEN_SIGNATURE"},
		{"apikey for an unknown room", mk(vsdk().SetRoom("no-such-custom-room")), 404, "ROOM_NOT_FOUND"},
		{"apikey for another account's room", mk(vsdk().SetRoom(theirs)), 404, "ROOM_NOT_FOUND"},
		{"apikey for a disabled room", mk(vsdk().SetRoom(off)), 403, "ROOM_DISABLED"},
		{"crawler-only apikey", mk(token.New(token.APIKey, key, secret).SetKeyID(admin.KID).SetRoom(room).SetUser("u").SetRoles("crawler")), 403, "PERMISSION_DENIED"},
	} {
		q := "access_token=" + url.QueryEscape(c.tok)
		if st, code := validate(t, n.URL, q); st != c.status || code != c.code {
			t.Errorf("%s: /rtc/validate %d %s, want %d %s", c.name, st, code, c.status, c.code)
		}
		// /rtc refuses before the upgrade, with the token in the header
		// (servers, Node) and in the query (browsers).
		if p, st, code := dialRTC(t, n.URL, c.tok); p != nil || st != c.status || code != c.code {
			t.Errorf("%s: /rtc %d %s, want %d %s before the upgrade", c.name, st, code, c.status, c.code)
		}
		if p, st, code := dialConn(t, n.URL, q, ""); p != nil || st != c.status || code != c.code {
			t.Errorf("%s: /rtc?access_token= %d %s, want %d %s before the upgrade", c.name, st, code, c.status, c.code)
		}
	}

	// Full: exactly max_peers get in when max_peers+5 try at once.
	const maxPeers = 5
	full := makeRoom(t, n, admin, "full", maxPeers)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		joined []*goPeer
		codes  = map[string]int{}
	)
	for i := range maxPeers + 5 {
		tok := mk(app().SetRoom(full).SetUser(fmt.Sprintf("p%d", i)))
		wg.Go(func() {
			p, _, code := dialRTC(t, n.URL, tok)
			mu.Lock()
			defer mu.Unlock()
			if p != nil {
				joined = append(joined, p)
			} else {
				codes[code]++
			}
		})
	}
	wg.Wait()
	if len(joined) != maxPeers || codes["ROOM_FULL"] != 5 {
		t.Fatalf("%d at once into max_peers %d: %d in, refusals %v; want exactly %d in and 5 ROOM_FULL", maxPeers+5, maxPeers, len(joined), codes, maxPeers)
	}
	// Each socket let in is in the room: it gets joined.
	for _, p := range joined {
		p.expect("joined")
	}
	late := "access_token=" + url.QueryEscape(mk(app().SetRoom(full).SetUser("late")))
	if st, code := validate(t, n.URL, late); st != 409 || code != "ROOM_FULL" {
		t.Fatalf("validate of a full room: %d %s, want 409 ROOM_FULL", st, code)
	}
	if p, st, code := dialConn(t, n.URL, late, ""); p != nil || st != 409 || code != "ROOM_FULL" {
		t.Fatalf("/rtc of a full room: %d %s, want 409 ROOM_FULL", st, code)
	}
	// A slot comes back when a peer leaves.
	joined[0].send(map[string]any{"type": "leave"})
	if code := joined[0].closedWith(); code != websocket.StatusNormalClosure {
		t.Fatalf("leave: closed %d, want 1000", code)
	}
	waitFor(t, 30*time.Second, "a slot after a leave", func() bool {
		st, _ := validate(t, n.URL, late)
		return st == 200
	})
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
	if er := mod.expect("entry_requested"); er["peer"].(map[string]any)["peer_id"] != id1 {
		t.Fatalf("entry_requested = %v, want %s", er, id1)
	}
	// Waiting is not being in: no messages, nobody sees it.
	w1.send(map[string]any{"type": "message", "message": "let me in"})
	if e := w1.expect("error"); e["code"] != "PERMISSION_DENIED" {
		t.Fatalf("a message from the lobby: %v, want PERMISSION_DENIED", e)
	}
	if st, body := peersOf(t, n, admin, room); len(body.Peers) != 1 || len(body.Waiting) != 1 || body.Waiting[0].PeerID != id1 {
		t.Fatalf("peers while w1 waits: %d %+v, want the moderator in and w1 waiting", st, body)
	}
	mod.send(map[string]any{"type": "admit", "peer_id": id1, "allow": true})
	if selfID(w1.expect("joined")) != id1 {
		t.Fatalf("admitted peer joined with another id")
	}
	if pj := mod.expect("peer_joined"); pj["peer"].(map[string]any)["peer_id"] != id1 {
		t.Fatalf("moderator's peer_joined = %v, want %s", pj, id1)
	}
	w2 := join(apikey("w2", "ask_join"))
	id2 := w2.expect("waiting")["peer_id"].(string)
	mod.send(map[string]any{"type": "admit", "peer_id": id2, "allow": false})
	if code := w2.closedWith(); code != 4003 || closeReason(w2.err) != "ENTRY_DENIED" {
		t.Fatalf("denied: closed %d %q, want 4003 ENTRY_DENIED", code, closeReason(w2.err))
	}
	w3 := join(apikey("w3", "ask_join"))
	id3 := w3.expect("waiting")["peer_id"].(string)
	if code := w3.closedWith(); code != 4003 || closeReason(w3.err) != "ENTRY_TIMEOUT" {
		t.Fatalf("lobby timeout: closed %d %q, want 4003 ENTRY_TIMEOUT", code, closeReason(w3.err))
	}
	for {
		if r := mod.expect("entry_responded"); r["peer_id"] == id3 {
			if r["decision"] != "timeout" {
				t.Fatalf("entry_responded = %v, want timeout", r)
			}
			break
		}
	}

	// Admissions count against max_peers the moment they are given: with
	// one place left, two admits in a row let one in and refuse the other
	// with ROOM_FULL, which keeps waiting.
	small := makeRoom(t, n, admin, "small", 2)
	inSmall := func(who string, perms ...string) *goPeer {
		return join(mk(token.New(token.APIKey, key, secret).SetRoom(small).SetUser(who).SetPermissions(perms...)))
	}
	mod2 := inSmall("mod2", "allow_mod")
	mod2.expect("joined")
	x, y := inSmall("x", "ask_join"), inSmall("y", "ask_join")
	idx, idy := x.expect("waiting")["peer_id"].(string), y.expect("waiting")["peer_id"].(string)
	mod2.send(map[string]any{"type": "admit", "peer_id": idx, "allow": true})
	mod2.send(map[string]any{"type": "admit", "peer_id": idy, "allow": true})
	if e := mod2.expect("error"); e["code"] != "ROOM_FULL" {
		t.Fatalf("second admit into the last place: %v, want ROOM_FULL", e)
	}
	if selfID(x.expect("joined")) != idx {
		t.Fatalf("x joined with another id")
	}
	// y stays in the lobby until its timeout.
	if code := y.closedWith(); code != 4003 || closeReason(y.err) != "ENTRY_TIMEOUT" {
		t.Fatalf("y, refused a place: closed %d %q, want 4003 ENTRY_TIMEOUT", code, closeReason(y.err))
	}
	// The admitted place is counted once: full now, free again when x leaves.
	z := "access_token=" + url.QueryEscape(mk(token.New(token.APIKey, key, secret).SetRoom(small).SetUser("z").SetPermissions("allow_join")))
	if st, code := validate(t, n.URL, z); st != 409 || code != "ROOM_FULL" {
		t.Fatalf("a join into the full small room: %d %s, want 409 ROOM_FULL", st, code)
	}
	x.send(map[string]any{"type": "leave"})
	x.closedWith()
	waitFor(t, 30*time.Second, "x's place to come back", func() bool {
		st, _ := validate(t, n.URL, z)
		return st == 200
	})

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
	rq := "resume=" + url.QueryEscape(resume)
	if st, code := validate(t, n.URL, rq); st != 401 || code != "RESUME_INVALID" {
		t.Fatalf("/rtc/validate with the resume token of a removed peer: %d %s, want 401 RESUME_INVALID", st, code)
	}
	if p, st, code := dialConn(t, n.URL, rq, ""); p != nil || st != 401 || code != "RESUME_INVALID" {
		t.Fatalf("/rtc with the resume token of a removed peer: %d %s, want 401 RESUME_INVALID", st, code)
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
	// A ping after the expiry still gets a fresh resume token.
	e.send(map[string]any{"type": "ping"})
	fresh = e.expect("pong")["resume_token"].(string)
	e.c.CloseNow()
	back, st, code := joinRTC(t, n.URL, "resume="+url.QueryEscape(fresh))
	if back == nil {
		t.Fatalf("resume after the JWT expired: %d %s", st, code)
	}
	if id := selfID(back.expect("joined")); id != e.id {
		t.Fatalf("resumed as %s, want peer %s", id, e.id)
	}
}

// TestRoomsRemoveAfterExpiry: a peer whose JWT expired during the session
// (as DESIGN §9 lets it stay) is removed. Remove still means gone: its
// resume token is refused, and a new token of its identity is refused
// while any resume token it was given still works; after that the ban
// ends and a new token joins.
func TestRoomsRemoveAfterExpiry(t *testing.T) {
	t.Parallel()
	n := startNode(t, "", "--leeway", "1s", "--rooms-resume-ttl", "10s")
	admin := n.adminCreds()
	room := makeRoom(t, n, admin, "gone", 0)
	app := func(user, role string, ttl time.Duration) string {
		tok, err := token.New(token.App, admin.Key, []byte(admin.Secret)).SetKeyID(admin.KID).
			SetRoom(room).SetUser(user).SetRole(role).SetTTL(ttl).ToJWT()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	host, _, _ := dialRTC(t, n.URL, app("host", "host", time.Hour))
	host.expect("joined")
	short := app("erin", "guest", 2*time.Second)
	e, st, code := dialRTC(t, n.URL, short)
	if e == nil {
		t.Fatalf("erin refused: %d %s", st, code)
	}
	e.id = selfID(e.expect("joined"))
	waitFor(t, 30*time.Second, "erin's JWT to expire", func() bool {
		st, code := validate(t, n.URL, "access_token="+url.QueryEscape(short))
		return st == 401 && code == "TOKEN_EXPIRED"
	})
	e.send(map[string]any{"type": "ping"})
	rq := "resume=" + url.QueryEscape(e.expect("pong")["resume_token"].(string))
	if st, code := validate(t, n.URL, rq); st != 200 {
		t.Fatalf("erin's fresh resume token: %d %s, want 200", st, code)
	}
	if r := n.call(admin, "POST", "/v1/rooms/"+room+"/remove-peer", map[string]any{"peer_id": e.id}); r.Status != 200 {
		t.Fatalf("remove-peer: %d %s", r.Status, r.Raw)
	}
	if code := e.closedWith(); code != 4001 {
		t.Fatalf("removed: closed %d, want 4001", code)
	}
	if st, code := validate(t, n.URL, rq); st != 401 || code != "RESUME_INVALID" {
		t.Errorf("/rtc/validate with the removed peer's resume token: %d %s, want 401 RESUME_INVALID", st, code)
	}
	if p, st, code := dialConn(t, n.URL, rq, ""); p != nil || st != 401 || code != "RESUME_INVALID" {
		t.Errorf("/rtc with the removed peer's resume token: %d %s, want 401 RESUME_INVALID", st, code)
	}
	if p, st, code := dialConn(t, n.URL, "", app("erin", "guest", time.Hour)); p != nil || st != 401 || code != "TOKEN_REVOKED" {
		t.Fatalf("a new token of the removed identity: %d %s, want 401 TOKEN_REVOKED", st, code)
	}
	// The ban ends: a new token of the identity joins again.
	waitFor(t, 90*time.Second, "the ban to end", func() bool {
		st, _ := validate(t, n.URL, "access_token="+url.QueryEscape(app("erin", "guest", time.Hour)))
		return st == 200
	})
	if st, code := validate(t, n.URL, rq); st != 401 || code != "RESUME_INVALID" {
		t.Errorf("the removed peer's resume token after the ban: %d %s, want 401 RESUME_INVALID", st, code)
	}
	back, st, code := dialRTC(t, n.URL, app("erin", "guest", time.Hour))
	if back == nil {
		t.Fatalf("erin after the ban: %d %s", st, code)
	}
	if id := selfID(back.expect("joined")); id == e.id {
		t.Fatalf("erin came back as the removed peer %s", id)
	}
}

// TestRoomsBadInput: malformed, binary, unknown and oversized frames, a
// flood and a socket that never answers pings, against a real keyward
// serve (pinging every second, dropping a socket silent for 3 s): each
// gets a clear error or close, and the room stays healthy.
func TestRoomsBadInput(t *testing.T) {
	t.Parallel()
	n := startNode(t, "", "--rooms-ping-interval", "1s", "--rooms-ping-timeout", "3s")
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
	a.expect("peer_joined")
	write := func(typ websocket.MessageType, frame []byte) {
		t.Helper()
		if err := a.c.Write(context.Background(), typ, frame); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	// Each bad frame is answered by the very next frame, an error with a
	// code and a message; the socket stays open.
	for _, c := range []struct {
		typ         websocket.MessageType
		frame, code string
	}{
		{websocket.MessageText, `{"type":`, "BAD_MESSAGE"},
		{websocket.MessageText, `[1,2]`, "BAD_MESSAGE"},
		{websocket.MessageText, `null`, "BAD_MESSAGE"},
		{websocket.MessageText, `{"no":"type"}`, "BAD_MESSAGE"},
		{websocket.MessageText, `{"type":7}`, "BAD_MESSAGE"},
		{websocket.MessageText, `{"type":"ping"}{"type":"ping"}`, "BAD_MESSAGE"},
		{websocket.MessageText, `{"type":"mute","muted":"yes"}`, "BAD_MESSAGE"},
		{websocket.MessageBinary, `{"type":"ping"}`, "BAD_MESSAGE"},
		{websocket.MessageText, `{"type":"message"}`, "BAD_MESSAGE"},
		{websocket.MessageText, `{"type":"mute","kind":"smell"}`, "BAD_MESSAGE"},
		{websocket.MessageText, `{"type":"warp"}`, "UNKNOWN_TYPE"},
		{websocket.MessageText, "{\"type\":\"\xff\xfe\"}", "UNKNOWN_TYPE"},
		{websocket.MessageText, `{"type":"remove","peer_id":"` + b.id + `"}`, "PERMISSION_DENIED"},
	} {
		write(c.typ, []byte(c.frame))
		if e := a.next(); e["type"] != "error" || e["code"] != c.code || e["message"] == "" {
			t.Fatalf("frame %q: %v, want error %s with a message", c.frame, e, c.code)
		}
	}
	// A frame of exactly 64 KiB is a frame like any other.
	sized := func(size int) []byte {
		head, tail := `{"type":"message","message":"`, `"}`
		return []byte(head + strings.Repeat("x", size-len(head)-len(tail)) + tail)
	}
	write(websocket.MessageText, sized(64<<10))
	if m := b.expect("message"); m["from"] != a.id || len(m["message"].(string)) != 64<<10-31 {
		t.Fatalf("a 64 KiB message arrived as %.80v", m)
	}

	// A flood of 1,000 messages: a is told RATE_LIMITED; b gets no more of
	// them than the limit lets through (burst 100, then 50 a second, the
	// defaults) and is not limited itself.
	start := time.Now()
	for i := range 1000 {
		write(websocket.MessageText, fmt.Appendf(nil, `{"type":"message","message":%d}`, i))
	}
	if e := a.expect("error"); e["code"] != "RATE_LIMITED" {
		t.Fatalf("flood: %v, want RATE_LIMITED", e)
	}
	stop := make(chan struct{})
	go func() {
		// The end mark gets through once the bucket has refilled a little.
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				a.c.Write(context.Background(), websocket.MessageText, []byte(`{"type":"message","message":"end"}`))
			}
		}
	}()
	delivered := 0
	for {
		m := b.expect("message")
		if m["message"] == "end" {
			break
		}
		delivered++
	}
	close(stop)
	if bound := 100 + 50*time.Since(start).Seconds() + 1; delivered == 0 || float64(delivered) > bound {
		t.Fatalf("b got %d of the 1,000 flooded messages, want between 1 and %.0f", delivered, bound)
	}
	for i := range 5 {
		b.send(map[string]any{"type": "message", "message": fmt.Sprintf("b%d", i)})
	}
	for i := range 5 {
		if m := a.expect("message"); m["message"] != fmt.Sprintf("b%d", i) || m["from"] != b.id {
			t.Fatalf("a got %v, want b's message b%d", m, i)
		}
	}
	b.send(map[string]any{"type": "ping"})
	for m := b.next(); m["type"] != "pong"; m = b.next() {
		if m["type"] == "error" {
			t.Fatalf("b, which sent 6 frames, got %v", m)
		}
	}

	// One byte over 64 KiB closes the socket with 1009.
	write(websocket.MessageText, sized(64<<10+1))
	if code := a.closedWith(); code != websocket.StatusMessageTooBig {
		t.Fatalf("oversized frame: closed %d, want 1009", code)
	}
	if pl := b.expect("peer_left"); pl["peer_id"] != a.id {
		t.Fatalf("peer_left = %v", pl)
	}

	// A socket that never answers pings (nobody reads it, so no pong goes
	// out) is dropped with TIMEOUT and closed by the server.
	z, st, code := dialConn(t, n.URL, "", mk("zombie"))
	if z == nil {
		t.Fatalf("zombie refused: %d %s", st, code)
	}
	zid := b.expect("peer_joined")["peer"].(map[string]any)["peer_id"]
	if pl := b.expect("peer_left"); pl["peer_id"] != zid || pl["reason"] != "TIMEOUT" {
		t.Fatalf("silent socket: peer_left %v, want %s TIMEOUT", pl, zid)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if _, _, err := z.Read(ctx); err != nil {
			if ctx.Err() != nil {
				t.Fatalf("the server left the silent socket open")
			}
			break
		}
	}
	// The room is healthy: b alone is in it, and a newcomer talks to b.
	if _, body := peersOf(t, n, admin, room); len(body.Peers) != 1 || body.Peers[0].PeerID != b.id {
		t.Fatalf("peers after the bad input: %+v, want b alone", body)
	}
	c, _, _ := dialRTC(t, n.URL, mk("c"))
	c.id = selfID(c.expect("joined"))
	c.send(map[string]any{"type": "message", "message": "hi b"})
	if m := b.expect("message"); m["from"] != c.id || m["message"] != "hi b" {
		t.Fatalf("b got %v, want c's message", m)
	}
}
