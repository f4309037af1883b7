package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/token"
)

const (
	testKey    = "0123456789abcdef01234567"
	testSecret = "client-test-secret-0123456789abcdef"
)

var testClock = time.Unix(1_800_000_000, 0).UTC()

// seen is one request as the test server received it, after its token was
// verified.
type seen struct {
	Method   string
	Path     string
	RawQuery string
	Body     string
	Profile  token.Profile
	Token    string
	Claims   map[string]any
	Header   http.Header
}

// testBundle is a keyward stand-in: it verifies every token against
// testSecret and answers with the canned reply of the route.
type testBundle struct {
	srv    *httptest.Server
	client *client.Client
	now    *time.Time

	mu      sync.Mutex
	reqs    []seen
	replies map[string]reply // "METHOD /path" → reply
}

type reply struct {
	status int
	header map[string]string
	body   string
}

// envelope renders a successful envelope with fields at the top level.
func envelope(id, fields string) string {
	s := `{"id":"` + id + `","ver":"1.0","ets":1800000000000,"params":{"resmsgid":"r-1","msgid":null,"status":"successful","err":"","errmsg":""}`
	if fields != "" {
		s += "," + fields
	}
	return s + "}"
}

// failure renders a failed envelope.
func failure(id, code, msg string) string {
	return `{"id":"` + id + `","ver":"1.0","ets":1800000000000,"params":{"resmsgid":"r-2","msgid":null,"status":"failed","err":"` + code + `","errmsg":"` + msg + `"}}`
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	now := testClock
	b := &testBundle{now: &now, replies: map[string]reply{}}
	verifier, err := token.NewVerifier(token.Config{NowFunc: b.clock})
	if err != nil {
		t.Fatal(err)
	}
	secret := token.MustSecret("", []byte(testSecret))
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := seen{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Body: string(body), Header: r.Header}
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			var data struct {
				Data string `json:"data"`
			}
			_ = json.Unmarshal(body, &data)
			raw = data.Data
		}
		var c token.Claims
		err := token.ParseString(&c, raw)
		if err == nil {
			bind := &token.Binding{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, APIID: c.APIID()}
			err = verifier.Verify(&c, []*token.Secret{secret}, token.AllProfiles, bind)
		}
		if err != nil || c.Key() != testKey {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, failure("keyward.auth", string(token.CodeOf(err)), "token refused"))
			return
		}
		s.Profile, s.Token = c.Profile(), raw
		_ = json.Unmarshal(c.Payload(), &s.Claims)
		b.mu.Lock()
		b.reqs = append(b.reqs, s)
		rep, ok := b.replies[r.Method+" "+r.URL.Path]
		b.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, failure("keyward.route", "NOT_FOUND", "no such route"))
			return
		}
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		if rep.status != 0 {
			w.WriteHeader(rep.status)
		}
		io.WriteString(w, rep.body)
	}))
	t.Cleanup(b.srv.Close)
	b.client = b.newClient(t, b.srv.URL)
	return b
}

func (b *testBundle) clock() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return *b.now
}

func (b *testBundle) advance(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	*b.now = b.now.Add(d)
}

func (b *testBundle) newClient(t *testing.T, baseURL string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{BaseURL: baseURL, Key: testKey, Secret: testSecret, NowFunc: b.clock, UserAgent: "kw-test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (b *testBundle) reply(route string, status int, body string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.replies[route] = reply{status: status, body: body}
}

func (b *testBundle) requests() []seen {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]seen(nil), b.reqs...)
}

