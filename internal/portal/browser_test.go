package portal_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward/internal/testenv"
)

// browserTimeout bounds the whole browser test.
const browserTimeout = 5 * time.Minute

// chrome is one browser tab (with its own cookies when made by
// newBrowserContext) and the test it belongs to.
type chrome struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
	name string
}

// screenshotDir is $KEYWARD_SCREENSHOTS when set, else a temporary
// directory.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("KEYWARD_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// sharedChromium is the one Chromium the package's browser tests share:
// started by the first test that needs it, stopped by TestMain. Each test
// gets browser contexts of its own (own cookies) in it.
var sharedChromium struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedChromium.cancel != nil {
		sharedChromium.cancel()
	}
	os.Exit(code)
}

// startChromium returns a browser context of the test's own in the
// package's Chromium (Debian's, headless, with a fresh profile and no
// background networking), starting it on first use. The context is
// cancelled when the test ends or after browserTimeout.
func startChromium(t *testing.T, path string) context.Context {
	t.Helper()
	sharedChromium.once.Do(func() {
		dir, err := os.MkdirTemp("", "keyward-chromium-")
		if err != nil {
			sharedChromium.err = err
			return
		}
		opts := append(testenv.ChromiumOptions(path, dir), chromedp.WindowSize(1280, 900))
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(alloc)
		sharedChromium.ctx = ctx
		sharedChromium.cancel = func() {
			cancel()
			cancelAlloc()
			os.RemoveAll(dir)
		}
		sharedChromium.err = chromedp.Do(ctx)
	})
	if sharedChromium.err != nil {
		t.Fatalf("start %s: %v", path, sharedChromium.err)
	}
	ctx, cancel := chromedp.NewContext(sharedChromium.ctx, chromedp.WithNewBrowserContext())
	watchdog := time.AfterFunc(browserTimeout, cancel)
	t.Cleanup(func() {
		watchdog.Stop()
		cancel()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("new browser context: %v", err)
	}
	return ctx
}

// tab returns a tab in a browser context of its own (its own cookies), or
// in the default one when parent is the first tab and fresh is false.
func newChrome(t *testing.T, parent context.Context, fresh bool, base, dir, name string) *chrome {
	t.Helper()
	ctx := parent
	if fresh {
		var cancel context.CancelFunc
		ctx, cancel = chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		if err := chromedp.Do(ctx); err != nil {
			t.Fatalf("new browser context: %v", err)
		}
	}
	// Accept the confirm() dialogs of revoke and the like.
	dialogs := chromedp.Events(ctx, cdppage.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return &chrome{t: t, ctx: ctx, base: base, dir: dir, name: name}
}

// do runs steps and fails the test with what on error.
func (c *chrome) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	if err := chromedp.Do(c.ctx, steps...); err != nil {
		c.t.Fatalf("%s (%s): %v", what, c.name, err)
	}
}

// open navigates to path and returns the HTTP status of the page.
func (c *chrome) open(path string) int64 {
	c.t.Helper()
	resp, err := chromedp.Run(c.ctx, chromedp.NavigateResponse(c.base+path))
	if err != nil {
		c.t.Fatalf("open %s (%s): %v", path, c.name, err)
	}
	return resp.Status
}

// submit clicks sel, waits for the page it leads to and returns its
// status.
func (c *chrome) submit(what, sel string) int64 {
	c.t.Helper()
	resp, err := chromedp.RunResponse(c.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		c.t.Fatalf("%s (%s): click %s: %v", what, c.name, sel, err)
	}
	return resp.Status
}

// text returns the text of the first element matching sel.
func (c *chrome) text(sel string) string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		c.t.Fatalf("text of %s (%s): %v", sel, c.name, err)
	}
	return s
}

// html returns the page's whole document.
func (c *chrome) html() string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		c.t.Fatalf("outer HTML (%s): %v", c.name, err)
	}
	return s
}

// location returns the tab's URL path.
func (c *chrome) location() string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Location())
	if err != nil {
		c.t.Fatal(err)
	}
	return strings.TrimPrefix(s, c.base)
}

// shot saves a full-page screenshot as NN-name.png.
func (c *chrome) shot(name string) {
	c.t.Helper()
	png, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, name+".png"), png, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// expect fails the test unless got == want.
