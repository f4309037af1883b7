package joinpage_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/rooms/joinpage"
)

func TestPage(t *testing.T) {
	t.Parallel()
	p, err := joinpage.New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	mux := http.NewServeMux()
	for _, e := range p.Endpoints() {
		mux.Handle(e.Pattern, e.Handler)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	get := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}

	res, page := get(joinpage.Path + "?token=abc.def.ghi")
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %s", joinpage.Path, res.Status)
	}
	for header, want := range map[string]string{
		"Cache-Control":   "no-store",
		"Referrer-Policy": "no-referrer",
	} {
		if got := res.Header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q: want script-src 'self' and no unsafe-inline", csp)
	}
	if strings.Contains(page, "abc.def.ghi") {
		t.Error("the page echoes the token")
	}
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]`).MatchString(page) {
		t.Error("the page has inline script")
	}
	for _, asset := range regexp.MustCompile(`/rooms/assets/[a-z]+\.[0-9a-f]{12}\.(js|css)`).FindAllString(page, -1) {
		res, body := get(asset)
		if res.StatusCode != 200 || len(body) == 0 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s: %s, %d bytes, Cache-Control %q", asset, res.Status, len(body), res.Header.Get("Cache-Control"))
		}
	}
	if n := len(regexp.MustCompile(`/rooms/assets/`).FindAllString(page, -1)); n != 2 {
		t.Errorf("page links %d assets, want 2 (script and style)", n)
	}
	if res, _ := get("/rooms/assets/join.000000000000.js"); res.StatusCode != 404 {
		t.Errorf("unknown asset: %s, want 404", res.Status)
	}
}
