package portal_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/portal"
	"github.com/keyward/keyward/internal/seal"
	"github.com/keyward/keyward/internal/store"
	"github.com/keyward/keyward/internal/store/sqlitestore"
)

// testBundle is a portal on a real SQLite store behind a test server.
type testBundle struct {
	store  *store.Store
	portal *portal.Portal
	server *httptest.Server
	logs   *logBuffer
	// adminEmail and adminPassword sign in the first admin.
	adminEmail, adminPassword string
}

// logBuffer collects everything the portal and store log, so tests can
// check that no secret reaches a log.
type logBuffer struct {
	strings.Builder
}

// MustOpenStore opens a store on a fresh SQLite database in path (":memory:"
// for a private one) and makes the first admin.
func MustOpenStore(tb testing.TB, path string, log *slog.Logger) (*store.Store, *store.EnsureAdminResult) {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlitestore.Open(ctx, &sqlitestore.Config{Path: path})
	if err != nil {
		tb.Fatalf("sqlitestore.Open: %v", err)
	}
	key := make([]byte, seal.MinKeyLen)
	rand.Read(key)
	sealer, err := seal.New(key)
	if err != nil {
		tb.Fatalf("seal.New: %v", err)
	}
	st, err := store.New(ctx, db, &store.Config{Sealer: sealer, Logger: log})
	if err != nil {
		tb.Fatalf("store.New: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	res, err := st.EnsureAdmin(ctx, nil)
	if err != nil {
		tb.Fatalf("EnsureAdmin: %v", err)
	}
	return st, res
}

// setup returns a portal on a real in-memory SQLite store, served by an
// httptest server; cfg's Services and Logger are filled in.
func setup(t *testing.T, cfg portal.Config) *testBundle {
	t.Helper()
	b := &testBundle{logs: &logBuffer{}}
	log := slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, res := MustOpenStore(t, ":memory:", log)
	b.store, b.adminEmail, b.adminPassword = st, res.Account.Email, res.Password
	cfg.Services, cfg.Logger = st, log
	p, err := portal.New(cfg)
	if err != nil {
		t.Fatalf("portal.New: %v", err)
	}
	b.portal = p
	mux := http.NewServeMux()
	mux.Handle("/portal/", p.Handler())
	b.server = httptest.NewServer(mux)
	t.Cleanup(b.server.Close)
	return b
}

// browser is an HTTP client that behaves like a browser on the portal's own
// pages: it keeps cookies, sends Sec-Fetch-Site: same-origin and an Origin
// on forms, and submits the CSRF token of the last page it read.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
	csrf string
}

// page is a response, its body read.
type page struct {
	status int
	header http.Header
	body   string
	url    string
}

func (b *testBundle) newBrowser(t *testing.T) *browser {
	t.Helper()
	return browserAt(t, b.server.URL)
}

// browserAt returns a browser of its own (own cookies) on the portal at
// base.
func browserAt(t *testing.T, base string) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{
		Jar: jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			return nil
		},
	}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (br *browser) do(req *http.Request) *page {
	br.t.Helper()
	resp, err := br.c.Do(req)
	if err != nil {
		br.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		br.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	pg := &page{status: resp.StatusCode, header: resp.Header, body: string(body), url: resp.Request.URL.Path}
	if m := csrfRE.FindStringSubmatch(pg.body); m != nil {
		br.csrf = m[1]
	}
	return pg
}

// get fetches path as a same-origin navigation.
func (br *browser) get(path string) *page {
	br.t.Helper()
	req, _ := http.NewRequest("GET", br.base+path, nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	return br.do(req)
}

// post submits form to path from the portal's own page, with the CSRF
// token of the last page read, and follows the redirect.
func (br *browser) post(path string, form url.Values) *page {
	br.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if f.Get("csrf") == "" {
		f.Set("csrf", br.csrf)
	}
	req, _ := http.NewRequest("POST", br.base+path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", br.base)
	req.Header.Set("Accept", "text/html")
	return br.do(req)
}

// signUp makes a developer account and leaves the browser signed in.
func (br *browser) signUp(email, password string) *page {
	br.t.Helper()
	br.get("/portal/signup")
	pg := br.post("/portal/signup", url.Values{"email": {email}, "name": {"Dev " + email}, "password": {password}, "password2": {password}})
	if pg.status != 200 || pg.url != "/portal/" {
		br.t.Fatalf("sign up %s: status %d at %s, want 200 at /portal/\n%s", email, pg.status, pg.url, pg.body)
	}
	return pg
}

// signIn signs in and fails the test if that does not work.
func (br *browser) signIn(email, password string) *page {
	br.t.Helper()
	br.get("/portal/signin")
	pg := br.post("/portal/signin", url.Values{"email": {email}, "password": {password}})
	if pg.status != 200 || pg.url != "/portal/" {
		br.t.Fatalf("sign in %s: status %d at %s, want 200 at /portal/\n%s", email, pg.status, pg.url, pg.body)
	}
	return pg
}

// must fails the test unless pg has status want.
func (pg *page) must(t *testing.T, what string, want int) *page {
	t.Helper()
	if pg.status != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, pg.status, want, pg.body)
	}
	return pg
}

// has fails the test unless pg's body holds every one of texts.
func (pg *page) has(t *testing.T, what string, texts ...string) *page {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(pg.body, s) {
			t.Fatalf("%s: page %s lacks %q\n%s", what, pg.url, s, pg.body)
		}
	}
	return pg
}