func expect[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

// TestBrowserFlow drives Debian's Chromium through the portal walk-through
// of seed 003 and its refusals, against a server made by startServer, and
// saves a screenshot of each page.
func TestBrowserFlow(t *testing.T) {
	t.Parallel()
	path := testenv.Path(t, "/usr/bin/chromium")
	start := time.Now()
	srv := startServer(t)
	dir := screenshotDir(t)
	t.Logf("screenshots in %s", dir)
	first := startChromium(t, path)
	dev := newChrome(t, first, false, srv.URL, dir, "developer")
	admin := newChrome(t, first, true, srv.URL, dir, "admin")
	const devEmail, devPassword = "dev@example.com", "correct horse battery staple"

	// The developer signs up.
	expect(t, "GET /", dev.open("/"), 200)
	expect(t, "redirected to sign-in", dev.location(), "/portal/signin")
	dev.shot("01-signin")
	dev.open("/portal/signup")
	dev.do("fill sign-up",
		chromedp.SetValue(chromedp.CSS("#name"), "Dee Veloper"),
		chromedp.SetValue(chromedp.CSS("#email"), devEmail),
		chromedp.SetValue(chromedp.CSS("#password"), devPassword),
		chromedp.SetValue(chromedp.CSS("#password2"), devPassword))
	dev.shot("02-signup")
	expect(t, "sign up", dev.submit("sign up", "form.card button[type=submit]"), 200)
	expect(t, "after sign-up", dev.location(), "/portal/")
	dev.shot("03-dashboard-new-developer")

	// … and requests the encoding group.
	dev.open("/portal/groups")
	dev.shot("04-groups")
	dev.submit("request access link", `a[href="/portal/requests/new?group=encoding"]`)
	dev.do("fill request", chromedp.SetValue(chromedp.CSS("#reason"), "Watermarking our podcast episodes."))
	dev.shot("05-request-form")
	expect(t, "send request", dev.submit("send request", "form.card button[type=submit]"), 200)
	if s := dev.text("#main"); !strings.Contains(strings.ToLower(s), "pending") {
		t.Fatalf("my requests after sending: %q lacks pending", s)
	}
	dev.shot("06-my-requests")

	// The admin approves it with a note.
	admin.open("/portal/signin")
	admin.do("fill sign-in", chromedp.SetValue(chromedp.CSS("#email"), srv.AdminEmail), chromedp.SetValue(chromedp.CSS("#password"), srv.AdminPassword))
	expect(t, "admin sign-in", admin.submit("admin sign-in", "form.card button[type=submit]"), 200)
	admin.shot("07-admin-dashboard")
	admin.open("/portal/admin/requests")
	queue := admin.html()
	m := regexp.MustCompile(`id="approve-(\d+)"`).FindStringSubmatch(queue)
	if m == nil || !strings.Contains(queue, devEmail) {
		t.Fatalf("the admin's queue shows no request from %s", devEmail)
	}
	admin.do("note", chromedp.SetValue(chromedp.CSS("#note-"+m[1]), "Approved for the podcast pilot."))
	admin.shot("08-admin-queue")
	expect(t, "approve", admin.submit("approve", "#approve-"+m[1]), 200)
	if s := admin.text(".flash"); !strings.Contains(s, "approved") {
		t.Fatalf("after approving: flash %q", s)
	}
	admin.shot("09-admin-queue-after-approval")

	// The developer sees the notification.
	dev.open("/portal/")
	expect(t, "unread badge", strings.TrimSpace(strings.TrimSuffix(dev.text("#unread-badge"), "unread")), "1")
	dev.shot("10-dashboard-with-badge")
	dev.submit("open notifications", `nav a[href="/portal/notifications"]`)
	if s := dev.text(".notification.unread"); !strings.Contains(s, "approved") || !strings.Contains(s, "Approved for the podcast pilot.") {
		t.Fatalf("notification: %q", s)
	}
	dev.shot("11-notifications")

	// … generates a credential and copies the secret.
	dev.open("/portal/credentials/new")
	dev.do("fill credential", chromedp.SetValue(chromedp.CSS("#name"), "podcast-server"),
		chromedp.SetValue(chromedp.CSS("#notes"), "Runs on the build box."))
	if checked, err := chromedp.Run(dev.ctx, chromedp.Evaluate[bool](`document.getElementById("group-encoding").checked`)); err != nil || !checked {
		t.Fatalf("the only approved group is not preselected (%v)", err)
	}
	dev.shot("12-generate-form")
	expect(t, "generate", dev.submit("generate", "form.card button[type=submit]"), 200)
	secretURL := dev.location()
	if !regexp.MustCompile(`^/portal/credentials/\d+/secret$`).MatchString(secretURL) {
		t.Fatalf("after generating, the browser is at %s", secretURL)
	}
	credURL := strings.TrimSuffix(secretURL, "/secret")
	key, err := chromedp.Run(dev.ctx, chromedp.Value(chromedp.CSS("#key")))
	if err != nil {
		t.Fatal(err)
	}
	secret, err := chromedp.Run(dev.ctx, chromedp.Value(chromedp.CSS("#secret")))
	if err != nil || len(secret) != 64 {
		t.Fatalf("secret field: %q, %v", secret, err)
	}
	u := srv.URL
	if _, err := chromedp.CallBrowser(dev.ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "clipboard-read"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: u}); err != nil {
		t.Logf("grant clipboard-read: %v", err)
	}
	dev.do("copy the secret", chromedp.Click(chromedp.CSS("#copy-secret")))
	if _, err := chromedp.Run(dev.ctx, chromedp.Poll[bool](`document.getElementById("copy-status").textContent.includes("Copied secret")`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Fatalf("after Copy secret the page does not report the copy: %v (status %q)", err, dev.text("#copy-status"))
	}
	if clip, err := chromedp.Run(dev.ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise)); err != nil {
		t.Logf("reading the clipboard back is not possible here (%v); the page reported the copy", err)
	} else {
		expect(t, "clipboard after Copy secret", clip, secret)
	}
	dev.shot("13-secret-shown-once")
	dev.do("confirm copied", chromedp.Click(chromedp.CSS("#copied")))
	expect(t, "close", dev.submit("close", "#close-secret"), 200)
	expect(t, "after close", dev.location(), credURL)
	if strings.Contains(dev.html(), secret) {
		t.Fatalf("the credential page shows the secret")
	}
	dev.shot("14-credential")

	// A token signed with it is accepted by the Encoding API.
	status, code := callEncoding(t, srv.URL, key, secret)
	expect(t, "POST /v3/sl/encoding with the new credential", fmt.Sprintf("%d %s", status, code), "200 ")

	// Reloading the page that showed the secret: it is gone.
	expect(t, "reload of the secret page", dev.open(secretURL), 410)
	if h := dev.html(); strings.Contains(h, secret) || !strings.Contains(h, "was shown once") {
		t.Fatalf("the reloaded secret page still shows the secret, or does not say it is gone")
	}
	dev.shot("15-secret-gone-after-reload")
	dev.open("/portal/playground")
	if s := dev.text("#code-node"); !strings.Contains(s, key) || strings.Contains(s, secret) {
		t.Fatalf("playground snippet: want the key and not the secret:\n%s", s)
	}
	dev.shot("16-playground")

	// A developer opening an admin page: 403; another developer's
	// credential: 404, as for an id that does not exist.
	expect(t, "developer opens the audit log", dev.open("/portal/admin/audit"), 403)
	dev.shot("17-developer-admin-page-403")
	mallory := newChrome(t, first, true, srv.URL, dir, "mallory")
	mallory.open("/portal/signup")
	mallory.do("fill sign-up", chromedp.SetValue(chromedp.CSS("#email"), "mallory@example.com"),
		chromedp.SetValue(chromedp.CSS("#password"), devPassword), chromedp.SetValue(chromedp.CSS("#password2"), devPassword))
	expect(t, "mallory signs up", mallory.submit("sign up", "form.card button[type=submit]"), 200)
	expect(t, "mallory opens the developer's credential", mallory.open(credURL), 404)
	if strings.Contains(mallory.html(), key) {
		t.Fatalf("the 404 page shows the key")
	}
	mallory.shot("18-another-developers-credential-404")

	// A cross-site POST is refused (an attacker's page on another site).
	evil := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><form id="f" method="post" action="%s/portal/requests">
<input name="group" value="encoding"><input name="reason" value="forged"></form>
<script>document.getElementById("f").submit()</script>`, srv.URL)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	evil.Listener = ln
	evil.Start()
	t.Cleanup(evil.Close)
	evilURL := "http://localhost:" + fmt.Sprint(ln.Addr().(*net.TCPAddr).Port) + "/"
	dev.do("visit the attacker's page", chromedp.Navigate(evilURL), chromedp.WaitVisible(chromedp.CSS("#error-message")))
	if s := dev.text("#error-message"); !strings.Contains(s, "Cross-origin request refused") {
		t.Fatalf("cross-site POST: page says %q", s)
	}
	dev.shot("19-cross-site-post-refused")

	// The admin revokes the credential; the next call gets 401.
	admin.open(credURL)
	admin.shot("20-admin-credential")
	expect(t, "revoke", admin.submit("revoke", "#revoke"), 200)
	if s := admin.text(".flash"); !strings.Contains(s, "revoked") {
		t.Fatalf("after revoking: %q", s)
	}
	admin.shot("21-revoked")
	deadline := time.Now().Add(5 * time.Second) // a real server's key cache takes up to a second
	for {
		status, code = callEncoding(t, srv.URL, key, secret)
		if status == 401 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	expect(t, "POST /v3/sl/encoding after revocation", status, 401)
	t.Logf("after revocation: %d %s", status, code)
	admin.open("/portal/admin/audit")
	admin.shot("22-admin-audit")

	// Wrong password, repeated: throttled.
	guest := newChrome(t, first, true, srv.URL, dir, "guest")
	for i := range 6 {
		guest.open("/portal/signin")
		guest.do("fill sign-in", chromedp.SetValue(chromedp.CSS("#email"), devEmail), chromedp.SetValue(chromedp.CSS("#password"), "not the password"))
		status := guest.submit("sign in", "form.card button[type=submit]")
		msg := guest.text("#form-error")
		if i < 5 {
			expect(t, fmt.Sprintf("wrong password #%d", i+1), status, 401)
			expect(t, "wrong password message", msg, "Wrong email or password.")
			if i == 0 {
				guest.shot("23-wrong-password")
			}
		} else {
			expect(t, "sign-in after 5 failures", status, 429)
			if !strings.Contains(msg, "Too many failed sign-ins") {
				t.Fatalf("throttled sign-in says %q", msg)
			}
			guest.shot("24-sign-in-throttled")
		}
	}
	t.Logf("browser flow took %v", time.Since(start).Round(time.Millisecond))
}
