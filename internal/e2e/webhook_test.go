package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testenv"
	"github.com/keyward/keyward/internal/webhook"
	"github.com/keyward/keyward/token"
)

// hookReceiver is a webhook receiver on loopback. While down it answers
// 503 to every post; it verifies every signature, and keeps the events it
// accepted, in order, dropping none and accepting no id twice.
type hookReceiver struct {
	mu       sync.Mutex
	secret   string
	down     bool
	posts    int
	accepted []map[string]any
	problems []string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.posts++
	if err := webhook.Verify(h.secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), 0); err != nil {
		h.problems = append(h.problems, "signature: "+err.Error())
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if h.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		h.problems = append(h.problems, "body: "+err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if r.Header.Get(webhook.IDHeader) != ev["id"] {
		h.problems = append(h.problems, "Webhook-Id differs from the body's id")
	}
	for _, a := range h.accepted {
		if a["id"] == ev["id"] {
			h.problems = append(h.problems, "event accepted twice: "+a["id"].(string))
		}
	}
	h.accepted = append(h.accepted, ev)
	w.WriteHeader(http.StatusOK)
}

// TestWebhooksSurviveKillNine has two peers join and leave a room whose
// webhook receiver is down, kills keyward serve with SIGKILL before any
// event is delivered, brings the receiver up and restarts keyward on the
// same data: every event arrives, once, signed, in order.
func TestWebhooksSurviveKillNine(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		webhooksSurviveKillNine(t)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		webhooksSurviveKillNine(t, "--database", testenv.Postgres(t))
	})
}

func webhooksSurviveKillNine(t *testing.T, args ...string) {
	rc := &hookReceiver{down: true}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	n := startNode(t, "", append([]string{"--fetch-allow", "127.0.0.1/32", "--rtc-udp", "off"}, args...)...)
	admin := n.adminCreds()
	r := n.call(admin, "POST", "/v1/rooms", map[string]any{"name": "hooked", "webhook": map[string]any{"url": srv.URL + "/in"}})
	if r.Status != 201 {
		t.Fatalf("create room: %d %s", r.Status, r.Raw)
	}
	var room struct{ ID string }
	r.field("room", &room)
	r = n.call(admin, "GET", "/v1/rooms/"+room.ID+"/webhook", nil)
	var secret string
	r.field("secret", &secret)
	if r.Status != 200 || len(secret) != len("whsec_")+64 {
		t.Fatalf("GET webhook: %d %s, want the room's secret", r.Status, r.Raw)
	}
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()

	join := func(who string) *goPeer {
		tok, err := token.New(token.App, admin.Key, []byte(admin.Secret)).SetKeyID(admin.KID).SetRoom(room.ID).SetUser(who).SetRole("guest").ToJWT()
		if err != nil {
			t.Fatal(err)
		}
		p, st, code := dialRTC(t, n.URL, tok)
		if p == nil {
			t.Fatalf("join %s refused: %d %s", who, st, code)
		}
		p.id = selfID(p.expect("joined"))
		return p
	}
	alice := join("alice")
	bob := join("bob")
	alice.expect("peer_joined")
	bob.send(map[string]any{"type": "leave"})
	alice.expect("peer_left")
	alice.send(map[string]any{"type": "leave"})
	<-alice.done
	<-bob.done
	// The events are in the outbox and their posts are failing.
	waitFor(t, 60*time.Second, "a first (refused) post", func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return rc.posts > 0
	})
	n.kill()
	rc.mu.Lock()
	if len(rc.accepted) != 0 {
		t.Fatalf("the receiver accepted %d events while down", len(rc.accepted))
	}
	rc.down = false
	rc.mu.Unlock()

	n.start()
	want := []string{"session.started", "peer.joined", "peer.joined", "peer.left", "peer.left", "session.ended"}
	waitFor(t, 120*time.Second, "every event delivered after the restart", func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return len(rc.accepted) >= len(want)
	})
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.problems) > 0 {
		t.Fatalf("the receiver saw: %v", rc.problems)
	}
	var got []string
	joined := map[string]bool{}
	for _, ev := range rc.accepted {
		got = append(got, ev["type"].(string))
		if p, ok := ev["peer"].(map[string]any); ok {
			id := p["id"].(string)
			if ev["type"] == "peer.joined" {
				joined[id] = true
			} else if !joined[id] {
				t.Fatalf("peer.left of %s before its peer.joined", id)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	// The owner sees them delivered.
	r = n.call(admin, "GET", "/v1/rooms/"+room.ID+"/webhook", nil)
	var recent []struct{ State string }
	r.field("recent", &recent)
	for _, e := range recent {
		if e.State != "delivered" {
			t.Fatalf("GET webhook: an event is %s, want delivered: %s", e.State, r.Raw)
		}
	}
}
