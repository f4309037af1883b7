package connect

import (
	"net/url"
	"testing"
)

// FuzzCheckServer: whatever the text, CheckServer does not panic, and what
// it accepts is an http(s) URL with a host, no query and no portal path.
func FuzzCheckServer(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:8080", "127.0.0.1:8080", "localhost:8080", "http://h/portal/", "https://h/a/portal",
		"http://[::1]:8080/", "ftp://h", "http://", "http://h?x=1", "http://h#f", "", "%", "http://h/keyward"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckServer(s, "--server") != nil {
			return
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			t.Fatalf("CheckServer accepted %q", s)
		}
	})
}
