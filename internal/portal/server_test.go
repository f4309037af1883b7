package portal_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/server"
	"github.com/keyward/keyward/internal/server/servertest"
	"github.com/keyward/keyward/token"
)

// testServer is a running keyward as the browser tests see it: a base URL
// that serves the portal at /portal/ and the Encoding API at
// /v3/sl/encoding, and the first admin's login.
type testServer struct {
	URL                       string
	AdminEmail, AdminPassword string
	// AdminKey and AdminSecret are the first admin's credential.
	AdminKey, AdminSecret string
	// Server is the running server, for its store.
	Server *server.Server
}

// startServer starts the server the browser tests drive.
//
// It is the one seam to swap for the real `keyward serve` (internal/server
// with the auth middleware and the Encoding API): until that is wired, it
// serves this package's portal on a real SQLite file with a DB-backed
// session store, and a stand-in for POST /v3/sl/encoding that verifies the
// request token against the store's LookupKey exactly as DESIGN §2 says (no
// cache, so a revocation is refused at once).
func startServer(t *testing.T) *testServer {
	t.Helper()
	// The real keyward serve, in process: portal, door, management and
	// Encoding APIs on a SQLite store of the test's own. The download guard
	// allows 127.0.0.1, so a start with the test's src (a closed loopback
	// port) is accepted and its job fails later; nothing leaves loopback.
	srv := servertest.Start(t, func(c *server.Config) { c.FetchAllow = []string{"127.0.0.1/32"} })
	_, admin := servertest.Admin(t, srv)
	return &testServer{URL: srv.URL(), AdminEmail: admin.Email, AdminPassword: admin.Password,
		AdminKey: admin.Key, AdminSecret: admin.Secret, Server: srv}
}

// callEncoding signs a request token with key and secret and posts it to
// the server's Encoding API; it returns the status and params.err.
func callEncoding(t *testing.T, base, key, secret string) (int, string) {
	t.Helper()
	tok, err := token.New(token.Request, key, []byte(secret)).SetMethod("POST").SetURL("/v3/sl/encoding").
		SetArg(map[string]string{"src": "http://127.0.0.1:9/song.mp3", "artist": "Example"}).ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", base+"/v3/sl/encoding", strings.NewReader(`{"data":"`+tok+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return callEnvelope(t, req)
}

// callEnvelope sends req and returns the answer's status and the error
// code of its envelope (params.err), if any.
func callEnvelope(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Params struct {
			Err string `json:"err"`
		} `json:"params"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("%s %s: %d, body not JSON: %v", req.Method, req.URL.Path, resp.StatusCode, err)
	}
	return resp.StatusCode, env.Params.Err
}
