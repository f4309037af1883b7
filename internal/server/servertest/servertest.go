// Package servertest runs a real keyward server inside a test: on
// loopback, on SQLite in a temporary directory, stopped when the test ends.
package servertest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/server"
	"github.com/keyward/keyward/token"
)

// Start starts a server on 127.0.0.1 (a free port) with its data in a
// temporary directory and the defaults changed by edit (which may be nil),
// and stops it when the test ends; Run must end without an error.
func Start(t testing.TB, edit func(*server.Config)) *server.Server {
	t.Helper()
	cfg := server.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.Data = t.TempDir()
	if edit != nil {
		edit(&cfg)
	}
	srv, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		srv.Close()
	})
	return srv
}

// NoMedia is an edit for [Start] that turns the rooms' media (the SFU's UDP
// port) off, for tests of rooms without media.
func NoMedia(c *server.Config) { c.RTC.UDP = "off" }

// StartAdmin is [Start] followed by [Admin].
func StartAdmin(t testing.TB, edit func(*server.Config)) (*server.Server, *client.Client, server.AdminCredentials) {
	t.Helper()
	srv := Start(t, edit)
	c, creds := Admin(t, srv)
	return srv, c, creds
}

// Admin returns the credential of srv's first admin (the admin.json it
// wrote) and a client signing with it.
func Admin(t testing.TB, srv *server.Server) (*client.Client, server.AdminCredentials) {
	t.Helper()
	b, err := os.ReadFile(srv.AdminPath)
	if err != nil {
		t.Fatalf("read admin credentials: %v", err)
	}
	var creds server.AdminCredentials
	if err := json.Unmarshal(b, &creds); err != nil {
		t.Fatalf("admin credentials: %v", err)
	}
	c, err := client.New(client.Config{BaseURL: srv.URL(), Key: creds.Key, Secret: creds.Secret, KeyID: creds.KID})
	if err != nil {
		t.Fatal(err)
	}
	return c, creds
}

// Join connects a peer to room over GET /rtc with an app token of creds
// (identity user, role host) and waits for "joined"; it returns the socket,
// closed when the test ends, and the peer's id.
func Join(t testing.TB, srv *server.Server, creds server.AdminCredentials, room, user string) (*websocket.Conn, string) {
	t.Helper()
	tok, err := token.New(token.App, creds.Key, []byte(creds.Secret)).SetKeyID(creds.KID).
		SetRoom(room).SetUser(user).SetRole("host").SetTTL(time.Hour).ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL(), "http")+"/rtc?access_token="+url.QueryEscape(tok), nil)
	if err != nil {
		t.Fatalf("join %s: %v", user, err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("join %s: %v", user, err)
		}
		var m struct {
			Type string `json:"type"`
			Self struct {
				PeerID string `json:"peer_id"`
			} `json:"self"`
		}
		if json.Unmarshal(b, &m) == nil && m.Type == "joined" {
			return ws, m.Self.PeerID
		}
	}
}

// CloseCode reads from ws until it closes and returns the close code.
func CloseCode(t testing.TB, ws *websocket.Conn) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := ws.Read(ctx); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}
