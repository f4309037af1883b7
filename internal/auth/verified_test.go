package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/auth/authtest"
	"github.com/keyward/keyward/internal/testenv"
	"github.com/keyward/keyward/token"
)

// TestVerifiedCacheNeverOutlivesItsGrounds sends the same reusable token
// again after each event that must end its validity and expects a
// refusal: a remembered verification is never trusted past revocation, a
// secret's expiry, the token's own exp, or a change of the key's groups.
func TestVerifiedCacheNeverOutlivesItsGrounds(t *testing.T) {
	t.Parallel()
	oldSecret := []byte("old-secret-old-secret-old-secret-0001")
	start := time.Unix(1_800_000_000, 0)
	type step struct {
		name string
		do   func(src *authtest.Source, a *auth.Authenticator, clk *testenv.Clock)
		want int
	}
	tests := []struct {
		name   string
		secret []byte
		ttl    time.Duration
		route  auth.Route
		steps  []step
	}{
		{"revoked", devSecret, time.Hour, mgmtRoute, []step{
			{"revoke", func(src *authtest.Source, a *auth.Authenticator, _ *testenv.Clock) {
				src.Revoke(devKey)
				a.Keys().Poll(context.Background())
			}, 401},
		}},
		{"old secret expires after rotation", oldSecret, time.Hour, mgmtRoute, []step{
			{"inside the overlap", func(*authtest.Source, *auth.Authenticator, *testenv.Clock) {}, 200},
			{"overlap over", func(_ *authtest.Source, _ *auth.Authenticator, clk *testenv.Clock) { clk.Advance(11 * time.Second) }, 401},
		}},
		{"token expires", devSecret, 2 * time.Minute, mgmtRoute, []step{
			{"within leeway", func(_ *authtest.Source, _ *auth.Authenticator, clk *testenv.Clock) { clk.Advance(150 * time.Second) }, 200},
			{"past exp and leeway", func(_ *authtest.Source, _ *auth.Authenticator, clk *testenv.Clock) { clk.Advance(31 * time.Second) }, 401},
		}},
		{"group withdrawn", devSecret, time.Hour, auth.Route{APIID: "enc.mgmt", Group: "encoding", Profiles: token.ProfileSet(token.Management)}, []step{
			{"groups changed", func(src *authtest.Source, a *auth.Authenticator, _ *testenv.Clock) {
				k := keys()[0]
				k.Groups = nil
				k.Secrets = []auth.Secret{{Secret: devSecret}}
				src.Put(k)
				a.Keys().Poll(context.Background())
			}, 403},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := testenv.NewClock(start)
			k := keys()[0]
			k.Secrets = []auth.Secret{{KID: "new", Secret: devSecret}, {KID: "old", Secret: oldSecret, NotAfter: start.Add(10 * time.Second)}}
			src := authtest.NewSource(k)
			a, err := auth.New(auth.Config{Keys: src, NowFunc: clk.Now, KeyCache: auth.KeyCacheConfig{PollInterval: time.Hour, MaxStale: 2 * time.Hour}})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			a.Keys().Poll(context.Background()) // the key cache is fresh: entries are kept
			h := a.Require(tt.route)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
			tok, err := token.New(token.Management, devKey, tt.secret).SetIssuedAt(start).SetTTL(tt.ttl).ToJWT()
			if err != nil {
				t.Fatal(err)
			}
			call := func() int {
				req := httptest.NewRequest("GET", "/", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				return w.Code
			}
			for i := range 3 { // verified, then remembered
				if got := call(); got != 200 {
					t.Fatalf("call %d before any event: %d", i, got)
				}
			}
			if hits := a.VerifiedHits(); hits != 2 {
				t.Fatalf("VerifiedHits() = %d after three uses of one token, want 2", hits)
			}
			for _, s := range tt.steps {
				s.do(src, a, clk)
				if got := call(); got != s.want {
					t.Fatalf("after %q: status %d, want %d", s.name, got, s.want)
				}
			}
			// A changed token is never taken from the cache.
			if got := func() int {
				req := httptest.NewRequest("GET", "/", nil)
				req.Header.Set("Authorization", "Bearer "+tok[:len(tok)-2]+"AA")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				return w.Code
			}(); got != 401 {
				t.Errorf("tampered token: %d, want 401", got)
			}
		})
	}
}

// TestVerifiedCacheOff checks that VerifiedCache < 0 leaves the door
// working.
func TestVerifiedCacheOff(t *testing.T) {
	t.Parallel()
	a, err := auth.New(auth.Config{Keys: authtest.NewSource(keys()...), VerifiedCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	h := a.Require(mgmtRoute)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	tok := mgmtToken(t, devKey, devSecret)
	for range 2 {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 204 {
			t.Fatalf("status %d", w.Code)
		}
	}
}
