package portal

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/internal/seal"
)

// Prefix is the path the portal is served under. [Portal.Handler] answers
// every path below it and nothing else.
const Prefix = "/portal/"

// MaxFormBytes is the largest form body a portal route reads.
const MaxFormBytes = 64 << 10

// Services are the credential services the portal is built on; one store
// implements them all. It is the same set as the management API's
// (manage.Services).
type Services = credential.Services

// Config configures a [Portal].
type Config struct {
	// Services is required.
	Services Services

	// Logger receives internal errors and security events (a refused
	// cross-origin request, a throttled sign-in). It never receives a
	// password, a secret or a session token. Nil means slog.Default().
	Logger *slog.Logger

	// NowFunc returns the current time. Nil means time.Now.
	NowFunc func() time.Time

	// PublicURL is the URL people reach the server at (scheme and host, no
	// path), used in the playground's snippets. Empty means the URL of each
	// request as the browser sent it. An https PublicURL turns Secure on.
	PublicURL string

	// Secure marks the session cookie Secure (and names it with the
	// __Host- prefix) and sends Strict-Transport-Security. Set it when the
	// portal is served over TLS, directly or behind a TLS proxy; it is
	// turned on by an https PublicURL. Default false: plain HTTP on
	// loopback works for development.
	Secure bool

	// SessionStore keeps sessions. Nil means in memory, which holds only for
	// one process: sessions are lost on restart and several nodes need
	// sticky sessions. Give every node the same [SQLSessionStore] instead.
	SessionStore scs.Store

	// SessionLifetime is how long a session lasts from sign-in, whatever
	// happens. 0 means 12 hours.
	SessionLifetime time.Duration

	// SessionIdleTimeout ends a session unused for this long. 0 means one
	// hour; a negative value disables the idle timeout. With an idle
	// timeout every page view rewrites the session in the store.
	SessionIdleTimeout time.Duration

	// Sealer encrypts the one-time secret flash kept in the session between
	// the form that made a secret and the page that shows it, so that a
	// session store never holds a secret in the clear. Nil means a random
	// key of this process, which is enough for one node; nodes that share a
	// session store must share a Sealer (the store's master key) too.
	Sealer *seal.Sealer

	// SignIn tunes sign-in throttling. Zero fields take the defaults of
	// [ThrottleConfig].
	SignIn ThrottleConfig

	// TrustedOrigins are origins (scheme://host[:port]) other than the
	// portal's own from which state-changing requests are accepted, for
	// deployments where the Origin a browser sends differs from the Host the
	// server sees. Empty is right for almost everyone.
	TrustedOrigins []string

	// Rooms serves the room pages (the account's rooms, live peers,
	// moderation, recent sessions); *rooms.Service implements it. Nil
	// leaves the room pages out.
	Rooms Rooms
}

// Portal is the developer portal: server-rendered pages for accounts,
// access requests, credentials and the admin's work. It is safe for
// concurrent use.
type Portal struct {
	svc       Services
	log       *slog.Logger
	now       func() time.Time
	publicURL string
	secure    bool
	sessions  *scs.SessionManager
	sealer    *seal.Sealer
	pages     map[string]*template.Template
	assets    *assetSet
	cop       *http.CrossOriginProtection
	accounts  *throttle // failures per account (email)
	addrs     *throttle // failures per client address
	signups   *throttle // sign-ups per client address
	handler   http.Handler
	rooms     Rooms
}

// New returns a Portal for cfg. It parses every template and hashes every
// asset, so a broken template fails here rather than on a request.
func New(cfg Config) (*Portal, error) {
	if cfg.Services == nil {
		return nil, errors.New("portal: Config.Services is required")
	}
	p := &Portal{svc: cfg.Services, log: cfg.Logger, now: cfg.NowFunc, secure: cfg.Secure, rooms: cfg.Rooms}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.now == nil {
		p.now = time.Now
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("portal: PublicURL %q is not an http(s) URL", cfg.PublicURL)
		}
		p.publicURL = u.Scheme + "://" + u.Host
		if u.Scheme == "https" {
			p.secure = true
		}
	}
	p.sealer = cfg.Sealer
	if p.sealer == nil {
		key := make([]byte, seal.MinKeyLen)
		rand.Read(key)
		s, err := seal.New(key)
		if err != nil {
			return nil, fmt.Errorf("portal: sealer: %w", err)
		}
		p.sealer = s
	}
	p.sessions = p.newSessionManager(cfg)
	var err error
	if p.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if p.pages, err = parseTemplates(p.assets); err != nil {
		return nil, err
	}
	p.cop = http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := p.cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("portal: trusted origin: %w", err)
		}
	}
	p.cop.SetDenyHandler(http.HandlerFunc(p.handleCrossOriginDenied))
	p.accounts = newThrottle(cfg.SignIn.withDefaults(false), p.now)
	p.addrs = newThrottle(cfg.SignIn.withDefaults(true), p.now)
	p.signups = newThrottle(ThrottleConfig{MaxFailures: 10, Window: time.Hour, Lockout: time.Hour, MaxLockout: time.Hour}, p.now)
	p.handler = p.routes()
	return p, nil
}