func (b *testBundle) last(t *testing.T) seen {
	t.Helper()
	r := b.requests()
	if len(r) == 0 {
		t.Fatal("the server saw no authenticated request")
	}
	return r[len(r)-1]
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     client.Config
		wantErr string
	}{
		{"ok", client.Config{BaseURL: "http://127.0.0.1:8080", Key: "k", Secret: "s"}, ""},
		{"ok with prefix", client.Config{BaseURL: "https://kw.example/api/", Key: "k", Secret: "s"}, ""},
		{"no base", client.Config{Key: "k", Secret: "s"}, "BaseURL is required"},
		{"relative base", client.Config{BaseURL: "127.0.0.1:8080", Key: "k", Secret: "s"}, "not an http or https URL"},
		{"ftp base", client.Config{BaseURL: "ftp://h", Key: "k", Secret: "s"}, "not an http or https URL"},
		{"query in base", client.Config{BaseURL: "http://h/?a=1", Key: "k", Secret: "s"}, "query or fragment"},
		{"no key", client.Config{BaseURL: "http://h", Secret: "s"}, "Key is required"},
		{"no secret", client.Config{BaseURL: "http://h", Key: "k"}, "Secret is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := client.New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("New(%+v) = %v, %v; want a client", tt.cfg, c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New(%+v) error = %v, want %q", tt.cfg, err, tt.wantErr)
			}
		})
	}
}

func TestManagementTokenReuse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.reply("GET /v1/groups", 200, envelope("keyward.group.list", `"groups":[]`))
	ctx := context.Background()
	call := func() string {
		t.Helper()
		if _, err := b.client.ListGroups(ctx); err != nil {
			t.Fatalf("ListGroups: %v", err)
		}
		s := b.last(t)
		if s.Profile != token.Management {
			t.Fatalf("profile = %v, want management", s.Profile)
		}
		return s.Token
	}
	first := call()
	b.advance(23*time.Hour + 58*time.Minute)
	if got := call(); got != first {
		t.Errorf("token changed 2 minutes before expiry; want it reused")
	}
	b.advance(time.Minute + time.Second)
	renewed := call()
	if renewed == first {
		t.Errorf("token reused within a minute of expiry; want a new one")
	}
	if exp := b.last(t).Claims["exp"].(float64); int64(exp) != b.clock().Add(24*time.Hour).Unix() {
		t.Errorf("new token exp = %v, want now + 24h", exp)
	}
	s := b.last(t)
	if s.Claims["type"] != "management" || s.Claims["version"] != float64(2) || s.Claims["access_key"] != testKey {
		t.Errorf("claims = %v, want a management token of %s", s.Claims, testKey)
	}
	if ua := s.Header.Get("User-Agent"); ua != "kw-test" {
		t.Errorf("User-Agent = %q, want kw-test", ua)
	}
}

