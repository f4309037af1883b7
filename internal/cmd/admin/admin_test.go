package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/shlex"
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
	"github.com/keyward/keyward/token"
)

const (
	testKey    = "0123456789abcdef01234567"
	testSecret = "admin-test-secret-0123456789abcdef"
	ts         = `"2027-01-15T08:00:00Z"`
)

var testClock = time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC)

// Canned API objects.
const (
	accountJSON    = `{"id":3,"email":"ann@example.com","name":"Ann","role":"developer","created_at":` + ts + `,"updated_at":` + ts + `}`
	groupJSON      = `{"name":"encoding","description":"the Soundlinks Encoding API","api_ids":["sl.encoding.start","sl.encoding.query"],"created_at":` + ts + `,"updated_at":` + ts + `}`
	requestJSON    = `{"id":9,"account_id":3,"groups":["encoding"],"reason":"demo","status":"pending","decision_note":"","created_at":` + ts + `}`
	credentialJSON = `{"id":7,"key":"abc123","name":"ci","notes":"","owner_id":3,"groups":["encoding"],"status":"active","secrets":[{"kid":"k1","created_at":` + ts + `}],"created_at":` + ts + `,"updated_at":` + ts + `}`
	secretJSON     = `{"key":"abc123","kid":"k1","secret":"s3cr3t-value"}`
)

// stubAPI is the management API as an http.RoundTripper: it records each
// request, checks that it carries a valid management token, and answers
// with the canned reply of its route.
type stubAPI struct {
	t       *testing.T
	mu      sync.Mutex
	replies map[string]stubReply
	reqs    []stubRequest
}

type stubReply struct {
	status int
	body   string
}

type stubRequest struct {
	Method, Path, RawQuery, Body string
}

func newStub(t *testing.T) *stubAPI {
	t.Helper()
	return &stubAPI{t: t, replies: map[string]stubReply{}}
}

// on answers route ("METHOD /path") with a successful envelope holding
// fields.
func (s *stubAPI) on(route, fields string) *stubAPI {
	body := `{"id":"keyward.test","ver":"1.0","ets":1,"params":{"resmsgid":"r","msgid":null,"status":"successful","err":"","errmsg":""}`
	if fields != "" {
		body += "," + fields
	}
	return s.reply(route, 200, body+"}")
}

// fail answers route with a failed envelope.
func (s *stubAPI) fail(route string, status int, code, msg string) *stubAPI {
	return s.reply(route, status, `{"id":"keyward.test","ver":"1.0","ets":1,"params":{"resmsgid":"r","msgid":null,"status":"failed","err":"`+code+`","errmsg":"`+msg+`"}}`)
}

func (s *stubAPI) reply(route string, status int, body string) *stubAPI {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies[route] = stubReply{status, body}
	return s
}

func (s *stubAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	var c token.Claims
	raw, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if err := token.ParseString(&c, raw); err != nil || c.Profile() != token.Management || c.Key() != testKey {
		s.t.Errorf("%s %s: no management token of %s (err %v)", r.Method, r.URL.Path, testKey, err)
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, stubRequest{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(body)})
	rep, ok := s.replies[r.Method+" "+r.URL.Path]
	s.mu.Unlock()
	if !ok {
		s.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		rep = stubReply{404, `{"params":{"status":"failed","err":"NOT_FOUND","errmsg":"no route"}}`}
	}
	return &http.Response{StatusCode: rep.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(rep.body)), Request: r}, nil
}

// last returns the last request the stub saw.
func (s *stubAPI) last() stubRequest {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reqs) == 0 {
		s.t.Fatal("no request was sent")
	}
	return s.reqs[len(s.reqs)-1]
}

func (s *stubAPI) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// client returns a Client func that calls the stub.
func (s *stubAPI) client() func() (*client.Client, error) {
	return func() (*client.Client, error) {
		return client.New(client.Config{BaseURL: "http://keyward.test", Key: testKey, Secret: testSecret,
			HTTPClient: &http.Client{Transport: s}, NowFunc: func() time.Time { return testClock }})
	}
}

// runOpts returns apiOptions wired to stub, with stdout (and stdin) a
// terminal or not.
func runOpts(stub *stubAPI, tty bool) (apiOptions, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	ios, in, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetStdinTTY(tty)
	return apiOptions{IO: ios, Client: stub.client()}, in, out, errOut
}

// parseCmd runs the command built by newCmd on cli and returns the options
// runF received.
func parseCmd[T any](t *testing.T, newCmd func(*factory.Factory, *connect.Flags, func(T) error) *cobra.Command, cli string, stdinTTY bool) (T, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	ios.SetStdinTTY(stdinTTY)
	f := &factory.Factory{IOStreams: ios, Getenv: func(string) string { return "" }, NowFunc: func() time.Time { return testClock }}
	var got T
	cmd := newCmd(f, &connect.Flags{}, func(o T) error { got = o; return nil })
	argv, err := shlex.Split(cli)
	if err != nil {
		t.Fatal(err)
	}
	cmd.SetArgs(argv)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	_, err = cmd.ExecuteC()
	return got, err
}

// wantFlagError checks that err is a flag error (or a cobra argument error)
// mentioning want.
func wantFlagError(t *testing.T, cli string, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("%q: error = %v, want %q", cli, err, want)
	}
}

// jsonEq reports whether a and b are the same JSON, or both empty.
func jsonEq(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}

