package portal

import (
	"net/http/httptest"
	"testing"
)

func TestWantsJSON(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"application/json", true},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"application/json, text/plain, */*", true},
		{"text/html;q=0.5, application/json", true},
		{"application/json;q=0.1, text/html", false},
		{"*/*", false},
	} {
		r := httptest.NewRequest("GET", "/portal/", nil)
		r.Header.Set("Accept", tt.accept)
		if got := wantsJSON(r); got != tt.want {
			t.Errorf("wantsJSON(Accept: %q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}

func TestLocalPath(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"/portal/groups", "/portal/groups"},
		{"/portal/credentials/3?range=7d", "/portal/credentials/3?range=7d"},
		{"", "/portal/"},
		{"https://evil.example/portal/", "/portal/"},
		{"//evil.example/portal/", "/portal/"},
		{"/portal/\\evil", "/portal/"},
		{"/elsewhere", "/portal/"},
	} {
		if got := localPath(tt.in); got != tt.want {
			t.Errorf("localPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
