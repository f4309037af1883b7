package e2e

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/smtpsink"
	"github.com/keyward/keyward/internal/testenv"
)

type credentialJSON struct {
	ID     int64    `json:"id"`
	Key    string   `json:"key"`
	Status string   `json:"status"`
	Groups []string `json:"groups"`
}

type secretJSON struct {
	Key    string `json:"key"`
	KID    string `json:"kid"`
	Secret string `json:"secret"`
}

// TestCredentialLifecycle runs the life of a credential against a real
// keyward serve: request → approve → notification (in-app and mail) →
// create → secret shown once → token accepted → rotate (both secrets work)
// → retire the old → revoke (refused within 5 s) — on SQLite and on
// PostgreSQL.
func TestCredentialLifecycle(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		lifecycle(t, true)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		lifecycle(t, false, "--database", testenv.Postgres(t))
	})
}

func lifecycle(t *testing.T, sqlite bool, args ...string) {
	sink := smtpsink.Start(t)
	n := startNode(t, "", append([]string{"--smtp-addr", sink.Addr, "--smtp-from", "portal@keyward.test"}, args...)...)
	admin := n.adminCreds()
	if admin.Key == "" || len(admin.Secret) < 32 {
		t.Fatalf("admin.json holds key %q and a %d-byte secret", admin.Key, len(admin.Secret))
	}
	if strings.Contains(n.logs.String(), admin.Secret) {
		t.Fatal("keyward serve printed the admin secret")
	}

	r := n.call(admin, "POST", "/v1/accounts", map[string]any{"email": "dev@example.test", "name": "Dana Dev", "role": "developer", "password": "a long enough passphrase"})
	if r.Status != 201 {
		t.Fatalf("create account: %d %s", r.Status, r.Raw)
	}
	var dev struct{ ID int64 }
	r.field("account", &dev)

	// The admin gives the developer a credential for the management API.
	r = n.call(admin, "POST", "/v1/credentials", map[string]any{"name": "dana-cli", "owner": dev.ID, "groups": []string{}})
	if r.Status != 201 {
		t.Fatalf("create developer credential: %d %s", r.Status, r.Raw)
	}
	var s secretJSON
	r.field("secret", &s)
	devCLI := creds{Key: s.Key, Secret: s.Secret, KID: s.KID}

	r = n.call(devCLI, "POST", "/v1/requests", map[string]any{"groups": []string{"encoding"}, "reason": "Soundlinks for my label"})
	if r.Status != 201 {
		t.Fatalf("request access: %d %s", r.Status, r.Raw)
	}
	var req struct{ ID int64 }
	r.field("request", &req)

	// Creating a credential for a group not yet granted is refused.
	if r := n.call(devCLI, "POST", "/v1/credentials", map[string]any{"name": "early", "groups": []string{"encoding"}}); r.Status < 400 {
		t.Errorf("credential before approval: %d %s", r.Status, r.Raw)
	}
	if r := n.call(devCLI, "POST", fmt.Sprintf("/v1/requests/%d/approve", req.ID), nil); r.Status != 403 {
		t.Errorf("developer approves own request: %d %s", r.Status, r.Raw)
	}
	if r := n.call(admin, "POST", fmt.Sprintf("/v1/requests/%d/approve", req.ID), map[string]string{"note": "welcome"}); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Raw)
	}
	if r := n.call(admin, "POST", fmt.Sprintf("/v1/requests/%d/approve", req.ID), nil); r.Status != 409 || r.Params.Err != "CONFLICT" {
		t.Errorf("approve twice: %d %s, want 409 CONFLICT", r.Status, r.Raw)
	}

	// Notified in the app and by mail.
	r = n.call(devCLI, "GET", "/v1/notifications?unread=true", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body["notifications"]), "approved") {
		t.Errorf("in-app notification: %d %s", r.Status, r.Raw)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got *smtpsink.Message
		for _, m := range sink.Messages() {
			if len(m.To) == 1 && m.To[0] == "dev@example.test" && bytes.Contains(m.Data, []byte("approved")) {
				got = &m
			}
		}
		if got != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no approval mail to dev@example.test; got %d messages", len(sink.Messages()))
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The developer makes the app's credential; the secret is shown once.
	r = n.call(devCLI, "POST", "/v1/credentials", map[string]any{"name": "label-app", "notes": "production", "groups": []string{"encoding"}})
	if r.Status != 201 {
		t.Fatalf("create app credential: %d %s", r.Status, r.Raw)
	}
	var cred credentialJSON
	r.field("credential", &cred)
	r.field("secret", &s)
	app := creds{Key: s.Key, Secret: s.Secret, KID: s.KID}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("secret response Cache-Control = %q, want no-store", r.Header.Get("Cache-Control"))
	}
	for _, path := range []string{fmt.Sprintf("/v1/credentials/%d", cred.ID), "/v1/credentials", "/v1/audit"} {
		for _, who := range []creds{admin, devCLI} {
			if r := n.call(who, "GET", path, nil); bytes.Contains(r.Raw, []byte(app.Secret)) {
				t.Errorf("GET %s shows the secret again", path)
			}
		}
	}

	// A token made with it is accepted.
	if r := n.call(app, "GET", "/v1/me", nil); r.Status != 200 {
		t.Fatalf("token of the new credential: %d %s", r.Status, r.Raw)
	}
	// Rotate: old and new both work during the overlap.
	r = n.call(devCLI, "POST", fmt.Sprintf("/v1/credentials/%d/rotate", cred.ID), map[string]string{"overlap": "1h"})
	if r.Status != 200 {
		t.Fatalf("rotate: %d %s", r.Status, r.Raw)
	}
	var s2 secretJSON
	r.field("secret", &s2)
	app2 := creds{Key: s2.Key, Secret: s2.Secret, KID: s2.KID}
	if s2.Secret == app.Secret || s2.KID == app.KID {
		t.Fatal("rotation returned the same secret")
	}
	old := app
	old.KID = "" // as the seeds' libraries sign: no kid, so every active secret is tried
	for name, c := range map[string]creds{"new": app2, "old": app, "old without kid": old} {
		waitFor(t, 5*time.Second, "rotated credential's "+name+" secret accepted", func() bool {
			return n.call(c, "GET", "/v1/me", nil).Status == 200
		})
	}
	// Retire the old secret: it stops working within 5 s, the new one goes on.
	if r := n.call(devCLI, "POST", fmt.Sprintf("/v1/credentials/%d/secrets/%s/retire", cred.ID, app.KID), nil); r.Status != 200 {
		t.Fatalf("retire: %d %s", r.Status, r.Raw)
	}
	took := waitFor(t, 5*time.Second, "retired secret refused", func() bool {
		r := n.call(app, "GET", "/v1/me", nil)
		return r.Status == 401
	})
	t.Logf("retired secret refused after %v", took)
	if r := n.call(app2, "GET", "/v1/me", nil); r.Status != 200 {
		t.Errorf("new secret after retiring the old: %d %s", r.Status, r.Raw)
	}
	// Revoke: refused within 5 s, with 401 and the envelope.
	if r := n.call(devCLI, "POST", fmt.Sprintf("/v1/credentials/%d/revoke", cred.ID), nil); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Raw)
	}
	var last *resp
	took = waitFor(t, 5*time.Second, "revoked credential refused", func() bool {
		last = n.call(app2, "GET", "/v1/me", nil)
		return last.Status == 401
	})
	t.Logf("revoked credential refused after %v", took)
	if !strings.HasPrefix(last.Params.Err, "TOKEN_") || last.Header.Get("WWW-Authenticate") == "" || last.Params.Status != "failed" {
		t.Errorf("revoked: %s (WWW-Authenticate %q)", last.Raw, last.Header.Get("WWW-Authenticate"))
	}
	if bytes.Contains(last.Raw, []byte(app2.Secret)) {
		t.Error("error response echoes the secret")
	}

	if sqlite {
		assertNoSecretOnDisk(t, n.Data, admin.Secret, devCLI.Secret, app.Secret, app2.Secret)
	}
}

