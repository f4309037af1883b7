package gateway_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	gatewaybench "github.com/keyward/keyward/bench/gateway"
	"github.com/keyward/keyward/internal/auth/authtest"
	"github.com/keyward/keyward/token"
)

type testBundle struct {
	targets *gatewaybench.Targets
	fixture gatewaybench.Fixture
	tokens  []string
	client  *http.Client
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	f := gatewaybench.NewFixture()
	ts, err := gatewaybench.Start(gatewaybench.Config{Fixture: f})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { ts.Close() })
	tokens, err := f.Tokens(3, time.Now())
	if err != nil {
		t.Fatalf("Tokens: %v", err)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: gatewaybench.Transport()}
	t.Cleanup(client.CloseIdleConnections)
	return &testBundle{targets: ts, fixture: f, tokens: tokens, client: client}
}

func TestFixtureTokens(t *testing.T) {
	t.Parallel()
	f := gatewaybench.NewFixture()
	if len(f.Secret) != 64 || strings.Trim(string(f.Secret), "0123456789abcdef") != "" {
		t.Fatalf("fixture secret %q: want 64 hex characters", f.Secret)
	}
	tokens, err := f.Tokens(50, time.Now())
	if err != nil {
		t.Fatalf("Tokens(50): %v", err)
	}
	seen := map[string]bool{}
	for _, tok := range tokens {
		if seen[tok] {
			t.Fatalf("Tokens(50): token %q twice", tok)
		}
		seen[tok] = true
		var c token.Claims
		if err := token.ParseString(&c, tok); err != nil {
			t.Fatalf("ParseString(%q): %v", tok, err)
		}
		if c.Profile() != token.Management || c.Key() != f.AccessKey || c.JWTID() == "" {
			t.Fatalf("token %q: profile %v, key %q, jti %q; want management, %q, a jti", tok, c.Profile(), c.Key(), c.JWTID(), f.AccessKey)
		}
	}
}

// TestTargets checks that the benchmark measures successes: every target
// answers a valid token 200, and the authenticating ones refuse bad tokens.
func TestTargets(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	f := b.fixture
	now := time.Now()

	wrongSecret, err := token.New(token.Management, f.AccessKey, []byte(strings.Repeat("0", 64))).ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	unknownKey, err := token.New(token.Management, "no-such-key", f.Secret).ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	expired, err := token.New(token.Management, f.AccessKey, f.Secret).
		SetIssuedAt(now.Add(-3 * time.Hour)).SetExpiry(now.Add(-2 * time.Hour)).ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{
		"none":         "",
		"garbage":      "not.a.token",
		"wrong secret": wrongSecret,
		"unknown key":  unknownKey,
		"expired":      expired,
		"app type":     authtest.SignRaw(`{"alg":"HS256","typ":"JWT"}`, `{"access_key":"`+f.AccessKey+`","type":"app","version":2,"iat":`+unix(now)+`,"nbf":`+unix(now)+`,"exp":`+unix(now.Add(time.Hour))+`,"jti":"j1","room_id":"r","user_id":"u","role":"host"}`, f.Secret),
		"version 3":    authtest.SignRaw(`{"alg":"HS256","typ":"JWT"}`, `{"access_key":"`+f.AccessKey+`","type":"management","version":3,"iat":`+unix(now)+`,"nbf":`+unix(now)+`,"exp":`+unix(now.Add(time.Hour))+`,"jti":"j1"}`, f.Secret),
		"no jti":       authtest.SignRaw(`{"alg":"HS256","typ":"JWT"}`, `{"access_key":"`+f.AccessKey+`","type":"management","version":2,"iat":`+unix(now)+`,"nbf":`+unix(now)+`,"exp":`+unix(now.Add(time.Hour))+`}`, f.Secret),
		"no nbf":       authtest.SignRaw(`{"alg":"HS256","typ":"JWT"}`, `{"access_key":"`+f.AccessKey+`","type":"management","version":2,"iat":`+unix(now)+`,"exp":`+unix(now.Add(time.Hour))+`,"jti":"j1"}`, f.Secret),
		"alg HS512":    authtest.SignRaw(`{"alg":"HS512","typ":"JWT"}`, `{"access_key":"`+f.AccessKey+`","type":"management","version":2,"iat":`+unix(now)+`,"nbf":`+unix(now)+`,"exp":`+unix(now.Add(time.Hour))+`,"jti":"j1"}`, f.Secret),
	}

	for _, tg := range b.targets.All() {
		t.Run(tg.Label+"/valid", func(t *testing.T) {
			t.Parallel()
			for _, tok := range b.tokens {
				status, body, err := gatewaybench.Get(ctx, b.client, tg.URL, tok)
				if err != nil || status != http.StatusOK || body != `{"ok":true}` {
					t.Fatalf("GET %s (%s) with a valid token: %d %q %v; want 200 {\"ok\":true}", tg.URL, tg.Name, status, body, err)
				}
			}
		})
		if !tg.Auth {
			continue
		}
		for name, tok := range bad {
			t.Run(tg.Label+"/"+name, func(t *testing.T) {
				t.Parallel()
				// keyward refuses a valid token of another profile with 403
				// TOKEN_PROFILE; the golang-jwt middleware knows only 401.
				want := http.StatusUnauthorized
				if name == "app type" && tg != b.targets.GolangJWT {
					want = http.StatusForbidden
				}
				status, body, err := gatewaybench.Get(ctx, b.client, tg.URL, tok)
				if err != nil || status != want {
					t.Fatalf("GET %s (%s) with token %q: %d %q %v; want %d", tg.URL, tg.Name, name, status, body, err, want)
				}
			})
		}
	}
	t.Run("Check", func(t *testing.T) {
		t.Parallel()
		if err := b.targets.Check(ctx, b.client, b.tokens[0], wrongSecret); err != nil {
			t.Fatalf("Check: %v", err)
		}
	})
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
