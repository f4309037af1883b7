package call

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/cmdtest"
	"github.com/keyward/keyward/internal/iostreams"
	"github.com/keyward/keyward/token"
)

const (
	testKey    = "0123456789abcdef01234567"
	testSecret = "call-test-secret-0123456789abcdefgh"
)

var testClock = time.Unix(1_800_000_000, 0)

func TestNewCmdCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		cli         string
		wantMethod  string
		wantPath    string
		wantProfile string
		wantArg     map[string]any
		wantErr     string
	}{
		{"request default", "post /v3/sl/encoding --arg src=https://e.com/a.mp3 --arg artist=Ann", "POST", "/v3/sl/encoding", "request",
			map[string]any{"src": "https://e.com/a.mp3", "artist": "Ann"}, ""},
		{"management default for /v1", "GET /v1/credentials -a status=active", "GET", "/v1/credentials", "management", map[string]any{"status": "active"}, ""},
		{"explicit qsh", "POST /v3/sl/query --profile qsh --arg query=Q1", "POST", "/v3/sl/query", "qsh", map[string]any{"query": "Q1"}, ""},
		{"json values", `POST /v1/groups --arg name=rooms --arg 'api_ids:=["a"]' --arg n:=2`, "POST", "/v1/groups", "management",
			map[string]any{"name": "rooms", "api_ids": []any{"a"}, "n": json.Number("2")}, ""},
		{"value with equals", "POST /v3/sl/encoding --arg src=https://e.com/?a=b", "POST", "/v3/sl/encoding", "request", map[string]any{"src": "https://e.com/?a=b"}, ""},
		{"arg-json", `POST /v3/sl/encoding --arg-json '{"src":"x"}'`, "POST", "/v3/sl/encoding", "request", map[string]any{"src": "x"}, ""},
		{"no args", "GET /v1/me", "GET", "/v1/me", "management", nil, ""},
		{"bad profile", "GET /v1/me --profile app", "", "", "", nil, "valid values are {request|qsh|management}"},
		{"both arg kinds", `POST /x --arg a=b --arg-json {}`, "", "", "", nil, "only one of --arg and --arg-json"},
		{"bad arg", "POST /x --arg novalue", "", "", "", nil, "want k=v or k:=JSON"},
		{"bad json arg", "POST /x --arg n:=nope", "", "", "", nil, "must be JSON"},
		{"bad arg-json", "POST /x --arg-json '[1]'", "", "", "", nil, "must be a JSON object"},
		{"relative path", "GET v1/me", "", "", "", nil, "PATH must start with /"},
		{"missing path", "GET", "", "", "", nil, "accepts 2 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := cmdtest.Parse(t, cmdtest.Factory(testClock), newCmdCall, tt.cli, tt.wantErr)
			if err == nil && (got.Method != tt.wantMethod || got.Path != tt.wantPath || got.Profile != tt.wantProfile || !reflect.DeepEqual(got.arg, tt.wantArg)) {
				t.Errorf("call %s: %s %s %s %#v; want %s %s %s %#v", tt.cli, got.Method, got.Path, got.Profile, got.arg,
					tt.wantMethod, tt.wantPath, tt.wantProfile, tt.wantArg)
			}
		})
	}
}