// assertNoSecretOnDisk greps every file of the data directory but
// admin.json for the secrets, as text and as the bytes their hex encodes.
func assertNoSecretOnDisk(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || fi.Name() == "admin.json" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		for _, s := range secrets {
			raw, _ := hex.DecodeString(s)
			if bytes.Contains(b, []byte(s)) || (len(raw) > 0 && bytes.Contains(b, raw)) {
				t.Errorf("%s holds a secret in plain text", path)
			}
		}
		return nil
	})
}

// TestKillNineLosesNoCredential kills keyward serve with SIGKILL in the
// middle of a burst of credential creations, restarts it, and checks that
// every credential the API reported created is there and works.
func TestKillNineLosesNoCredential(t *testing.T) {
	t.Parallel()
	n := startNode(t, "")
	admin := n.adminCreds()
	type made struct {
		id int64
		c  creds
	}
	var (
		mu      sync.Mutex
		created []made
		ok      atomic.Int64
		wg      sync.WaitGroup
		stop    = make(chan struct{})
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r, err := n.callErr(admin, "POST", "/v1/credentials", map[string]any{"name": fmt.Sprintf("burst-%d-%d", w, i), "groups": []string{"encoding"}})
				if err != nil {
					return // the server is gone
				}
				if r.Status == 201 {
					var c credentialJSON
					var s secretJSON
					r.field("credential", &c)
					r.field("secret", &s)
					mu.Lock()
					created = append(created, made{c.ID, creds{Key: s.Key, Secret: s.Secret, KID: s.KID}})
					mu.Unlock()
					ok.Add(1)
				}
			}
		}()
	}
	waitFor(t, 60*time.Second, "20 credentials created", func() bool { return ok.Load() >= 20 })
	n.kill()
	close(stop)
	wg.Wait()
	t.Logf("killed after %d reported creations", len(created))

	n.start()
	for _, m := range created {
		if r := n.call(admin, "GET", fmt.Sprintf("/v1/credentials/%d", m.id), nil); r.Status != 200 {
			t.Errorf("credential %d reported created before kill -9 is gone: %d %s", m.id, r.Status, r.Raw)
		}
	}
	for _, m := range created[:min(5, len(created))] {
		if r := n.call(m.c, "GET", "/v1/me", nil); r.Status != 200 {
			t.Errorf("credential %d's secret does not work after restart: %d %s", m.id, r.Status, r.Raw)
		}
	}
}