// Handler returns the portal's handler. Mount it at [Prefix]:
//
//	mux.Handle("/portal/", p.Handler())
func (p *Portal) Handler() http.Handler { return p.handler }

// Endpoints returns the portal's endpoints, both public to the door: every
// page below [Prefix] (a browser session, not a token, says who is
// calling) and GET /, which sends browsers to the portal.
func (p *Portal) Endpoints() []auth.Endpoint {
	return []auth.Endpoint{
		{ID: "keyward.portal", Pattern: Prefix, Tag: "portal", Handler: p.handler,
			Summary: "The developer portal: HTML pages for browsers, signed in with a cookie session"},
		{ID: "keyward.root", Pattern: "GET /{$}", Tag: "portal", Handler: http.RedirectHandler(Prefix, http.StatusFound),
			Summary: "Sends browsers to the portal"},
	}
}

// routes builds the portal's mux: assets without a session, every page
// behind the security headers, the session and the cross-origin check.
func (p *Portal) routes() http.Handler {
	pages := http.NewServeMux()
	for _, pg := range p.pageRoutes() {
		pages.HandleFunc(pg.pattern, pg.guard(pg.handler))
	}
	pages.HandleFunc("/portal/", p.handleNotFound)

	root := http.NewServeMux()
	root.Handle("GET /portal/assets/{name}", p.securityHeaders(http.HandlerFunc(p.handleAsset)))
	root.Handle("/portal/", p.securityHeaders(p.timed(p.sessions.LoadAndSave(p.protect(p.authenticate(pages))))))
	return root
}

// contextKey is the type of this package's context keys.
type contextKey int

const (
	accountKey contextKey = iota
	startKey
	sessionKey
)

// accountFromContext returns the signed-in account, or nil.
func accountFromContext(ctx context.Context) *credential.Account {
	a, _ := ctx.Value(accountKey).(*credential.Account)
	return a
}

// timed records when the request arrived, for the Server-Timing header.
func (p *Portal) timed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), startKey, time.Now())))
	})
}

// securityHeaders sets the headers every portal response carries: a CSP
// without inline script or style, nosniff, a same-origin referrer policy,
// no framing, and HSTS when the portal is served over TLS.
func (p *Portal) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), clipboard-write=(self)")
		if p.secure || r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// protect refuses state-changing requests that come from another origin
// (http.CrossOriginProtection: Sec-Fetch-Site, else Origin against Host)
// or that lack the session's CSRF token, and bounds form bodies.
func (p *Portal) protect(next http.Handler) http.Handler {
	checked := p.cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !safeMethod(r.Method) {
			r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
			if err := r.ParseForm(); err != nil {
				p.fail(w, r, errcode.Errorf(errcode.BadRequest, "The form could not be read."))
				return
			}
			if !p.validCSRF(r) {
				p.log.WarnContext(r.Context(), "portal: refused a form without a valid CSRF token",
					"method", r.Method, "path", r.URL.Path, "remote", clientAddr(r))
				p.fail(w, r, errcode.Errorf(errcode.Forbidden, "This form has expired. Go back, reload the page and try again."))
				return
			}
		}
		next.ServeHTTP(w, r)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checked.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey, true)))
	})
}

// sessionLoaded reports whether the session middleware has run for ctx.
func sessionLoaded(ctx context.Context) bool {
	ok, _ := ctx.Value(sessionKey).(bool)
	return ok
}

