package server_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/server"
	"github.com/keyward/keyward/token"
)

// shot is one request of a [hammer]: when it was sent and what it got.
type shot struct {
	sent   time.Time
	status int
}

// hammer sends GET /v1/me with tok from several goroutines until stopped,
// so that requests are in flight while an API call changes the credential.
type hammer struct {
	stop  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	shots []shot
}

func startHammer(t *testing.T, url, tok string) *hammer {
	t.Helper()
	h := &hammer{stop: make(chan struct{})}
	hc := &http.Client{Timeout: 10 * time.Second}
	for range 4 {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			for {
				select {
				case <-h.stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", url+"/v1/me", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				sent := time.Now()
				res, err := hc.Do(req)
				if err != nil {
					continue
				}
				res.Body.Close()
				h.mu.Lock()
				h.shots = append(h.shots, shot{sent, res.StatusCode})
				h.mu.Unlock()
			}
		}()
	}
	// Let it warm the caches: the first answers must be acceptances.
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.mu.Lock()
		n := len(h.shots)
		h.mu.Unlock()
		if n >= 20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the request loop made no progress in 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return h
}

// await waits until n requests sent at or after t have been answered.
func (h *hammer) await(t *testing.T, after time.Time, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		h.mu.Lock()
		_, got := acceptedAfter(h.shots, after)
		h.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests answered in 20s after the change", got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// halt stops the loop and returns every request made.
func (h *hammer) halt() []shot {
	close(h.stop)
	h.wg.Wait()
	return h.shots
}

// acceptedAfter counts the requests sent at or after t that were accepted.
func acceptedAfter(shots []shot, t time.Time) (accepted, total int) {
	for _, s := range shots {
		if !s.sent.Before(t) {
			total++
			if s.status == 200 {
				accepted++
			}
		}
	}
	return accepted, total
}

func mgmtToken(t *testing.T, key, kid, secret string) string {
	t.Helper()
	tok, err := token.New(token.Management, key, []byte(secret)).SetKeyID(kid).ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestChangesTakeEffectAtOnceOnTheirNode revokes, retires and rotates
// while requests are in flight: no request sent after the API call returns
// may be answered by the state before it, on the node that made it.
func TestChangesTakeEffectAtOnceOnTheirNode(t *testing.T) {
	t.Parallel()
	// A feed poll far away: only the change itself may update the cache.
	srv := mustStartWith(t, func(c *server.Config) { c.KeyRefresh = time.Hour })
	admin := adminClient(t, srv)
	ctx := context.Background()
	newCred := func(t *testing.T) (*client.Credential, *client.Secret) {
		t.Helper()
		cr, sec, err := admin.CreateCredential(ctx, client.CreateCredentialParams{Name: t.Name(), Groups: []string{"encoding"}})
		if err != nil {
			t.Fatalf("CreateCredential: %v", err)
		}
		return cr, sec
	}
	check := func(t *testing.T, h *hammer, returned time.Time, what string) {
		t.Helper()
		h.await(t, returned, 100)
		shots := h.halt()
		if ok, _ := acceptedAfter(shots, time.Time{}); ok == 0 {
			t.Fatalf("%s: no request was accepted before the change", what)
		}
		accepted, total := acceptedAfter(shots, returned)
		if accepted > 0 {
			t.Errorf("%s: %d of %d requests sent after the API call returned were accepted, want none", what, accepted, total)
		}
		t.Logf("%s: %d requests in all, %d after the call returned", what, len(shots), total)
	}

	t.Run("Revoke", func(t *testing.T) {
		t.Parallel()
		cr, sec := newCred(t)
		h := startHammer(t, srv.URL(), mgmtToken(t, sec.Key, sec.KID, sec.Value))
		if _, err := admin.RevokeCredential(ctx, cr.ID); err != nil {
			t.Fatalf("RevokeCredential: %v", err)
		}
		check(t, h, time.Now(), "revoked credential")
	})
	t.Run("Retire", func(t *testing.T) {
		t.Parallel()
		cr, old := newCred(t)
		if _, _, err := admin.RotateCredential(ctx, cr.ID, client.RotateCredentialParams{Overlap: time.Hour}); err != nil {
			t.Fatalf("RotateCredential: %v", err)
		}
		h := startHammer(t, srv.URL(), mgmtToken(t, old.Key, old.KID, old.Value))
		if _, err := admin.RetireSecret(ctx, cr.ID, old.KID); err != nil {
			t.Fatalf("RetireSecret: %v", err)
		}
		check(t, h, time.Now(), "retired secret")
	})
	t.Run("RotateWithoutOverlap", func(t *testing.T) {
		t.Parallel()
		cr, old := newCred(t)
		h := startHammer(t, srv.URL(), mgmtToken(t, old.Key, old.KID, old.Value))
		_, fresh, err := admin.RotateCredential(ctx, cr.ID, client.RotateCredentialParams{Overlap: client.NoOverlap})
		if err != nil {
			t.Fatalf("RotateCredential: %v", err)
		}
		returned := time.Now()
		// The new secret works at once, every time.
		tok := mgmtToken(t, fresh.Key, fresh.KID, fresh.Value)
		for i := range 50 {
			req, _ := http.NewRequest("GET", srv.URL()+"/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("request %d with the new secret after the rotation returned: %d, want 200", i, res.StatusCode)
			}
		}
		check(t, h, returned, "secret rotated out without overlap")
	})
}
