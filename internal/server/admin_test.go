package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/server"
	"github.com/keyward/keyward/internal/testenv"
)

// open makes a server on dir (and database, when not "") and closes it
// again at once: enough to bootstrap the admin.
func open(t *testing.T, dir, database string) *server.Server {
	t.Helper()
	cfg := server.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.Data = dir
	cfg.Database = database
	srv, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	return srv
}

func readAdmin(t *testing.T, path string) server.AdminCredentials {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c server.AdminCredentials
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

// TestSecondStoreKeepsAdminFile is issue 13.1: a PostgreSQL server started
// on a data directory where a SQLite server already wrote admin.json must
// not replace it; its own admin goes beside it, in a file named for its
// store, and each start finds its own file again.
func TestSecondStoreKeepsAdminFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := open(t, dir, "")
	adminPath := filepath.Join(dir, server.AdminFile)
	if first.AdminPath != adminPath {
		t.Fatalf("first start wrote %q, want %q", first.AdminPath, adminPath)
	}
	before, err := os.ReadFile(adminPath)
	if err != nil {
		t.Fatal(err)
	}
	if c := readAdmin(t, adminPath); c.Store != "sqlite" || c.Server == "" {
		t.Errorf("admin.json names store %q and server %q, want sqlite and the server's URL", c.Store, c.Server)
	}

	dsn := testenv.Postgres(t)
	second := open(t, dir, dsn)
	after, err := os.ReadFile(adminPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Fatalf("the PostgreSQL server replaced admin.json of the SQLite server")
	}
	if !second.Bootstrapped || second.AdminPath == adminPath || !strings.HasPrefix(filepath.Base(second.AdminPath), "admin.postgres-") {
		t.Fatalf("second store wrote its admin to %q (bootstrapped %v), want admin.postgres-….json", second.AdminPath, second.Bootstrapped)
	}
	pg := readAdmin(t, second.AdminPath)
	if pg.Key == readAdmin(t, adminPath).Key || !strings.HasPrefix(pg.Store, "postgres://") || strings.Contains(pg.Store, "password") {
		t.Errorf("the PostgreSQL admin file holds key %q store %q", pg.Key, pg.Store)
	}
	if fi, _ := os.Stat(second.AdminPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", second.AdminPath, fi.Mode().Perm())
	}

	// Later starts find their own files.
	if again := open(t, dir, ""); again.Bootstrapped || again.AdminPath != adminPath {
		t.Errorf("SQLite restart: bootstrapped %v, admin file %q; want false, %q", again.Bootstrapped, again.AdminPath, adminPath)
	}
	if again := open(t, dir, dsn); again.Bootstrapped || again.AdminPath != second.AdminPath {
		t.Errorf("PostgreSQL restart: bootstrapped %v, admin file %q; want false, %q", again.Bootstrapped, again.AdminPath, second.AdminPath)
	}
}
