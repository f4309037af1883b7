package portal_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/portal"
)

func TestSQLSessionStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := MustOpenStore(t, filepath.Join(t.TempDir(), "keyward.db"), nil)
	s, err := portal.NewSQLSessionStore(ctx, st.Driver())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := portal.NewSQLSessionStore(ctx, st.Driver()); err != nil {
		t.Fatalf("a second NewSQLSessionStore on the same database: %v", err)
	}
	if _, found, err := s.FindCtx(ctx, "nope"); found || err != nil {
		t.Fatalf("FindCtx(unknown) = found %v, %v; want not found, nil", found, err)
	}
	data := []byte{0, 1, 2, 255, 'x'}
	if err := s.CommitCtx(ctx, "tok", data, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, found, err := s.FindCtx(ctx, "tok")
	if err != nil || !found || string(got) != string(data) {
		t.Fatalf("FindCtx(tok) = %v, %v, %v; want %v", got, found, err, data)
	}
	if err := s.CommitCtx(ctx, "tok", []byte("new"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.FindCtx(ctx, "tok"); string(got) != "new" {
		t.Fatalf("after a second commit FindCtx(tok) = %q, want new", got)
	}
	if err := s.CommitCtx(ctx, "old", data, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.FindCtx(ctx, "old"); found {
		t.Fatalf("an expired session was found")
	}
	if err := s.DeleteCtx(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.FindCtx(ctx, "tok"); found {
		t.Fatalf("a deleted session was found")
	}
	if err := s.Delete("never-there"); err != nil {
		t.Fatalf("Delete of an unknown token: %v", err)
	}
}

// TestSQLSessionStoreWithPortal signs in and makes a credential through a
// portal whose sessions live in the database: a second portal on the same
// database (another node) serves the session, and the table holds neither
// the session token nor the secret.
func TestSQLSessionStoreWithPortal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, res := MustOpenStore(t, filepath.Join(t.TempDir(), "keyward.db"), log)
	sessions, err := portal.NewSQLSessionStore(ctx, st.Driver())
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]*httptest.Server, 2)
	for i := range nodes {
		p, err := portal.New(portal.Config{Services: st, Logger: log, SessionStore: sessions})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle("/portal/", p.Handler())
		nodes[i] = httptest.NewServer(mux)
		t.Cleanup(nodes[i].Close)
	}
	b := &testBundle{store: st, server: nodes[0], adminEmail: res.Account.Email, adminPassword: res.Password}
	br := b.signedInAdmin(t)
	// The same cookie on the other node.
	u0, _ := http.NewRequest("GET", nodes[0].URL, nil)
	other := (&testBundle{server: nodes[1]}).newBrowser(t)
	u1, _ := http.NewRequest("GET", nodes[1].URL, nil)
	other.c.Jar.SetCookies(u1.URL, br.c.Jar.Cookies(u0.URL))
	other.get("/portal/credentials/new").must(t, "the other node", 200).has(t, "the other node", "Generate new credentials")

	pg, _, _, secret := createCredential(t, br, "db-sessions")
	pg.must(t, "secret page", 200)
	rows, err := st.Driver().ReadDB().QueryContext(ctx, `SELECT token, data FROM portal_sessions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cookie := sessionCookie(br.c.Jar.Cookies(u0.URL))
	for rows.Next() {
		var tok, data string
		if err := rows.Scan(&tok, &data); err != nil {
			t.Fatal(err)
		}
		if tok == cookie || strings.Contains(data, secret) {
			t.Fatalf("portal_sessions holds the session token or the secret in the clear")
		}
	}
}