// server is a keyward stand-in on loopback that verifies every token
// against testSecret, bound to the request, and answers with the route's
// canned status and body.
func server(t *testing.T, routes map[string]reply) *httptest.Server {
	t.Helper()
	v, err := token.NewVerifier(token.Config{NowFunc: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	secret := token.MustSecret("", []byte(testSecret))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			var d struct {
				Data string `json:"data"`
			}
			_ = json.Unmarshal(body, &d)
			raw = d.Data
		}
		var c token.Claims
		err := token.ParseString(&c, raw)
		if err == nil {
			err = v.Verify(&c, []*token.Secret{secret}, token.AllProfiles,
				&token.Binding{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, APIID: c.APIID()})
		}
		if err != nil {
			w.WriteHeader(token.CodeOf(err).Status())
			io.WriteString(w, `{"id":"keyward.auth","ver":"1.0","ets":1,"params":{"resmsgid":"r","msgid":null,"status":"failed","err":"`+
				string(token.CodeOf(err))+`","errmsg":"token refused"}}`)
			return
		}
		rep, ok := routes[r.Method+" "+r.URL.Path]
		if !ok {
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
			w.WriteHeader(404)
			return
		}
		w.Header().Set("X-Profile", c.Profile().String())
		w.WriteHeader(rep.status)
		io.WriteString(w, rep.body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

type reply struct {
	status int
	body   string
}

func envelope(status, code, msg, fields string) string {
	s := `{"id":"sl.encoding.start","ver":"3.0","ets":1,"params":{"resmsgid":"r","msgid":null,"status":"` + status + `","err":"` + code + `","errmsg":"` + msg + `"}`
	if fields != "" {
		s += "," + fields
	}
	return s + "}"
}

func TestCallRun(t *testing.T) {
	t.Parallel()
	routes := map[string]reply{
		"POST /v3/sl/encoding":   {200, envelope("successful", "", "", `"query":"Q1"`)},
		"POST /v3/sl/query":      {200, envelope("failed", "JOB_UNKNOWN", "no such job", "")},
		"GET /v1/me":             {200, envelope("successful", "", "", `"account":{"id":1}`)},
		"GET /v1/accounts":       {403, envelope("failed", "FORBIDDEN", "admins only", "")},
		"GET /v1/broken":         {502, "bad gateway"},
		"GET /api/broken":        {502, "bad gateway"},
		"GET /api/catalog/songs": {200, "song one\nsong two\n"},
		"GET /api/catalog/json":  {200, `{"songs":[1,2]}`},
	}
	tests := []struct {
		name     string
		opts     Options
		secret   string
		wantOut  string
		wantErr  string
		wantAuth bool
	}{
		{"request", Options{Method: "POST", Path: "/v3/sl/encoding", Profile: "request", arg: map[string]any{"src": "x"}}, testSecret,
			"\"query\": \"Q1\"", "", false},
		{"qsh", Options{Method: "POST", Path: "/v3/sl/encoding", Profile: "qsh", arg: map[string]any{"src": "x"}, MsgID: "m1"}, testSecret,
			"\"query\": \"Q1\"", "", false},
		{"management", Options{Method: "GET", Path: "/v1/me", Profile: "management"}, testSecret, "\"account\"", "", false},
		{"failed envelope", Options{Method: "POST", Path: "/v3/sl/query", Profile: "request"}, testSecret,
			"\"status\": \"failed\"", "JOB_UNKNOWN: no such job", false},
		{"forbidden", Options{Method: "GET", Path: "/v1/accounts", Profile: "management"}, testSecret, "FORBIDDEN", "FORBIDDEN: admins only", true},
		{"wrong secret", Options{Method: "GET", Path: "/v1/me", Profile: "management"}, "wrong-secret-0123456789abcdefghijkl",
			"TOKEN_SIGNATURE", "TOKEN_SIGNATURE: token refused", true},
		{"not an envelope", Options{Method: "GET", Path: "/v1/broken", Profile: "management"}, testSecret, "", "answered 502 Bad Gateway, not as a keyward server", false},
		{"upstream failure", Options{Method: "GET", Path: "/api/broken", Profile: "management"}, testSecret, "bad gateway", "HTTP 502", false},
		// Issue 13.8: an upstream behind the gateway answers in its own
		// format; the body is printed as it came, and the call succeeded.
		{"gateway text", Options{Method: "GET", Path: "/api/catalog/songs", Profile: "management"}, testSecret, "song one\nsong two\n", "", false},
		{"gateway json", Options{Method: "GET", Path: "/api/catalog/json", Profile: "management"}, testSecret, `{"songs":[1,2]}`, "", false},
		{"qsh without API id", Options{Method: "GET", Path: "/v9/x", Profile: "qsh"}, testSecret, "", "pass client.WithAPIID", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := server(t, routes)
			ios, _, out, errOut := iostreams.Test()
			opts := tt.opts
			opts.IO = ios
			opts.Client = func() (*client.Client, error) {
				return client.New(client.Config{BaseURL: srv.URL, Key: testKey, Secret: tt.secret, NowFunc: func() time.Time { return testClock }})
			}
			err := callRun(&opts)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("callRun: %v", err)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("callRun error = %v, want %q", err, tt.wantErr)
				}
				if got := errors.Is(err, cmderror.ErrAuth); got != tt.wantAuth {
					t.Errorf("errors.Is(err, ErrAuth) = %v, want %v", got, tt.wantAuth)
				}
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("printed %q, want it to contain %q", out, tt.wantOut)
			}
			if strings.Contains(out.String(), tt.secret) {
				t.Errorf("output leaks the secret")
			}
			if strings.HasPrefix(tt.name, "gateway") && !strings.Contains(errOut.String(), "HTTP 200") {
				t.Errorf("stderr %q, want the status HTTP 200", errOut)
			}
		})
	}
}