// handleCrossOriginDenied answers a state-changing request refused by the
// cross-origin check.
func (p *Portal) handleCrossOriginDenied(w http.ResponseWriter, r *http.Request) {
	p.log.WarnContext(r.Context(), "portal: refused a cross-origin request",
		"method", r.Method, "path", r.URL.Path, "remote", clientAddr(r),
		"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"), "origin", r.Header.Get("Origin"))
	p.fail(w, r, errcode.Errorf(errcode.Forbidden, "Cross-origin request refused."))
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// authenticate puts the signed-in account and its actor in the context.
// It does not refuse anyone: requireAccount and requireAdmin do.
func (p *Portal) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id := p.sessions.GetInt64(ctx, sessionAccount)
		if id == 0 {
			next.ServeHTTP(w, r)
			return
		}
		ctx = credential.NewContextWithActor(ctx, &credential.Actor{AccountID: id, RemoteAddr: clientAddr(r)})
		a, err := p.svc.FindAccountByID(ctx, id)
		switch code := credential.ErrorCode(err); code {
		case "":
		case credential.ENOTFOUND, credential.EUNAUTHORIZED, credential.EFORBIDDEN:
			// The account is gone: end the session.
			if err := p.sessions.Destroy(ctx); err != nil {
				p.fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
			return
		default:
			p.fail(w, r, err)
			return
		}
		ctx = context.WithValue(ctx, accountKey, a)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requireAccount sends a visitor who is not signed in to the sign-in page
// (or answers 401 to a JSON client).
func (p *Portal) requireAccount(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if accountFromContext(r.Context()) == nil {
			if wantsJSON(r) || !safeMethod(r.Method) {
				p.fail(w, r, errcode.Errorf(errcode.Unauthorized, "Sign in first."))
				return
			}
			http.Redirect(w, r, "/portal/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		next(w, r)
	}
}

// requireAdmin lets only admins through; others get 403.
func (p *Portal) requireAdmin(next http.HandlerFunc) http.HandlerFunc {
	return p.requireAccount(func(w http.ResponseWriter, r *http.Request) {
		if accountFromContext(r.Context()).Role != credential.RoleAdmin {
			p.fail(w, r, errcode.Errorf(errcode.Forbidden, "Only an admin may open this page."))
			return
		}
		next(w, r)
	})
}

// clientAddr returns the client's IP address as the server saw it.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// view is what every page template receives.
type view struct {
	// Title is the page's title, shown in the tab and as its heading.
	Title string
	// Nav names the active navigation item.
	Nav string
	// Account is the signed-in account, or nil.
	Account *credential.Account
	// Unread is the number of unread notifications, for the badge.
	Unread int64
	// CSRF is the session's CSRF token, for every form.
	CSRF string
	// Flash is a one-time message from the previous request.
	Flash string
	// Error is a message about the submitted form.
	Error string
	// Now is the time of the request, for "3 minutes ago".
	Now time.Time
	// Data is the page's own data.
	Data any
	// Rooms says the portal has room pages, for the navigation.
	Rooms bool
}

// newView fills the parts of a view every page needs.
func (p *Portal) newView(r *http.Request, title, nav string, data any) *view {
	ctx := r.Context()
	v := &view{Title: title, Nav: nav, Account: accountFromContext(ctx), CSRF: p.csrfToken(ctx), Now: p.now(), Data: data,
		Rooms: p.rooms != nil}
	v.Flash = p.sessions.PopString(ctx, sessionFlash)
	if v.Account != nil {
		list, err := p.svc.FindNotifications(ctx, &credential.NotificationFilter{Page: credential.Page{Limit: 1}, UnreadOnly: true})
		if err == nil {
			v.Unread = list.Unread
		} else {
			p.log.WarnContext(ctx, "portal: count unread notifications", "err", err)
		}
	}
	return v
}

// render writes page name with v and status. The page is rendered into a
// buffer first, so a template error becomes a clean 500.
func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	t, ok := p.pages[name]
	if !ok {
		p.fail(w, r, fmt.Errorf("portal: no template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		p.fail(w, r, fmt.Errorf("portal: render %s: %w", name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	if start, ok := r.Context().Value(startKey).(time.Time); ok {
		h.Set("Server-Timing", fmt.Sprintf("app;dur=%.2f", float64(time.Since(start).Microseconds())/1000))
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		io.Copy(w, &buf)
	}
}

// redirect answers a form with 303 See Other to path, with an optional
// one-time flash message for the next page.
func (p *Portal) redirect(w http.ResponseWriter, r *http.Request, path, flash string) {
	if flash != "" {
		p.sessions.Put(r.Context(), sessionFlash, flash)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// pathID reads a positive integer path value; anything else is not found.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errcode.Errorf(errcode.NotFound, "Page not found.")
	}
	return id, nil
}

// localPath returns next if it is a path inside the portal, else the
// dashboard, so that ?next= cannot send anyone elsewhere.
func localPath(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix
	}
	return next
}

// handleNotFound answers any portal path no route matches.
func (p *Portal) handleNotFound(w http.ResponseWriter, r *http.Request) {
	p.fail(w, r, errcode.Errorf(errcode.NotFound, "Page not found."))
}
