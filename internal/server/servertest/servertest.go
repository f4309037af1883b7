// Package servertest runs a real keyward server inside a test: on
// loopback, on SQLite in a temporary directory, stopped when the test ends.
package servertest

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"testing"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/server"
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
