package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testenv"
	"github.com/keyward/keyward/token"
)

// cluster starts two nodes sharing one PostgreSQL database and one Redis.
func cluster(t *testing.T) (a, b *node) {
	t.Helper()
	dsn := testenv.Postgres(t)
	addr, _ := testenv.Redis(t)
	// Both nodes must seal with the same master key: the first makes it,
	// the second is given it.
	a = startNode(t, "", "--database", dsn, "--redis", "redis://"+addr+"/0")
	key := strings.TrimSpace(readFile(t, a.Data+"/master.key"))
	b = &node{t: t, Data: t.TempDir(), Args: []string{"--database", dsn, "--redis", "redis://" + addr + "/0"}, Env: []string{"KEYWARD_MASTER_KEY=" + key}}
	b.start()
	t.Cleanup(b.stop)
	return a, b
}

// TestRevocationReachesEveryNode revokes a credential through one node and
// measures when the other refuses it.
func TestRevocationReachesEveryNode(t *testing.T) {
	t.Parallel()
	a, b := cluster(t)
	admin := a.adminCreds()
	r := a.call(admin, "POST", "/v1/credentials", map[string]any{"name": "shared", "groups": []string{"encoding"}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	var c credentialJSON
	var s secretJSON
	r.field("credential", &c)
	r.field("secret", &s)
	app := creds{Key: s.Key, Secret: s.Secret}
	for _, n := range []*node{a, b} {
		if r := n.call(app, "GET", "/v1/me", nil); r.Status != 200 {
			t.Fatalf("new credential on %s: %d %s", n.URL, r.Status, r.Raw)
		}
	}
	if r := a.call(admin, "POST", fmt.Sprintf("/v1/credentials/%d/revoke", c.ID), nil); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Raw)
	}
	took := waitFor(t, 5*time.Second, "revoked credential refused on the other node", func() bool {
		return b.call(app, "GET", "/v1/me", nil).Status == 401
	})
	t.Logf("node B refused the revoked credential %v after node A revoked it", took)
}

// TestRejectionsReachTheClient sends one token per rejection code that a
// management route can produce and checks status, envelope and
// WWW-Authenticate.
func TestRejectionsReachTheClient(t *testing.T) {
	t.Parallel()
	n := startNode(t, "")
	admin := n.adminCreds()
	sec := []byte(admin.Secret)
	mk := func(b *token.Builder) string {
		tok, err := b.ToJWT()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	now := time.Now()
	good := mk(token.New(token.Management, admin.Key, sec))
	parts := strings.Split(good, ".")
	tests := []struct {
		name   string
		authz  string
		status int
		code   string
	}{
		{"missing", "", 401, "TOKEN_MISSING"},
		{"malformed", "Bearer abc", 401, "TOKEN_MALFORMED"},
		{"too large", "Bearer " + strings.Repeat("a", 9000), 401, "TOKEN_TOO_LARGE"},
		{"alg none", "Bearer eyJhbGciOiJub25lIn0." + parts[1] + ".", 401, "TOKEN_ALG"},
		{"signature", "Bearer " + mk(token.New(token.Management, admin.Key, []byte("wrong-secret-wrong-secret-wrong-secret"))), 401, "TOKEN_SIGNATURE"},
		{"unknown key", "Bearer " + mk(token.New(token.Management, "000000000000000000000000", sec)), 401, "TOKEN_UNKNOWN_KEY"},
		{"unknown kid", "Bearer " + mk(token.New(token.Management, admin.Key, sec).SetKeyID("nope")), 401, "TOKEN_UNKNOWN_KEY"},
		{"expired", "Bearer " + mk(token.New(token.Management, admin.Key, sec).SetIssuedAt(now.Add(-3*time.Hour)).SetTTL(time.Hour)), 401, "TOKEN_EXPIRED"},
		{"not yet valid", "Bearer " + mk(token.New(token.Management, admin.Key, sec).SetNotBefore(now.Add(time.Hour))), 401, "TOKEN_NOT_YET_VALID"},
		{"lifetime", "Bearer " + mk(token.New(token.Management, admin.Key, sec).SetTTL(48*time.Hour)), 401, "TOKEN_LIFETIME"},
		{"claim missing", "Bearer " + forge(fmt.Sprintf(`{"access_key":%q,"type":"management","version":2,"iat":%d,"nbf":%d,"exp":%d}`, admin.Key, now.Unix(), now.Unix(), now.Unix()+60), sec), 401, "TOKEN_CLAIM_MISSING"},
		{"claim invalid", "Bearer " + forge(fmt.Sprintf(`{"access_key":%q,"type":"admin","version":2,"jti":"j","iat":%d,"nbf":%d,"exp":%d}`, admin.Key, now.Unix(), now.Unix(), now.Unix()+60), sec), 401, "TOKEN_CLAIM_INVALID"},
		{"string exp", "Bearer " + forge(fmt.Sprintf(`{"access_key":%q,"type":"management","version":2,"jti":"j","iat":%d,"nbf":%d,"exp":"%d"}`, admin.Key, now.Unix(), now.Unix(), now.Unix()+60), sec), 401, "TOKEN_CLAIM_INVALID"},
		{"duplicate claim", "Bearer " + forge(fmt.Sprintf(`{"access_key":%q,"access_key":"x","type":"management","version":2,"jti":"j","iat":%d,"nbf":%d,"exp":%d}`, admin.Key, now.Unix(), now.Unix(), now.Unix()+60), sec), 401, "TOKEN_MALFORMED"},
		{"wrong profile", "Bearer " + mk(token.New(token.App, admin.Key, sec).SetRoom("r").SetUser("u").SetRole("host")), 403, "TOKEN_PROFILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := n.raw("GET", "/v1/me", tt.authz, nil)
			if r.Status != tt.status || r.Params.Err != tt.code || r.Params.Status != "failed" || r.ID != "keyward.me.read" {
				t.Errorf("%s: %d %s, want %d %s", tt.name, r.Status, r.Raw, tt.status, tt.code)
			}
			if tt.status == 401 && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), `Bearer error="invalid_token"`) {
				t.Errorf("%s: WWW-Authenticate = %q", tt.name, r.Header.Get("WWW-Authenticate"))
			}
			if len(tt.authz) > 40 && strings.Contains(string(r.Raw), tt.authz[7:40]) {
				t.Errorf("%s: the response echoes the token", tt.name)
			}
		})
	}
}

