package gateway_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/auth/authtest"
	"github.com/keyward/keyward/internal/gateway"
	"github.com/keyward/keyward/token"
)

const devKey = "dev-key-0001"

var devSecret = []byte("dev-secret-dev-secret-dev-secret-0001")

// seen is what the upstream received.
type seen struct {
	Method, Path, Query, Body string
	Header                    http.Header
}

type testBundle struct {
	gw       *httptest.Server
	upstream *httptest.Server
}

func setup(t *testing.T, routesJSON string) *testBundle {
	t.Helper()
	b := &testBundle{}
	b.upstream = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
			return
		case "/stream":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintln(w, "first")
			w.(http.Flusher).Flush()
			<-r.Context().Done() // until the client has read the first line and left
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(seen{r.Method, r.URL.Path, r.URL.RawQuery, string(body), r.Header})
	}))
	t.Cleanup(b.upstream.Close)
	routesJSON = strings.ReplaceAll(routesJSON, "UPSTREAM", b.upstream.URL)
	routes, err := gateway.ParseRoutes(strings.NewReader(routesJSON))
	if err != nil {
		t.Fatalf("ParseRoutes: %v", err)
	}
	src := authtest.NewSource(auth.Key{Key: devKey, CredentialID: 7, AccountID: 3, OwnerRole: auth.RoleDeveloper,
		Active: true, Groups: []string{"encoding", "rooms"}, Secrets: []auth.Secret{{Secret: devSecret}}})
	a, err := auth.New(auth.Config{Keys: src})
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	g, err := gateway.New(gateway.Config{Routes: routes})
	if err != nil {
		t.Fatalf("gateway.New: %v", err)
	}
	mux, err := auth.NewMux(a, g.Endpoints()...)
	if err != nil {
		t.Fatalf("auth.NewMux: %v", err)
	}
	b.gw = httptest.NewServer(mux)
	t.Cleanup(b.gw.Close)
	return b
}

const routes = `{"routes":[
 {"api_id":"sl.encoding.start","prefix":"/v3/sl/encoding","upstream":"UPSTREAM/base","methods":["POST"],"group":"encoding","profiles":["request","qsh"],"single_use":true},
 {"api_id":"mgmt","prefix":"/api/","upstream":"UPSTREAM","strip_prefix":true,"profiles":["management","app"]},
 {"api_id":"slow","prefix":"/slow","upstream":"UPSTREAM","profiles":["management"],"timeout":"100ms"},
 {"api_id":"stream","prefix":"/stream","upstream":"UPSTREAM","profiles":["management"]},
 {"api_id":"dead","prefix":"/dead","upstream":"http://127.0.0.1:1","profiles":["management"]},
 {"api_id":"locked","prefix":"/locked","upstream":"UPSTREAM","group":"billing","profiles":["management"]}
]}`

func (b *testBundle) do(t *testing.T, method, path string, header http.Header, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, b.gw.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := b.gw.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res, raw
}

