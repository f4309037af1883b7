// Package gateway sets up the targets of keyward's door and gateway
// benchmark (issue 5) and runs wrk against them.
//
// [Start] serves five targets, each on its own 127.0.0.1 port, in one
// process:
//
//   - (a) [Plain]: a handler that answers {"ok":true};
//   - (b) [Door]: the same handler behind keyward's door
//     ([auth.Authenticator.Require]) accepting management tokens;
//   - (c) [GolangJWT]: the same handler behind a middleware built on
//     golang-jwt/jwt/v5 that checks what the door checks for that profile;
//   - (d) [Gateway]: keyward's gateway mode proxying every path to (a);
//   - (e) [BareProxy]: a bare httputil.ReverseProxy to (a), with the
//     gateway's transport settings.
//
// The gatewaybench command (go run ./cmd/gatewaybench) drives them with wrk
// and prints the table. Import this package as gatewaybench: its name
// clashes with keyward's own gateway package, which it imports as
// kwgateway.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/auth/authtest"
	kwgateway "github.com/keyward/keyward/internal/gateway"
	"github.com/keyward/keyward/token"
)

// The targets' names, as the gatewaybench table shows them.
const (
	Plain     = "plain handler"
	Door      = "keyward door"
	GolangJWT = "golang-jwt/jwt/v5 middleware"
	Gateway   = "keyward gateway"
	BareProxy = "bare httputil.ReverseProxy"
)

// The API ids of the door's and the gateway's routes.
const (
	DoorAPIID    = "bench"
	GatewayAPIID = "bench.gw"
)

// TokenLifetime is the lifetime of the tokens [Fixture.Tokens] mints: the
// longest the management profile allows.
const TokenLifetime = 24 * time.Hour

// Fixture is the one credential every authenticating target knows.
type Fixture struct {
	// AccessKey is the credential's public key (the access_key claim).
	AccessKey string
	// Secret is its HMAC secret: 64 hex characters, as keyward issues them.
	Secret []byte
}

// NewFixture returns the benchmark's fixed credential.
func NewFixture() Fixture {
	return Fixture{
		AccessKey: "65f1c6a3e2b1a4d5c6e7f80a",
		Secret:    []byte("3f9a1c7e5b2d4f6081a3c5e7092b4d6f8a1c3e5079b2d4f6a8c0e2b4d6f8a1c3"),
	}
}

// Key returns the credential as the door's key source holds it: active,
// one secret, no groups.
func (f Fixture) Key() auth.Key {
	return auth.Key{
		Key:          f.AccessKey,
		CredentialID: 1,
		AccountID:    1,
		OwnerRole:    auth.RoleDeveloper,
		Active:       true,
		Secrets:      []auth.Secret{{Secret: f.Secret}},
	}
}

// Tokens mints n distinct management tokens (each its own random jti)
// issued at now and valid for [TokenLifetime], with keyward's token
// package.
func (f Fixture) Tokens(n int, now time.Time) ([]string, error) {
	out := make([]string, n)
	for i := range out {
		tok, err := token.New(token.Management, f.AccessKey, f.Secret).
			SetIssuedAt(now).SetTTL(TokenLifetime).ToJWT()
		if err != nil {
			return nil, fmt.Errorf("mint token %d: %w", i, err)
		}
		out[i] = tok
	}
	return out, nil
}

// okBody is what the plain handler answers.
var okBody = []byte(`{"ok":true}`)

// Handler returns the plain handler: 200 with {"ok":true} for any request.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(okBody)
	})
}

// Transport returns the upstream transport of both proxies: the settings
// keyward's gateway uses by default (http.DefaultTransport's, with 1024 idle
// connections and 256 per host, and a response-header timeout of
// [kwgateway.DefaultTimeout]), with no proxy from the environment, so
// nothing leaves loopback. Each call returns a new Transport.
func Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 256
	t.ResponseHeaderTimeout = kwgateway.DefaultTimeout
	return t
}

// Config configures [Start].
type Config struct {
	// Fixture is the credential the authenticating targets accept. Default
	// [NewFixture].
	Fixture Fixture
	// Logger receives the door's and the gateway's internal errors.
	// Default slog.Default().
	Logger *slog.Logger
}

// Target is one server under test.
type Target struct {
	// Label is the target's letter in issue 5: "a" to "e".
	Label string
	// Name is one of [Plain], [Door], [GolangJWT], [Gateway], [BareProxy].
	Name string
	// URL is where it listens: http://127.0.0.1:port/.
	URL string
	// Auth says whether it requires a token.
	Auth bool

	server *http.Server
}

// Targets are the five servers [Start] started.
type Targets struct {
	Plain, Door, GolangJWT, Gateway, BareProxy *Target

	closers []io.Closer
}

