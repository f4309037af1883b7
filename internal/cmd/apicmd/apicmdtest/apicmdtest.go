// Package apicmdtest runs API commands (package apicmd) from their command
// line against a stub of the management API, for table tests: each case is
// an argv, what the stub answers, the requests the command must send and
// what it must print.
package apicmdtest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/shlex"
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
	"github.com/keyward/keyward/token"
)

// The credential the commands sign with, the server they call and the
// clock they run at.
const (
	Key    = "0123456789abcdef01234567"
	Secret = "apicmd-test-secret-0123456789abcdef"
	Server = "http://keyward.test"
	// TS is the canned objects' times, as JSON.
	TS = `"2027-01-15T08:00:00Z"`
)

// Clock is the commands' clock, an hour after [TS].
var Clock = time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC)

// Local is how a terminal shows [TS].
var Local = time.Date(2027, 1, 15, 8, 0, 0, 0, time.UTC).Local().Format("2006-01-02 15:04")

// Stub is the management API as an http.RoundTripper: it records each
// request, checks that it carries a management token of [Key], and answers
// with the canned reply of its route.
type Stub struct {
	t       testing.TB
	mu      sync.Mutex
	replies map[string]reply
	reqs    []Request
}

type reply struct {
	status int
	body   string
}

// Request is one request the stub saw.
type Request struct {
	Method, Path, RawQuery, Body string
}

// String is "METHOD /escaped/path?query body".
func (r Request) String() string {
	s := r.Method + " " + r.Path
	if r.RawQuery != "" {
		s += "?" + r.RawQuery
	}
	if r.Body != "" {
		s += " " + r.Body
	}
	return s
}

// NewStub returns a stub that answers no route yet.
func NewStub(t testing.TB) *Stub { return &Stub{t: t, replies: map[string]reply{}} }

// On answers route ("METHOD /path") with a successful envelope holding the
// JSON object members fields ("" for none).
func (s *Stub) On(route, fields string) *Stub {
	body := `{"id":"keyward.test","ver":"1.0","ets":1,"params":{"resmsgid":"r","msgid":null,"status":"successful","err":"","errmsg":""}`
	if fields != "" {
		body += "," + fields
	}
	return s.reply(route, 200, body+"}")
}

// Fail answers route with a failed envelope.
func (s *Stub) Fail(route string, status int, code, msg string) *Stub {
	return s.reply(route, status, `{"id":"keyward.test","ver":"1.0","ets":1,"params":{"resmsgid":"r","msgid":null,"status":"failed","err":"`+code+`","errmsg":"`+msg+`"}}`)
}

func (s *Stub) reply(route string, status int, body string) *Stub {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies[route] = reply{status, body}
	return s
}

// RoundTrip records r and answers it.
func (s *Stub) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	var c token.Claims
	raw, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if err := token.ParseString(&c, raw); err != nil || c.Profile() != token.Management || c.Key() != Key {
		s.t.Errorf("%s %s: no management token of %s (err %v)", r.Method, r.URL.Path, Key, err)
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(body)})
	rep, ok := s.replies[r.Method+" "+r.URL.Path]
	s.mu.Unlock()
	if !ok {
		s.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		rep = reply{404, `{"params":{"status":"failed","err":"NOT_FOUND","errmsg":"no route"}}`}
	}
	return &http.Response{StatusCode: rep.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(rep.body)), Request: r}, nil
}

// Requests returns the requests seen so far.
func (s *Stub) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Case is one command line and what it must do.
type Case struct {
	// CLI is the argv after the group's name, split as a shell would.
	CLI string
	// TTY makes stdin and stdout terminals; Stdin is what stdin holds.
	TTY   bool
	Stdin string
	// Env is the environment; nil means KEYWARD_KEY, KEYWARD_SECRET and
	// KEYWARD_SERVER of [Key], [Secret] and [Server].
	Env map[string]string
	// Host, if set, is the host every request must go to.
	Host string
	// NowFunc is the commands' clock; nil means [Clock]. A test against a
	// real server gives time.Now.
	NowFunc func() time.Time
	// On maps routes ("METHOD /path") to the envelope fields the stub
	// answers with; a value "!STATUS:CODE message" answers with a failure.
	On map[string]string
	// Sent are the requests the command must send, each as
	// [Request.String] gives it (bodies compared as JSON), one a line; ""
	// means none.
	Sent string
	// Out is stdout: compared as JSON when it starts with { or [, as a
	// substring when it starts with ~, exactly otherwise.
	Out string
	// ErrOut is a substring stderr must hold; "=" before it asks for all of
	// stderr exactly.
	ErrOut string
	// Err is a substring of the error the command must fail with, "" for
	// success; Is, if set, is an error it must match (errors.Is), and
	// FlagError asks for a usage error (exit 2).
	Err       string
	Is        error
	FlagError bool
}

// Run runs each case against the command group newGroup builds, as
// "keyward GROUP …".
func Run(t *testing.T, newGroup func(*factory.Factory) *cobra.Command, cases []Case) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.CLI, func(t *testing.T) {
			t.Parallel()
			stub := NewStub(t)
			for route, fields := range tc.On {
				if rest, ok := strings.CutPrefix(fields, "!"); ok {
					var status int
					code, msg, _ := strings.Cut(rest, " ")
					status, code = statusOf(code)
					stub.Fail(route, status, code, msg)
					continue
				}
				stub.On(route, fields)
			}
			out, errOut, err := Exec(t, newGroup, hostCheck(t, tc.Host, stub), tc)
			check(t, tc, stub, out, errOut, err)
		})
	}
}

