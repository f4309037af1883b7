package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/keyward/keyward/token"
)

// freeUDP returns a loopback UDP address free now.
func freeUDP(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().String()
}

// candidatePorts returns the ports of the host candidates of an SDP.
func candidatePorts(sdp string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`a=candidate:\S+ \d+ udp \d+ 127\.0\.0\.1 (\d+) typ host`).FindAllStringSubmatch(sdp, -1) {
		out = append(out, m[1])
	}
	return out
}

// seen collects the peer ids a socket has seen arrive: joined's peers and
// every peer_joined.
func seen(p *goPeer, joined map[string]any, want string, within time.Duration) bool {
	for _, q := range joined["peers"].([]any) {
		if q.(map[string]any)["peer_id"] == want {
			return true
		}
	}
	deadline := time.After(within)
	for {
		select {
		case m := <-p.frames:
			if m["type"] == "peer_joined" && m["peer"].(map[string]any)["peer_id"] == want {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// TestRoomsAcrossNodes: two keyward serve on one PostgreSQL and one
// Redis. A room lives on the node that holds its lease: a peer on node A
// and a peer on node B (proxied to A) see each other and talk, the media
// offer of the peer on B is A's (its candidates carry A's --rtc-udp
// port), the REST API on B lists and removes the peer held by A, exactly
// max_peers get in when max_peers+5 try at once on both nodes, and after
// kill -9 of the owner both peers rejoin through the survivor.
func TestRoomsAcrossNodes(t *testing.T) {
	t.Parallel()
	udpA, udpB := freeUDP(t), freeUDP(t)
	a, b := clusterOf(t, []string{"--rtc-udp", udpA}, []string{"--rtc-udp", udpB})
	admin := a.adminCreds()
	mk := func(room, user, role string) string {
		tok, err := token.New(token.App, admin.Key, []byte(admin.Secret)).SetKeyID(admin.KID).SetRoom(room).SetUser(user).SetRole(role).ToJWT()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	join := func(n *node, tok string) (*goPeer, map[string]any) {
		t.Helper()
		p, st, code := dialRTC(t, n.URL, tok)
		if p == nil {
			t.Fatalf("join on %s refused: %d %s", n.URL, st, code)
		}
		joined := p.expect("joined")
		p.id = selfID(joined)
		return p, joined
	}

	t.Run("presence, messages, media and REST across nodes", func(t *testing.T) {
		room := makeRoom(t, a, admin, "across", 0)
		pa, _ := join(a, mk(room, "on-a", "host"))
		pb, joinedB := join(b, mk(room, "on-b", "host"))
		if !seen(pb, joinedB, pa.id, time.Second) {
			t.Fatalf("the peer on B does not see the peer on A: %v", joinedB["peers"])
		}
		// The peer on B talks to A's SFU: its offer's candidates are A's.
		_, portA, _ := net.SplitHostPort(udpA)
		ports := candidatePorts(pb.expect("offer")["sdp"].(string))
		if len(ports) == 0 {
			t.Fatal("the offer to the peer on B has no loopback host candidate")
		}
		for _, port := range ports {
			if port != portA {
				t.Fatalf("offer to the peer on B has candidate ports %v, want A's %s (B's is %s)", ports, portA, udpB)
			}
		}
		if got := pa.expect("peer_joined")["peer"].(map[string]any)["peer_id"]; got != pb.id {
			t.Fatalf("peer_joined on A names %v, want %s", got, pb.id)
		}
		pb.send(map[string]any{"type": "message", "message": map[string]any{"text": "hello from B"}})
		if m := pa.expect("message"); m["from"] != pb.id || m["message"].(map[string]any)["text"] != "hello from B" {
			t.Fatalf("message on A: %v", m)
		}
		pa.send(map[string]any{"type": "message", "message": "hello from A"})
		if m := pb.expect("message"); m["from"] != pa.id || m["message"] != "hello from A" {
			t.Fatalf("message on B: %v", m)
		}

		// REST on B sees and moderates the session A holds.
		r := b.call(admin, "GET", "/v1/rooms/"+room+"/peers", nil)
		var peers []struct {
			PeerID string `json:"peer_id"`
		}
		r.field("peers", &peers)
		if r.Status != 200 || len(peers) != 2 {
			t.Fatalf("peers on B: %d %s", r.Status, r.Raw)
		}
		r = b.call(admin, "GET", "/v2/active-rooms/"+room, nil)
		if r.Status != 200 || !strings.Contains(string(r.Raw), pa.id) || !strings.Contains(string(r.Raw), pb.id) {
			t.Fatalf("active room on B: %d %s", r.Status, r.Raw)
		}
		r = b.call(admin, "GET", "/v1/rooms?name=across", nil)
		var listed []struct{ Peers int }
		r.field("rooms", &listed)
		if len(listed) != 1 || listed[0].Peers != 2 {
			t.Fatalf("room list on B: %s", r.Raw)
		}
		r = b.call(admin, "POST", "/v2/active-rooms/"+room+"/send-message", map[string]any{"message": "from REST on B"})
		if r.Status != 200 {
			t.Fatalf("send-message on B: %d %s", r.Status, r.Raw)
		}
		if m := pa.expect("message"); m["message"] != "from REST on B" {
			t.Fatalf("REST message on A: %v", m)
		}
		r = b.call(admin, "POST", "/v1/rooms/"+room+"/mute", map[string]any{"peer_id": pb.id, "kind": "audio"})
		if r.Status != 200 {
			t.Fatalf("mute on B: %d %s", r.Status, r.Raw)
		}
		if m := pb.expect("muted"); m["peer_id"] != pb.id || m["kind"] != "audio" || m["muted"] != true {
			t.Fatalf("muted on B's peer: %v", m)
		}
		if r = b.call(admin, "POST", "/v1/rooms/"+room+"/mute", map[string]any{"peer_id": "0123456789abcdef01234567", "kind": "audio"}); r.Status != 404 || r.Params.Err != "PEER_NOT_FOUND" {
			t.Fatalf("mute of no such peer: %d %s", r.Status, r.Raw)
		}
		r = b.call(admin, "POST", "/v1/rooms/"+room+"/remove-peer", map[string]any{"peer_id": pa.id, "reason": "bye"})
		if r.Status != 200 || !strings.Contains(string(r.Raw), `"removed":1`) {
			t.Fatalf("remove-peer on B: %d %s", r.Status, r.Raw)
		}
		<-pa.done
		if code := websocket.CloseStatus(pa.err); code != 4001 {
			t.Fatalf("the peer held by A: closed %d (%v), want 4001", code, pa.err)
		}
		if left := pb.expect("peer_left"); left["peer_id"] != pa.id {
			t.Fatalf("peer_left on B: %v", left)
		}
		if _, st, code := dialRTC(t, b.URL, mk(room, "on-a", "host")); st != 401 || code != "TOKEN_REVOKED" {
			t.Fatalf("the removed identity again, on B: %d %s", st, code)
		}
	})

	t.Run("exact capacity across nodes", func(t *testing.T) {
		const maxPeers = 3
		room := makeRoom(t, a, admin, "full-across", maxPeers)
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[string]int{}
		start := make(chan struct{})
		for i := range maxPeers + 5 {
			n := []*node{a, b}[i%2]
			tok := mk(room, fmt.Sprintf("p%d", i), "guest")
			wg.Go(func() {
				<-start
				p, st, code := dialRTC(t, n.URL, tok)
				if p != nil {
					code = "joined"
					if _, err := nextFrame(p.frames, p.done, "joined", 30*time.Second); err != nil {
						code = err.Error()
					}
				}
				mu.Lock()
				statuses[fmt.Sprintf("%d %s", st, code)]++
				mu.Unlock()
			})
		}
		close(start)
		wg.Wait()
		want := map[string]int{"101 joined": maxPeers, "409 ROOM_FULL": 5}
		if fmt.Sprint(statuses) != fmt.Sprint(want) {
			t.Fatalf("%d tries at once on two nodes: %v, want %v", maxPeers+5, statuses, want)
		}
		// /rtc/validate asks the owner too, from either node.
		for _, n := range []*node{a, b} {
			r := n.raw("GET", "/rtc/validate", "Bearer "+mk(room, "late", "guest"), nil)
			if r.Status != 409 || r.Params.Err != "ROOM_FULL" {
				t.Fatalf("validate on %s of the full room: %d %s", n.URL, r.Status, r.Raw)
			}
		}
	})

	t.Run("kill -9 of the owner", func(t *testing.T) {
		room := makeRoom(t, a, admin, "failover", 0)
		p1, j1 := join(a, mk(room, "first", "guest")) // A takes the lease
		p2, j2 := join(b, mk(room, "second", "guest"))
		p1.expect("peer_joined")
		resume := map[*goPeer]string{p1: j1["resume_token"].(string), p2: j2["resume_token"].(string)}
		ids := map[*goPeer]string{p1: p1.id, p2: p2.id}

		a.kill()
		killed := time.Now()
		type back struct {
			p      *goPeer
			joined map[string]any
			after  time.Duration
			tries  int
		}
		results := make(chan back, 2)
		for _, p := range []*goPeer{p1, p2} {
			go func() {
				<-p.done // the socket drops with its node (or its node's proxy)
				u := "ws" + strings.TrimPrefix(b.URL, "http") + "/rtc?resume=" + url.QueryEscape(resume[p])
				for tries := 1; time.Since(killed) < 25*time.Second; tries++ {
					q, st, _ := dialSocket(t, u, http.Header{})
					if q != nil {
						j, err := nextFrame(q.frames, q.done, "joined", 10*time.Second)
						if err != nil {
							t.Errorf("resumed on the survivor: %v", err)
							break
						}
						results <- back{q, j, time.Since(killed), tries}
						return
					}
					if st != 503 {
						t.Errorf("resume on the survivor: %d, want 503 until the lease moves, then 101", st)
						break
					}
					time.Sleep(200 * time.Millisecond)
				}
				results <- back{}
			}()
		}
		waitFor(t, 20*time.Second, "both peers rejoined through the survivor", func() bool { return len(results) == 2 })
		var got []back
		for range 2 {
			r := <-results
			if r.p == nil {
				t.Fatal("a peer did not rejoin")
			}
			got = append(got, r)
		}
		for _, r := range got {
			self := selfID(r.joined)
			want := ids[p1]
			if self == ids[p1] {
				want = ids[p2]
			}
			if self != ids[p1] && self != ids[p2] {
				t.Fatalf("resumed with peer id %s, not one of %v", self, ids)
			}
			if !seen(r.p, r.joined, want, 10*time.Second) {
				t.Fatalf("peer %s rejoined but does not see %s", self, want)
			}
			t.Logf("peer %s rejoined via the survivor %v after kill -9 (%d tries)", self, r.after.Round(time.Millisecond), r.tries)
		}
		r := b.call(admin, "GET", "/v1/rooms/"+room+"/peers", nil)
		var peers []struct {
			PeerID string `json:"peer_id"`
		}
		r.field("peers", &peers)
		if len(peers) != 2 {
			t.Fatalf("peers on the survivor: %s", r.Raw)
		}
	})
}