func mgmt(t *testing.T) string {
	t.Helper()
	s, err := token.New(token.Management, devKey, devSecret).SetJWTID("jti-9").ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func errCode(t *testing.T, raw []byte) string {
	t.Helper()
	var env struct {
		Params struct{ Err string } `json:"params"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("not an envelope: %v\n%s", err, raw)
	}
	return env.Params.Err
}

func TestProxy(t *testing.T) {
	t.Parallel()
	b := setup(t, routes)

	t.Run("IdentityHeadersAndTokenStripped", func(t *testing.T) {
		t.Parallel()
		tok := mgmt(t)
		res, raw := b.do(t, "GET", "/api/things?x=1", http.Header{
			"Authorization": {"Bearer " + tok}, "X-Keyward-Key": {"spoofed"}, "X-Keyward-Admin": {"yes"},
		}, "")
		if res.StatusCode != 200 {
			t.Fatalf("GET /api/things = %d, want 200\n%s", res.StatusCode, raw)
		}
		var s seen
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		if s.Path != "/things" || s.Query != "x=1" {
			t.Fatalf("upstream path %q query %q, want /things and x=1 (prefix stripped)", s.Path, s.Query)
		}
		want := map[string]string{"X-Keyward-Key": devKey, "X-Keyward-Credential": "7", "X-Keyward-Account": "3",
			"X-Keyward-Groups": "encoding,rooms", "X-Keyward-Profile": "management", "X-Keyward-Jti": "jti-9",
			"Authorization": "", "X-Keyward-Admin": ""}
		for k, v := range want {
			if got := s.Header.Get(k); got != v {
				t.Fatalf("upstream header %s = %q, want %q", k, got, v)
			}
		}
		if strings.Contains(string(raw), tok) {
			t.Fatal("the token reached the upstream")
		}
	})
	t.Run("AppTokenUserRole", func(t *testing.T) {
		t.Parallel()
		tok, _ := token.New(token.App, devKey, devSecret).SetRoom("r1").SetUser("u1").SetRole("host").ToJWT()
		_, raw := b.do(t, "GET", "/api/x", http.Header{"Authorization": {"Bearer " + tok}}, "")
		var s seen
		json.Unmarshal(raw, &s)
		if s.Header.Get("X-Keyward-User") != "u1" || s.Header.Get("X-Keyward-Role") != "host" || s.Header.Get("X-Keyward-Room") != "r1" {
			t.Fatalf("app identity headers = %v", s.Header)
		}
	})
	t.Run("RequestBodyReplacedByArg", func(t *testing.T) {
		t.Parallel()
		tok, _ := token.New(token.Request, devKey, devSecret).SetMethod("POST").SetURL("/v3/sl/encoding").SetArg(map[string]string{"src": "https://e.com/a.mp3"}).ToJWT()
		res, raw := b.do(t, "POST", "/v3/sl/encoding", http.Header{"Content-Type": {"application/json"}}, `{"data":"`+tok+`"}`)
		if res.StatusCode != 200 {
			t.Fatalf("POST /v3/sl/encoding = %d\n%s", res.StatusCode, raw)
		}
		var s seen
		json.Unmarshal(raw, &s)
		if s.Path != "/base/v3/sl/encoding" || s.Body != `{"src":"https://e.com/a.mp3"}` {
			t.Fatalf("upstream got path %q body %q, want /base/v3/sl/encoding and the arg", s.Path, s.Body)
		}
		res, raw = b.do(t, "POST", "/v3/sl/encoding", http.Header{"Content-Type": {"application/json"}}, `{"data":"`+tok+`"}`)
		if res.StatusCode != 401 || errCode(t, raw) != "TOKEN_REPLAYED" {
			t.Fatalf("replay through the gateway = %d %s, want 401 TOKEN_REPLAYED", res.StatusCode, raw)
		}
	})
	t.Run("Refusals", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name, method, path string
			header             http.Header
			status             int
			code               string
		}{
			{"NoRoute", "GET", "/nowhere", nil, 404, "NOT_FOUND"},
			{"PrefixBoundary", "GET", "/slowly", nil, 404, "NOT_FOUND"},
			{"Method", "GET", "/v3/sl/encoding", nil, 405, "METHOD_NOT_ALLOWED"},
			{"NoToken", "GET", "/api/x", nil, 401, "TOKEN_MISSING"},
			{"Group", "GET", "/locked", http.Header{"Authorization": {"Bearer " + mgmt(t)}}, 403, "GROUP_NOT_GRANTED"},
			{"UpstreamDown", "GET", "/dead", http.Header{"Authorization": {"Bearer " + mgmt(t)}}, 502, "BAD_GATEWAY"},
			{"UpstreamTimeout", "GET", "/slow", http.Header{"Authorization": {"Bearer " + mgmt(t)}}, 504, "GATEWAY_TIMEOUT"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				res, raw := b.do(t, tt.method, tt.path, tt.header, "")
				if res.StatusCode != tt.status || errCode(t, raw) != tt.code {
					t.Fatalf("%s %s = %d %s, want %d %s", tt.method, tt.path, res.StatusCode, raw, tt.status, tt.code)
				}
				if strings.Contains(string(raw), "127.0.0.1") {
					t.Fatalf("%s %s: reply leaks the upstream address: %s", tt.method, tt.path, raw)
				}
			})
		}
	})
	t.Run("Streams", func(t *testing.T) {
		t.Parallel()
		req, _ := http.NewRequest("GET", b.gw.URL+"/stream", nil)
		req.Header.Set("Authorization", "Bearer "+mgmt(t))
		res, err := b.gw.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		line, err := bufio.NewReader(res.Body).ReadString('\n')
		if err != nil || line != "first\n" {
			t.Fatalf("first streamed line = %q, %v; want \"first\\n\" before the upstream finishes", line, err)
		}
	})
}

func TestParseRoutesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, json string }{
		{"Empty", `{"routes":[]}`},
		{"UnknownField", `{"routes":[{"api_id":"a","prefix":"/a","upstream":"http://x","profiles":["management"],"singleuse":true}]}`},
		{"BadProfile", `{"routes":[{"api_id":"a","prefix":"/a","upstream":"http://x","profiles":["jwt"]}]}`},
		{"NoProfiles", `{"routes":[{"api_id":"a","prefix":"/a","upstream":"http://x"}]}`},
		{"RelativeUpstream", `{"routes":[{"api_id":"a","prefix":"/a","upstream":"/x","profiles":["management"]}]}`},
		{"PrefixNoSlash", `{"routes":[{"api_id":"a","prefix":"a","upstream":"http://x","profiles":["management"]}]}`},
		{"PrefixWildcard", `{"routes":[{"api_id":"a","prefix":"/a/{x}","upstream":"http://x","profiles":["management"]}]}`},
		{"BadTimeout", `{"routes":[{"api_id":"a","prefix":"/a","upstream":"http://x","profiles":["management"],"timeout":"soon"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := gateway.ParseRoutes(strings.NewReader(tt.json)); err == nil {
				t.Fatalf("ParseRoutes(%s) = nil error, want one", tt.json)
			}
		})
	}
}