// forge signs payload as it is with HS256.
func forge(payload string, secret []byte) string {
	enc := base64.RawURLEncoding
	in := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString([]byte(payload))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(in))
	return in + "." + enc.EncodeToString(m.Sum(nil))
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReplayRefusedOnEveryNode uses a request token once on node A of a
// cluster sharing Redis and presents it again on A and on node B: both
// refuse it with TOKEN_REPLAYED.
func TestReplayRefusedOnEveryNode(t *testing.T) {
	t.Parallel()
	a, b := cluster(t)
	admin := a.adminCreds()
	r := a.call(admin, "POST", "/v1/credentials", map[string]any{"name": "replay", "groups": []string{"encoding"}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	var s secretJSON
	r.field("secret", &s)
	app := creds{Key: s.Key, Secret: s.Secret}
	// The src is a loopback address the download guard refuses without
	// connecting: only the door matters here.
	// Two tokens with the same claims in the same second are the same
	// token, so each call here differs by artist.
	mk := func(artist string) string {
		tok, err := token.New(token.Request, app.Key, []byte(app.Secret)).SetMethod("POST").SetURL("/v3/sl/encoding").
			SetArg(map[string]string{"src": "http://127.0.0.1:9/song.wav", "artist": artist}).ToJWT()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tok := mk("first")
	if r := a.api(t, tok, "/v3/sl/encoding"); r.Status != 200 {
		t.Fatalf("first use on A: %d %s", r.Status, r.Raw)
	}
	for name, n := range map[string]*node{"A": a, "B": b} {
		r := n.api(t, tok, "/v3/sl/encoding")
		if r.Status != 401 || r.Params.Err != "TOKEN_REPLAYED" {
			t.Errorf("replay on node %s: %d %s", name, r.Status, r.Raw)
		}
	}
	// A fresh token still works on B.
	if r := b.api(t, mk("second"), "/v3/sl/encoding"); r.Status != 200 {
		t.Errorf("fresh token on B: %d %s", r.Status, r.Raw)
	}
}