func TestManagementTokenDroppedOn401(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.reply("GET /v1/me", 200, envelope("keyward.me", `"account":{"id":1},"credential":{"id":2,"key":"`+testKey+`","groups":[]}`))
	b.reply("GET /v1/groups", 401, failure("keyward.auth", "TOKEN_REVOKED", "revoked"))
	ctx := context.Background()
	if _, err := b.client.Me(ctx); err != nil {
		t.Fatal(err)
	}
	first := b.last(t).Token
	if _, err := b.client.ListGroups(ctx); !errors.Is(err, token.ErrRevoked) {
		t.Fatalf("ListGroups error = %v, want TOKEN_REVOKED", err)
	}
	b.advance(time.Second) // a new token differs in iat and jti anyway
	if _, err := b.client.Me(ctx); err != nil {
		t.Fatal(err)
	}
	if b.last(t).Token == first {
		t.Errorf("the refused token was reused; want a fresh one after a 401")
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		wantIs     []error
		wantNotIs  []error
		wantCode   string
		wantStatus int
		wantRetry  time.Duration
		wantText   string
	}{
		{"not found", 404, nil, failure("keyward.group.get", "NOT_FOUND", "no group x"),
			[]error{client.ErrNotFound}, []error{client.ErrConflict, client.ErrUnauthorized}, "NOT_FOUND", 404, 0, "keyward: NOT_FOUND: no group x (HTTP 404)"},
		{"expired", 401, nil, failure("keyward.group.get", "TOKEN_EXPIRED", "token expired"),
			[]error{client.ErrUnauthorized, token.ErrExpired}, []error{client.ErrForbidden, token.ErrSignature}, "TOKEN_EXPIRED", 401, 0, "TOKEN_EXPIRED"},
		{"group not granted", 403, nil, failure("keyward.group.get", "GROUP_NOT_GRANTED", "no"),
			[]error{client.ErrForbidden, token.ErrGroupNotGranted}, []error{client.ErrUnauthorized}, "GROUP_NOT_GRANTED", 403, 0, "GROUP_NOT_GRANTED"},
		{"rate limited", 429, map[string]string{"Retry-After": "7"}, failure("keyward.group.get", "RATE_LIMITED", "slow down"),
			[]error{client.ErrRateLimited}, nil, "RATE_LIMITED", 429, 7 * time.Second, "RATE_LIMITED"},
		{"failed envelope with 200", 200, nil, failure("keyward.group.get", "CONFLICT", "busy"),
			[]error{client.ErrConflict}, nil, "CONFLICT", 200, 0, "CONFLICT"},
		{"proxy page", 502, nil, "<html>bad gateway</html>",
			[]error{&client.Error{HTTPStatus: 502}}, []error{client.ErrInternal}, "", 502, 0, "keyward: HTTP_502: Bad Gateway (HTTP 502)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			c, err := client.New(client.Config{BaseURL: srv.URL, Key: testKey, Secret: testSecret})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetGroup(context.Background(), "x")
			e, ok := errors.AsType[*client.Error](err)
			if !ok {
				t.Fatalf("GetGroup error = %#v, want *client.Error", err)
			}
			if e.Code != tt.wantCode || e.HTTPStatus != tt.wantStatus || e.RetryAfter != tt.wantRetry {
				t.Errorf("error = %+v, want code %q status %d retry %v", e, tt.wantCode, tt.wantStatus, tt.wantRetry)
			}
			if !strings.Contains(e.Error(), tt.wantText) {
				t.Errorf("Error() = %q, want it to contain %q", e.Error(), tt.wantText)
			}
			for _, target := range tt.wantIs {
				if !errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = false, want true", err, target)
				}
			}
			for _, target := range tt.wantNotIs {
				if errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = true, want false", err, target)
				}
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err                                error
		notFound, conflict, auth, rateLimd bool
	}{
		{&client.Error{HTTPStatus: 404, Code: "NOT_FOUND"}, true, false, false, false},
		{&client.Error{HTTPStatus: 404, Code: "ROOM_NOT_FOUND"}, true, false, false, false},
		{&client.Error{HTTPStatus: 404, Code: "PEER_NOT_FOUND"}, true, false, false, false},
		{fmt.Errorf("get room: %w", &client.Error{HTTPStatus: 404, Code: "ROOM_NOT_FOUND"}), true, false, false, false},
		{&client.Error{HTTPStatus: 409, Code: "CONFLICT"}, false, true, false, false},
		{&client.Error{HTTPStatus: 401, Code: "TOKEN_SIGNATURE"}, false, false, true, false},
		{&client.Error{HTTPStatus: 403, Code: "FORBIDDEN"}, false, false, true, false},
		{&client.Error{HTTPStatus: 429, Code: "RATE_LIMITED"}, false, false, false, true},
		{errors.New("plain"), false, false, false, false},
	}
	for _, tt := range tests {
		got := [4]bool{client.IsNotFound(tt.err), client.IsConflict(tt.err), client.IsAuth(tt.err), client.IsRateLimited(tt.err)}
		want := [4]bool{tt.notFound, tt.conflict, tt.auth, tt.rateLimd}
		if got != want {
			t.Errorf("helpers(%v) = %v, want %v", tt.err, got, want)
		}
	}
}

func TestMalformedSuccess(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html>welcome</html>")
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, Key: testKey, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListGroups(context.Background()); !errors.Is(err, client.ErrMalformedResponse) {
		t.Fatalf("ListGroups error = %v, want ErrMalformedResponse", err)
	}
}

func TestSecretRedacted(t *testing.T) {
	t.Parallel()
	s := &client.Secret{Key: "k", KID: "k1", Value: "hunter2hunter2"}
	for _, format := range []string{"%v", "%s", "%#v", "%+v"} {
		if got := fmt.Sprintf(format, s); strings.Contains(got, "hunter2") {
			t.Errorf("Sprintf(%q, secret) = %q leaks the value", format, got)
		}
	}
}