// statusOf splits "404:NOT_FOUND" into 404 and NOT_FOUND.
func statusOf(s string) (int, string) {
	n, code, _ := strings.Cut(s, ":")
	status, _ := strconv.Atoi(n)
	return status, code
}

// hostCheck passes requests on to next, failing t on one to another host
// than host.
func hostCheck(t *testing.T, host string, next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if host != "" && r.URL.Host != host {
			t.Errorf("%s %s went to %s, want %s", r.Method, r.URL.Path, r.URL.Host, host)
		}
		return next.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Exec runs "keyward GROUP tc.CLI" against stub as tc says (TTY, Stdin,
// Env) and returns stdout, stderr and the error.
func Exec(t testing.TB, newGroup func(*factory.Factory) *cobra.Command, stub http.RoundTripper, tc Case) (string, string, error) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tc.TTY)
	ios.SetStdinTTY(tc.TTY)
	in.WriteString(tc.Stdin)
	if tc.NowFunc == nil {
		tc.NowFunc = func() time.Time { return Clock }
	}
	env := tc.Env
	if env == nil {
		env = map[string]string{"KEYWARD_KEY": Key, "KEYWARD_SECRET": Secret, "KEYWARD_SERVER": Server}
	}
	f := &factory.Factory{
		IOStreams:  ios,
		Getenv:     func(k string) string { return env[k] },
		NowFunc:    tc.NowFunc,
		HTTPClient: func() (*http.Client, error) { return &http.Client{Transport: stub}, nil },
	}
	root := &cobra.Command{Use: "keyward", SilenceErrors: true, SilenceUsage: true}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmderror.FlagErrorWrap(err) })
	group := newGroup(f)
	root.AddCommand(group)
	argv, err := shlex.Split(tc.CLI)
	if err != nil {
		t.Fatal(err)
	}
	root.SetArgs(append([]string{strings.Fields(group.Use)[0]}, argv...))
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	err = root.Execute()
	return out.String(), errOut.String(), err
}

func check(t *testing.T, tc Case, stub *Stub, out, errOut string, err error) {
	t.Helper()
	switch {
	case tc.Err == "" && err != nil:
		t.Fatalf("error %v", err)
	case tc.Err != "" && (err == nil || !strings.Contains(err.Error(), tc.Err)):
		t.Fatalf("error %v, want %q", err, tc.Err)
	case tc.Is != nil && !errors.Is(err, tc.Is):
		t.Errorf("error %v is not %v", err, tc.Is)
	}
	if _, ok := errors.AsType[*cmderror.FlagError](err); ok != tc.FlagError {
		t.Errorf("error %v: a flag error is %v, want %v", err, ok, tc.FlagError)
	}
	if err != nil && strings.Contains(err.Error(), Secret) {
		t.Errorf("error leaks the secret")
	}
	var sent []string
	reqs := stub.Requests()
	wants := strings.Split(tc.Sent, "\n")
	for i, r := range reqs {
		if i < len(wants) && sameRequest(r, wants[i]) {
			sent = append(sent, wants[i])
		} else {
			sent = append(sent, r.String())
		}
	}
	if got := strings.Join(sent, "\n"); got != tc.Sent {
		t.Errorf("sent\n%s\nwant\n%s", got, tc.Sent)
	}
	switch {
	case strings.HasPrefix(tc.Out, "~"):
		if !strings.Contains(out, tc.Out[1:]) {
			t.Errorf("stdout\n%q\nwant it to hold %q", out, tc.Out[1:])
		}
	case strings.HasPrefix(tc.Out, "{") || strings.HasPrefix(tc.Out, "["):
		if !JSONEq(out, tc.Out) {
			t.Errorf("stdout %s\nwant %s", out, tc.Out)
		}
	case out != tc.Out:
		t.Errorf("stdout\n%q\nwant\n%q", out, tc.Out)
	}
	if exact, ok := strings.CutPrefix(tc.ErrOut, "="); ok && errOut != exact || !ok && !strings.Contains(errOut, tc.ErrOut) {
		t.Errorf("stderr %q, want %q", errOut, tc.ErrOut)
	}
}

// sameRequest reports whether r is want, comparing bodies as JSON.
func sameRequest(r Request, want string) bool {
	line := r.Method + " " + r.Path
	if r.RawQuery != "" {
		line += "?" + r.RawQuery
	}
	rest, ok := strings.CutPrefix(want, line)
	if !ok {
		return false
	}
	if rest == "" || r.Body == "" {
		return rest == "" && r.Body == ""
	}
	return strings.HasPrefix(rest, " ") && JSONEq(rest[1:], r.Body)
}

// JSONEq reports whether a and b are the same JSON value.
func JSONEq(a, b string) bool {
	var x, y any
	ea, eb := json.Unmarshal([]byte(a), &x), json.Unmarshal([]byte(b), &y)
	return ea == nil && eb == nil && reflect.DeepEqual(x, y)
}
