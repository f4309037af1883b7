package client_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/server"
	"github.com/keyward/keyward/internal/server/servertest"
	"github.com/keyward/keyward/internal/webhook"
)

// TestRoomWebhook reads a room's webhook secret with the client, and checks
// with it the signature of the events a receiver on loopback gets when a
// peer joins.
func TestRoomWebhook(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string // event names whose signatures verified
	var secret string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), 0); err != nil {
			got = append(got, "bad signature: "+err.Error())
		} else {
			got = append(got, r.Header.Get(webhook.EventHeader))
		}
	}))
	defer recv.Close()
	srv := servertest.Start(t, func(c *server.Config) { c.RTC.UDP = "off"; c.FetchAllow = []string{"127.0.0.1/32"} })
	c, creds := servertest.Admin(t, srv)
	ctx := context.Background()
	room, _, err := c.CreateRoom(ctx, client.CreateRoomParams{Name: "hooked", Webhook: &client.RoomWebhook{URL: recv.URL, Events: []string{"session.started", "peer.joined"}}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.RoomWebhook(ctx, room.ID)
	if err != nil || info.URL != recv.URL || len(info.Events) != 2 || !strings.HasPrefix(info.Secret, "whsec_") || len(info.Recent) != 0 {
		t.Fatalf("RoomWebhook = %+v, %v; want the URL, two events, a secret and no events yet", info, err)
	}
	mu.Lock()
	secret = info.Secret
	mu.Unlock()
	servertest.Join(t, srv, creds, room.ID, "ann")
	deadline := time.Now().Add(60 * time.Second)
	for {
		info, err = c.RoomWebhook(ctx, room.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(info.Recent) == 2 && info.Recent[0].State == "delivered" && info.Recent[1].State == "delivered" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("RoomWebhook recent = %+v, want two delivered events", info.Recent)
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, ",") != "session.started,peer.joined" {
		t.Fatalf("the receiver got %v, want session.started then peer.joined, both verified", got)
	}
	if _, err := c.RoomWebhook(ctx, "no-such-room"); err == nil || !strings.Contains(err.Error(), "ROOM_NOT_FOUND") {
		t.Fatalf("RoomWebhook(unknown) = %v, want ROOM_NOT_FOUND", err)
	}
}
