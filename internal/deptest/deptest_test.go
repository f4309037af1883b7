package deptest

import (
	"fmt"
	"testing"
)

func TestMatchAny(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		path     string
		patterns []string
		want     bool
	}{
		{"net/http", []string{"net/http"}, true},
		{"net/http/httptest", []string{"net/http"}, false},
		{"net/http/httptest", []string{"net/http/..."}, true},
		{"net/http", []string{"net/http/..."}, true},
		{"net/httpx", []string{"net/http/..."}, false},
		{Module + "/internal/fetch", []string{Module + "/..."}, true},
		{"os", nil, false},
	} {
		if got := matchAny(tt.path, tt.patterns); got != tt.want {
			t.Errorf("matchAny(%q, %q) = %v, want %v", tt.path, tt.patterns, got, tt.want)
		}
	}
}

// TestCheck runs the guard on a package with a known dependency, through a
// recorder, so that a guard that can never fail would be caught.
func TestCheck(t *testing.T) {
	t.Parallel()
	rec := &recorder{TB: t}
	Check(rec, Module+"/internal/deptest", Rules{Forbidden: []string{"os/exec"}})
	if len(rec.errors) != 1 {
		t.Errorf("Check on a package that imports os/exec reported %d errors, want 1: %q", len(rec.errors), rec.errors)
	}
	rec = &recorder{TB: t}
	Check(rec, Module+"/internal/errcode", Rules{StdOnly: true})
	if len(rec.errors) != 1 {
		t.Errorf("Check StdOnly on errcode (which imports token) reported %q, want one error", rec.errors)
	}
	rec = &recorder{TB: t}
	Check(rec, Module+"/internal/errcode", Rules{StdOnly: true, Allowed: []string{Module + "/token"}})
	if len(rec.errors) != 0 {
		t.Errorf("Check StdOnly with token allowed reported %q", rec.errors)
	}
}

// recorder collects Errorf calls instead of failing the test.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
