package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/keyward/keyward/token"
)

// Defaults of [Config].
const (
	// DefaultUserAgent is the User-Agent header sent when Config.UserAgent is
	// empty.
	DefaultUserAgent = "keyward-go-client/1"
	// DefaultTimeout is the timeout of the HTTP client made when
	// Config.HTTPClient is nil.
	DefaultTimeout = 30 * time.Second
	// MaxResponseSize is the largest response body the client reads; a
	// larger one is an error.
	MaxResponseSize = 16 << 20
)

// managementTTL is the lifetime of the management tokens the client mints,
// and tokenRefresh how long before their expiry a new one is minted.
const (
	managementTTL = 24 * time.Hour
	tokenRefresh  = time.Minute
)

// Config configures a [Client].
type Config struct {
	// BaseURL is the server's address, e.g. "http://127.0.0.1:8080".
	// Required; http or https. A path in it (a reverse proxy's prefix) is
	// put before every API path, but is not part of what request and qsh
	// tokens sign: they sign the path the keyward server itself sees.
	BaseURL string
	// Key is the credential's key (the token's access_key or iss). Required.
	Key string
	// Secret is the credential's secret, used as it is. Required.
	Secret string
	// KeyID optionally names which of the credential's secrets Secret is; it
	// is written as the tokens' kid header. Default "": the server tries
	// each active secret.
	KeyID string
	// HTTPClient sends the requests. Default: a new http.Client with a
	// timeout of [DefaultTimeout].
	HTTPClient *http.Client
	// NowFunc is the clock used to sign tokens. Default time.Now.
	NowFunc func() time.Time
	// UserAgent is the User-Agent header. Default [DefaultUserAgent].
	UserAgent string
}

// Client calls one keyward server with one credential. It is safe for
// concurrent use; make one and reuse it, so that its management token is
// reused too.
type Client struct {
	base      *url.URL
	key       string
	secret    []byte
	kid       string
	http      *http.Client
	now       func() time.Time
	userAgent string

	mu         sync.Mutex
	mgmtToken  string
	mgmtExpiry time.Time
}

// New returns a Client for cfg with its defaults filled in. It fails when
// BaseURL is not an absolute http or https URL, or when Key or Secret is
// empty.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("client: BaseURL is required")
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("client: BaseURL %q is not an http or https URL", cfg.BaseURL)
	}
	if base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("client: BaseURL %q has a query or fragment", cfg.BaseURL)
	}
	base.Path = strings.TrimRight(base.Path, "/")
	base.RawPath = ""
	if cfg.Key == "" {
		return nil, errors.New("client: Key is required")
	}
	if cfg.Secret == "" {
		return nil, errors.New("client: Secret is required")
	}
	c := &Client{
		base:      base,
		key:       cfg.Key,
		secret:    []byte(cfg.Secret),
		kid:       cfg.KeyID,
		http:      cfg.HTTPClient,
		now:       cfg.NowFunc,
		userAgent: cfg.UserAgent,
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: DefaultTimeout}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	return c, nil
}

// Key returns the key the client signs with.
func (c *Client) Key() string { return c.key }

// BaseURL returns the server address the client calls.
func (c *Client) BaseURL() string { return c.base.String() }

// managementToken returns the cached management token, minting a new one
// when there is none or it expires within a minute.
func (c *Client) managementToken() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.mgmtToken != "" && now.Before(c.mgmtExpiry.Add(-tokenRefresh)) {
		return c.mgmtToken, nil
	}
	tok, err := token.New(token.Management, c.key, c.secret).
		SetNowFunc(c.now).SetKeyID(c.kid).SetIssuedAt(now).SetTTL(managementTTL).ToJWT()
	if err != nil {
		return "", fmt.Errorf("client: sign management token: %w", err)
	}
	c.mgmtToken, c.mgmtExpiry = tok, now.Add(managementTTL)
	return tok, nil
}

// dropManagementToken forgets the cached token if it is still tok, after the
// server refused it, so that the next call mints a fresh one.
func (c *Client) dropManagementToken(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mgmtToken == tok {
		c.mgmtToken = ""
	}
}

// apiRequest is one HTTP request to the server, before it is sent.
type apiRequest struct {
	method   string
	path     string // the API path, escaped, without the base path
	rawQuery string
	body     []byte // JSON, or nil for none
	bearer   string
	mgmt     bool // bearer is the cached management token
}

// send performs r and decodes the envelope. A failure status or envelope
// yields both the Response and an *Error; a body that is not an envelope
// yields a Response with only HTTPStatus, Header and Body set, and, for a
// success status, an error wrapping ErrMalformedResponse.
func (c *Client) send(ctx context.Context, r *apiRequest) (*Response, error) {
	u := *c.base
	u.Path = c.base.Path + mustUnescape(r.path)
	u.RawPath = c.base.EscapedPath() + r.path
	u.RawQuery = r.rawQuery
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", r.method, r.path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", r.method, r.path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, MaxResponseSize+1))
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: read response: %w", r.method, r.path, err)
	}
	if len(raw) > MaxResponseSize {
		return nil, fmt.Errorf("client: %s %s: response larger than %d bytes", r.method, r.path, MaxResponseSize)
	}
	resp, derr := decodeResponse(res, raw)
	if derr != nil {
		// Not an envelope (an upstream behind the gateway, a proxy's page):
		// keep what arrived, so that the caller can still show it.
		resp = &Response{HTTPStatus: res.StatusCode, Header: res.Header, Body: raw, Fields: map[string]json.RawMessage{}}
	}
	if res.StatusCode >= 400 || resp.Status == StatusFailed {
		e := &Error{HTTPStatus: res.StatusCode, Message: http.StatusText(res.StatusCode)}
		if derr == nil {
			e.ID, e.ResMsgID = resp.ID, resp.ResMsgID
			if resp.Err != "" {
				e.Code = resp.Err
			}
			if resp.ErrMsg != "" {
				e.Message = resp.ErrMsg
			}
		}
		if res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable {
			e.RetryAfter = parseRetryAfter(res.Header.Get("Retry-After"), c.now())
		}
		if r.mgmt && res.StatusCode == http.StatusUnauthorized {
			c.dropManagementToken(r.bearer)
		}
		return resp, e
	}
	if derr != nil {
		return resp, fmt.Errorf("%s %s: %w", r.method, r.path, derr)
	}
	return resp, nil
}

// do calls a management API route with the management token: query goes
// to the query string, in (if not nil) is the JSON body, and the envelope is
// decoded into out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	tok, err := c.managementToken()
	if err != nil {
		return err
	}
	r := &apiRequest{method: method, path: path, rawQuery: query.Encode(), bearer: tok, mgmt: true}
	if in != nil {
		if r.body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("client: %s %s: encode body: %w", method, path, err)
		}
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return fmt.Errorf("client: %s %s: decode %s: %w", method, path, resp.ID, err)
	}
	return nil
}

// noBody is the body of POSTs that carry no parameters: an empty JSON
// object, so that the request is still plainly JSON.
var noBody = struct{}{}

// pathf builds an API path, escaping each argument as one path segment.
func pathf(format string, args ...any) string {
	esc := make([]any, len(args))
	for i, a := range args {
		esc[i] = url.PathEscape(fmt.Sprint(a))
	}
	return fmt.Sprintf(format, esc...)
}

// mustUnescape returns the decoded form of an escaped path, or p itself.
func mustUnescape(p string) string {
	s, err := url.PathUnescape(p)
	if err != nil {
		return p
	}
	return s
}