// lacks fails the test if pg's body holds s.
func (pg *page) lacks(t *testing.T, what, s string) *page {
	t.Helper()
	if strings.Contains(pg.body, s) {
		t.Fatalf("%s: page %s holds %q, it must not", what, pg.url, s)
	}
	return pg
}

// signedUp signs a new developer up with email and returns its browser
// (signUp fails the test unless it lands on the dashboard).
func (b *testBundle) signedUp(t *testing.T, email string) *browser {
	t.Helper()
	br := b.newBrowser(t)
	br.signUp(email, "correct horse battery")
	return br
}

// signedInAdmin returns a browser signed in as the first admin.
func (b *testBundle) signedInAdmin(t *testing.T) *browser {
	t.Helper()
	br := b.newBrowser(t)
	br.signIn(b.adminEmail, b.adminPassword)
	return br
}

// approvedDeveloper signs a new developer up, has the admin approve its
// request for the encoding group, and returns its browser.
func (b *testBundle) approvedDeveloper(t *testing.T, email string) *browser {
	t.Helper()
	dev := b.signedUp(t, email)
	dev.get("/portal/requests/new?group=encoding")
	dev.post("/portal/requests", url.Values{"group": {"encoding"}, "reason": {"Testing the Encoding API."}}).
		must(t, "request access", 200)
	admin := b.signedInAdmin(t)
	q := admin.get("/portal/admin/requests").must(t, "admin queue", 200)
	m := regexp.MustCompile(`/portal/admin/requests/(\d+)/decide`).FindStringSubmatch(q.body)
	if m == nil {
		t.Fatalf("admin queue shows no pending request\n%s", q.body)
	}
	admin.post("/portal/admin/requests/"+m[1]+"/decide", url.Values{"decision": {"approve"}, "note": {"Enjoy."}}).
		must(t, "approve", 200)
	return dev
}

var credentialIDRE = regexp.MustCompile(`/portal/credentials/(\d+)/secret/done`)

// createCredential generates a credential in the developer's browser and
// returns the page that shows its secret, its id, key and secret.
func createCredential(t *testing.T, dev *browser, name string) (pg *page, id, key, secret string) {
	t.Helper()
	dev.get("/portal/credentials/new").must(t, "new credential form", 200)
	pg = dev.post("/portal/credentials", url.Values{"name": {name}, "notes": {"made by a test"}, "group": {"encoding"}}).
		must(t, "create credential", 200)
	m := credentialIDRE.FindStringSubmatch(pg.body)
	if m == nil {
		t.Fatalf("create credential: the secret page has no done form\n%s", pg.body)
	}
	key = regexp.MustCompile(`id="key" type="text" readonly value="([0-9a-f]{24})"`).FindStringSubmatch(pg.body)[1]
	secret = regexp.MustCompile(`id="secret" type="text" readonly value="([0-9a-f]{64})"`).FindStringSubmatch(pg.body)[1]
	return pg, m[1], key, secret
}

// ctxAs returns a context whose actor is account id.
func ctxAs(id int64) context.Context {
	return credential.NewContextWithActor(context.Background(), &credential.Actor{AccountID: id, RemoteAddr: "test"})
}
