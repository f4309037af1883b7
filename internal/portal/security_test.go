package portal_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/portal"
)

func TestCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	dev := b.signedUp(t, "victim@example.com")
	dev.get("/portal/requests/new")
	form := url.Values{"group": {"encoding"}, "reason": {"forged"}, "csrf": {dev.csrf}}

	tests := []struct {
		name    string
		headers map[string]string
		csrf    string
	}{
		{"SecFetchSiteCrossSite", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, dev.csrf},
		{"SecFetchSiteSameSite", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://sub.example"}, dev.csrf},
		{"ForeignOriginOnly", map[string]string{"Origin": "https://evil.example"}, dev.csrf},
		{"NoCSRFToken", map[string]string{"Sec-Fetch-Site": "same-origin"}, ""},
		{"WrongCSRFToken", map[string]string{"Sec-Fetch-Site": "same-origin"}, "forged-token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("csrf", tt.csrf)
			req, _ := http.NewRequest("POST", b.server.URL+"/portal/requests", strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			dev.do(req).must(t, "POST /portal/requests "+tt.name, http.StatusForbidden)
		})
	}
	// None of them made a request.
	a, err := b.store.FindAccountByEmail(context.Background(), "victim@example.com")
	if err != nil {
		t.Fatal(err)
	}
	list, err := b.store.FindAccessRequests(ctxAs(a.ID), &credential.AccessRequestFilter{AccountID: a.ID})
	if err != nil || len(list.Requests) != 0 {
		t.Fatalf("after refused forgeries the victim has %d requests (%v), want 0", len(list.Requests), err)
	}
	if !strings.Contains(b.logs.String(), "refused a cross-origin request") {
		t.Errorf("the refusal was not logged")
	}
	// The real form still works.
	dev.post("/portal/requests", url.Values{"group": {"encoding"}, "reason": {"real"}}).must(t, "same-origin POST", 200)
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	br := b.newBrowser(t)
	pg := br.get("/portal/signin").must(t, "sign-in page", 200)
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"X-Frame-Options":         "DENY",
		"Cache-Control":           "no-store",
		"Content-Type":            "text/html; charset=utf-8",
	} {
		if got := pg.header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want it to contain %q", h, got, want)
		}
	}
	if csp := pg.header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q allows inline script or lacks script-src 'self'", csp)
	}
	if strings.Contains(pg.body, "<script>") || strings.Contains(pg.body, " style=") || strings.Contains(pg.body, "<style") {
		t.Errorf("the page has inline script or style")
	}

	// Assets are served under hashed names, cacheable for a year.
	links := regexp.MustCompile(`(?:href|src)="(/portal/assets/[^"]+)"`).FindAllStringSubmatch(pg.body, -1)
	if len(links) < 2 {
		t.Fatalf("the page links %d assets, want the stylesheet and the script", len(links))
	}
	for _, l := range links {
		if !regexp.MustCompile(`\.[0-9a-f]{12}\.(css|js|svg)$`).MatchString(l[1]) {
			t.Errorf("asset %s has no content hash in its name", l[1])
		}
		resp, err := http.Get(b.server.URL + l[1])
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d, Cache-Control %q, nosniff %q", l[1], resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("X-Content-Type-Options"))
		}
	}
	br.get("/portal/assets/style.000000000000.css").must(t, "unknown asset", 404)
}

func TestSignedOutVisitorIsSentToSignIn(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/portal/", "/portal/credentials", "/portal/admin/audit"} {
		resp, err := c.Get(b.server.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/portal/signin") {
			t.Errorf("GET %s signed out: %d to %q, want 303 to /portal/signin", path, resp.StatusCode, loc)
		}
	}
	// After signing in, next= brings the visitor back, but only inside the portal.
	br := b.newBrowser(t)
	br.get("/portal/signin?next=/portal/groups")
	pg := br.post("/portal/signin", url.Values{"email": {b.adminEmail}, "password": {b.adminPassword}, "next": {"/portal/groups"}})
	if pg.url != "/portal/groups" {
		t.Errorf("sign-in with next=/portal/groups ended at %s", pg.url)
	}
	br2 := b.newBrowser(t)
	br2.get("/portal/signin")
	pg = br2.post("/portal/signin", url.Values{"email": {b.adminEmail}, "password": {b.adminPassword}, "next": {"//evil.example/portal/"}})
	if pg.url != "/portal/" {
		t.Errorf("sign-in with a foreign next ended at %s, want /portal/", pg.url)
	}
}

func TestNotFoundAsJSON(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	req, _ := http.NewRequest("GET", b.server.URL+"/portal/no-such-page", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(body), `"err":"NOT_FOUND"`) || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		t.Fatalf("JSON 404: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	req.Header.Set("Accept", "text/html")
	resp, _ = http.DefaultClient.Do(req)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(body), "<!doctype html>") {
		t.Fatalf("HTML 404: %d %s", resp.StatusCode, body)
	}
}