// TestAdminConnection runs "keyward admin" end to end through the factory:
// where the credential comes from, where the server is, and how a refused
// credential maps to the auth exit code.
func TestAdminConnection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	credFile := filepath.Join(dir, "admin.json")
	if err := os.WriteFile(credFile, []byte(`{"key":"`+testKey+`","secret":"`+testSecret+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	badFile := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badFile, []byte(`{"key":"k"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		cli      string
		env      map[string]string
		reply    func(*stubAPI)
		wantHost string
		wantOut  string
		wantErr  string
		wantAuth bool
	}{
		{"credentials file", "--credentials " + credFile + " --server http://kw.test:9 group list", nil,
			func(s *stubAPI) { s.on("GET /v1/groups", `"groups":[`+groupJSON+`]`) }, "kw.test:9", "encoding\t", "", false},
		{"environment", "group list", map[string]string{"KEYWARD_KEY": testKey, "KEYWARD_SECRET": testSecret, "KEYWARD_SERVER": "http://env.test"},
			func(s *stubAPI) { s.on("GET /v1/groups", `"groups":[]`) }, "env.test", "", "", false},
		{"default server", "group list", map[string]string{"KEYWARD_KEY": testKey, "KEYWARD_SECRET": testSecret},
			func(s *stubAPI) { s.on("GET /v1/groups", `"groups":[]`) }, "127.0.0.1:8080", "", "", false},
		{"key without secret", "group list", map[string]string{"KEYWARD_KEY": testKey}, nil, "", "", "set both $KEYWARD_KEY and $KEYWARD_SECRET", false},
		{"missing file", "--credentials " + filepath.Join(dir, "nope.json") + " group list", nil, nil, "", "", "does not exist", false},
		{"bad file", "--credentials " + badFile + " group list", nil, nil, "", "", "with \"key\" and \"secret\"", false},
		{"bad server", "--credentials " + credFile + " --server localhost:8080 group list", nil, nil, "", "", "--server", false},
		{"refused", "--credentials " + credFile + " group list", nil,
			func(s *stubAPI) { s.fail("GET /v1/groups", 401, "TOKEN_REVOKED", "revoked") }, "", "", "TOKEN_REVOKED: revoked", true},
		{"forbidden", "--credentials " + credFile + " account list", nil,
			func(s *stubAPI) { s.fail("GET /v1/accounts", 403, "FORBIDDEN", "admins only") }, "", "", "FORBIDDEN: admins only", true},
		{"not found", "--credentials " + credFile + " group show x", nil,
			func(s *stubAPI) { s.fail("GET /v1/groups/x", 404, "NOT_FOUND", "no group x") }, "", "", "NOT_FOUND: no group x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newStub(t)
			if tt.reply != nil {
				tt.reply(stub)
			}
			var host string
			ios, _, out, _ := iostreams.Test()
			f := &factory.Factory{
				IOStreams: ios,
				Getenv:    func(k string) string { return tt.env[k] },
				NowFunc:   func() time.Time { return testClock },
				HTTPClient: func() (*http.Client, error) {
					return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
						host = r.URL.Host
						return stub.RoundTrip(r)
					})}, nil
				},
			}
			cmd := NewCmdAdmin(f)
			argv, _ := shlex.Split(tt.cli)
			cmd.SetArgs(argv)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tt.wantErr != "" {
				wantFlagError(t, tt.cli, err, tt.wantErr)
				if got := errors.Is(err, cmderror.ErrAuth); got != tt.wantAuth {
					t.Errorf("%q: errors.Is(err, ErrAuth) = %v, want %v", tt.cli, got, tt.wantAuth)
				}
				if strings.Contains(err.Error(), testSecret) {
					t.Errorf("error leaks the secret")
				}
				return
			}
			if err != nil {
				t.Fatalf("%q: %v", tt.cli, err)
			}
			if host != tt.wantHost {
				t.Errorf("%q called %q, want %q", tt.cli, host, tt.wantHost)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("%q printed %q, want %q", tt.cli, out, tt.wantOut)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestConfirm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		yes     bool
		tty     bool
		answer  string
		wantErr error
	}{
		{"yes flag", true, false, "", nil},
		{"no terminal", false, false, "y\n", nil},
		{"answered y", false, true, "y\n", nil},
		{"answered yes", false, true, "YES\n", nil},
		{"answered n", false, true, "n\n", cmderror.ErrCancel},
		{"no answer", false, true, "", cmderror.ErrCancel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, in, _, errOut := iostreams.Test()
			ios.SetStdinTTY(tt.tty)
			in.WriteString(tt.answer)
			err := confirm(ios, tt.yes, "Delete it?")
			if tt.name == "no terminal" {
				if _, ok := errors.AsType[*cmderror.FlagError](err); !ok || !strings.Contains(err.Error(), "--yes required") {
					t.Fatalf("confirm without a terminal = %v, want the --yes flag error", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) && err != tt.wantErr {
				t.Errorf("confirm(yes=%v, %q) = %v, want %v", tt.yes, tt.answer, err, tt.wantErr)
			}
			if tt.tty && !tt.yes && !strings.Contains(errOut.String(), "Delete it? [y/N]") {
				t.Errorf("prompt = %q, want the question", errOut)
			}
		})
	}
}

// exporter returns a --json exporter over allowed with fields selected (all
// when none are given), as the flag would make it.
func exporter(t *testing.T, allowed []string, fields ...string) cliflag.JSONExporter {
	t.Helper()
	var e cliflag.JSONExporter
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	cliflag.AddJSON(cmd, &e, allowed)
	arg := "--json"
	if len(fields) > 0 {
		arg += "=" + strings.Join(fields, ",")
	}
	cmd.SetArgs([]string{arg})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	return e
}

// testClockLocal is how a terminal shows the canned objects' created_at.
var testClockLocal = time.Date(2027, 1, 15, 8, 0, 0, 0, time.UTC).Local().Format("2006-01-02 15:04")

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func ptr[T any](v T) *T { return &v }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func splitLines(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' })
}

// Short names for the constructor signature in table tests.
type (
	factoryT = factory.Factory
	cobraCmd = cobra.Command
)
