// Package gateway is keyward's gateway mode: a routes file maps path
// prefixes to upstream URLs, each under an [auth.Route] policy, and requests
// the door accepts are proxied with httputil.ReverseProxy. Each route is
// served as endpoints ([Gateway.Endpoints]) like every other API, so the
// server's one mux picks the longest matching prefix and puts the door in
// front.
//
// # What the upstream sees
//
//   - The token is gone: the Authorization header is removed, and for a
//     request-profile token the body ({"data": token}, or whatever the
//     client sent) is replaced by the token's arg JSON (Content-Type
//     application/json). The arg is what the client signed; an unsigned body
//     never reaches the upstream. Other profiles' bodies stream through
//     unchanged.
//   - Every client-sent X-Keyward-* header is removed, and so is any header
//     that reads as one of the gateway's own once "_" is read as "-"
//     (X_Keyward_Owner_Role, X_Forwarded_For): a CGI or WSGI upstream turns
//     both spellings into the same HTTP_X_KEYWARD_OWNER_ROLE variable. Then
//     the identity is
//     set: X-Keyward-Key, X-Keyward-Credential (id), X-Keyward-Account,
//     X-Keyward-Owner-Role, X-Keyward-Groups (comma-separated),
//     X-Keyward-Profile, and, when the token has them, X-Keyward-Jti,
//     X-Keyward-User, X-Keyward-Role, X-Keyward-Room and X-Keyward-Msgid.
//     Upstreams must trust these headers only from the gateway: bind them to
//     loopback or a private network.
//   - X-Forwarded-Host and -Proto are set (client-sent ones are dropped);
//     X-Forwarded-For gets the client's address appended to the chain the
//     client sent, so only its last entry is to be trusted. Underscore
//     spellings of all three are dropped.
//
// # Errors and streaming
//
// Refusals by the door, unknown paths (404 NOT_FOUND) and methods (405
// METHOD_NOT_ALLOWED, by [auth.NewMux]) are answered with the envelope; so
// are upstream
// failures: 502 BAD_GATEWAY, and 504 GATEWAY_TIMEOUT when the upstream's
// response headers do not come within the route's timeout. Responses are
// streamed (flushed as they arrive), through copy buffers that every route
// shares from one pool; a client that goes away cancels the upstream
// request. The upstream's own responses pass through untouched. The
// identity headers of a credential are formatted once and shared by its
// requests until the credential changes.
package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/token"
)

// Config configures [New].
type Config struct {
	// Routes are the routes served. Required.
	Routes []Route
	// Transport is the base transport; each route uses a clone with its
	// timeout. Default: http.DefaultTransport's settings with 256 idle
	// connections per host.
	Transport *http.Transport
}

// Gateway holds the proxies of the routes.
type Gateway struct {
	routes []*route
}

type route struct {
	Route
	handler http.Handler
	headers *headerCache // shared by all routes
}

// New returns a gateway for cfg.
func New(cfg Config) (*Gateway, error) {
	if len(cfg.Routes) == 0 {
		return nil, errors.New("gateway: Config.Routes is empty")
	}
	if cfg.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 1024
		t.MaxIdleConnsPerHost = 256
		cfg.Transport = t
	}
	g := &Gateway{}
	buffers, headers := newBufferPool(), new(headerCache)
	for i := range cfg.Routes {
		rt := cfg.Routes[i]
		if err := rt.Validate(); err != nil {
			return nil, err
		}
		if rt.Timeout == 0 {
			rt.Timeout = DefaultTimeout
		}
		tr := cfg.Transport.Clone()
		tr.ResponseHeaderTimeout = rt.Timeout
		r := &route{Route: rt, headers: headers}
		// FlushInterval stays 0: ReverseProxy already flushes streaming
		// responses (event streams, unknown length) at once, and a flush
		// after every write of a sized response only costs syscalls.
		proxy := &httputil.ReverseProxy{
			Rewrite:      r.rewrite,
			Transport:    tr,
			BufferPool:   buffers,
			ErrorHandler: g.upstreamError,
		}
		r.handler = proxy
		g.routes = append(g.routes, r)
	}
	return g, nil
}

// Endpoints returns the endpoints of the routes, each under its route's
// policy: a prefix "/p" is served at "/p" and below it ("/p/{path...}"), a
// prefix "/p/" below it only; a route with Methods has one endpoint per
// method, one without answers every method.
func (g *Gateway) Endpoints() []auth.Endpoint {
	var eps []auth.Endpoint
	for _, rt := range g.routes {
		paths := []string{rt.Prefix, rt.Prefix + "/{path...}"}
		if strings.HasSuffix(rt.Prefix, "/") {
			paths = []string{rt.Prefix + "{path...}"}
		}
		methods := rt.Methods
		if len(methods) == 0 {
			methods = []string{""}
		}
		for _, m := range methods {
			for _, p := range paths {
				eps = append(eps, auth.Endpoint{
					ID: rt.Auth.APIID, Pattern: strings.TrimSpace(m + " " + p), Tag: "gateway",
					Summary: "Proxied to " + rt.Upstream.Redacted(), Policy: &rt.Auth, Handler: rt.handler,
				})
			}
		}
	}
	return eps
}

var (
	errUpstream = "the upstream service failed"
	errTimeout  = "the upstream service did not answer in time"
)

// rewrite builds the upstream request.
func (rt *route) rewrite(pr *httputil.ProxyRequest) {
	if rt.StripPrefix {
		p := strings.TrimSuffix(rt.Prefix, "/")
		pr.Out.URL.Path = "/" + strings.TrimPrefix(strings.TrimPrefix(pr.Out.URL.Path, p), "/")
		if pr.Out.URL.RawPath != "" {
			pr.Out.URL.RawPath = "/" + strings.TrimPrefix(strings.TrimPrefix(pr.Out.URL.RawPath, p), "/")
		}
	}
	pr.SetURL(rt.Upstream)
	h := pr.Out.Header
	h.Del("Authorization")
	for k := range h {
		if gatewaySets(k) {
			delete(h, k)
		}
	}
	pr.SetXForwarded()
	id, ok := auth.FromContext(pr.In.Context())
	if !ok {
		return
	}
	for i, v := range rt.headers.get(id).vals {
		h[credentialHeaderNames[i]] = v
	}
	h["X-Keyward-Profile"] = profileHeader(id.Profile)
	setIf(h, "X-Keyward-Jti", id.JTI)
	setIf(h, "X-Keyward-User", id.UserID)
	setIf(h, "X-Keyward-Role", id.Role)
	setIf(h, "X-Keyward-Room", id.RoomID)
	setIf(h, "X-Keyward-Msgid", id.MsgID)
	if id.Profile == token.Request {
		arg := id.Arg
		if arg == nil {
			arg = []byte("{}")
		}
		pr.Out.Body = io.NopCloser(bytes.NewReader(arg))
		pr.Out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(arg)), nil }
		pr.Out.ContentLength = int64(len(arg))
		h.Del("Transfer-Encoding")
		h.Set("Content-Type", "application/json")
	}
}

func setIf(h http.Header, k, v string) {
	if v != "" {
		h[k] = []string{v}
	}
}

// upstreamError answers a failed upstream exchange with the envelope.
func (g *Gateway) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		// The client went away; there is nobody to answer.
		return
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		envelope.Error(w, r, errcode.Wrap(errcode.GatewayTimeout, errTimeout, err))
		return
	}
	envelope.Error(w, r, errcode.Wrap(errcode.BadGateway, errUpstream, err))
}