// Start starts the five targets on 127.0.0.1 ports. Call [Targets.Close]
// to stop them.
func Start(cfg Config) (_ *Targets, err error) {
	if cfg.Fixture.AccessKey == "" {
		cfg.Fixture = NewFixture()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ts := &Targets{}
	defer func() {
		if err != nil {
			ts.Close()
		}
	}()
	h := Handler()
	if ts.Plain, err = ts.serve("a", Plain, false, h); err != nil {
		return nil, err
	}

	door, err := ts.authenticator(cfg)
	if err != nil {
		return nil, err
	}
	mw := door.Require(auth.Route{APIID: DoorAPIID, Profiles: token.ProfileSet(token.Management)})
	if ts.Door, err = ts.serve("b", Door, true, mw(h)); err != nil {
		return nil, err
	}

	secrets := map[string][]byte{cfg.Fixture.AccessKey: cfg.Fixture.Secret}
	if ts.GolangJWT, err = ts.serve("c", GolangJWT, true, GolangJWTMiddleware(secrets)(h)); err != nil {
		return nil, err
	}

	upstream, err := url.Parse(ts.Plain.URL)
	if err != nil {
		return nil, fmt.Errorf("upstream url: %w", err)
	}
	gwAuth, err := ts.authenticator(cfg)
	if err != nil {
		return nil, err
	}
	gw, err := kwgateway.New(kwgateway.Config{
		Routes: []kwgateway.Route{{
			Prefix:   "/",
			Upstream: upstream,
			Auth:     auth.Route{APIID: GatewayAPIID, Profiles: token.ProfileSet(token.Management)},
		}},
		Transport: Transport(),
	})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	gwMux, err := auth.NewMux(gwAuth, gw.Endpoints()...)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	if ts.Gateway, err = ts.serve("d", Gateway, true, gwMux); err != nil {
		return nil, err
	}

	bare := httputil.NewSingleHostReverseProxy(upstream)
	bare.Transport = Transport()
	// Like the gateway, say nothing of requests whose client went away (wrk
	// closes its connections mid-request when a run ends).
	bare.ErrorLog = log.New(io.Discard, "", 0)
	if ts.BareProxy, err = ts.serve("e", BareProxy, false, bare); err != nil {
		return nil, err
	}
	return ts, nil
}

// authenticator returns a door over an in-memory key source holding the
// fixture: no usage sink, no limiter, the default in-memory replay store.
func (ts *Targets) authenticator(cfg Config) (*auth.Authenticator, error) {
	a, err := auth.New(auth.Config{Keys: authtest.NewSource(cfg.Fixture.Key()), Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("door: %w", err)
	}
	ts.closers = append(ts.closers, a)
	return a, nil
}

// serve starts h on a new 127.0.0.1 port.
func (ts *Targets) serve(label, name string, needsAuth bool, h http.Handler) (*Target, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("%s: listen: %w", name, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	go srv.Serve(ln)
	t := &Target{Label: label, Name: name, URL: "http://" + ln.Addr().String() + "/", Auth: needsAuth, server: srv}
	ts.closers = append(ts.closers, srv)
	return t, nil
}

// All returns the targets in the order a to e.
func (ts *Targets) All() []*Target {
	return []*Target{ts.Plain, ts.Door, ts.GolangJWT, ts.Gateway, ts.BareProxy}
}

// Close stops the servers and the doors.
func (ts *Targets) Close() error {
	var errs []error
	for i := len(ts.closers) - 1; i >= 0; i-- {
		errs = append(errs, ts.closers[i].Close())
	}
	return errors.Join(errs...)
}

// Check proves that no target would be measured on an error path: every
// target answers GET / with good (a valid token) 200 and {"ok":true}, and
// every authenticating target answers it with bad 401.
func (ts *Targets) Check(ctx context.Context, client *http.Client, good, bad string) error {
	var errs []error
	for _, t := range ts.All() {
		status, body, err := Get(ctx, client, t.URL, good)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("(%s) %s: valid token: %w", t.Label, t.Name, err))
		case status != http.StatusOK || strings.TrimSpace(body) != string(okBody):
			errs = append(errs, fmt.Errorf("(%s) %s: valid token: got %d %q, want 200 %s", t.Label, t.Name, status, body, okBody))
		}
		if !t.Auth {
			continue
		}
		status, body, err = Get(ctx, client, t.URL, bad)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("(%s) %s: bad token: %w", t.Label, t.Name, err))
		case status != http.StatusUnauthorized:
			errs = append(errs, fmt.Errorf("(%s) %s: bad token: got %d %q, want 401", t.Label, t.Name, status, body))
		}
	}
	return errors.Join(errs...)
}

// Get sends GET url with "Authorization: Bearer tok" (none when tok is
// empty) and returns the status and body.
func Get(ctx context.Context, client *http.Client, url, tok string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return 0, "", fmt.Errorf("read body: %w", err)
	}
	return resp.StatusCode, string(b), nil
}
