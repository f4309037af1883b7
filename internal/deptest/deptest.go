// Package deptest guards the import graph: a leaf package's test names what
// it must never depend on, directly or through other packages, and
// [Check] fails the test when it does. It asks the go command (go list
// -deps), so what it judges is what the compiler links.
package deptest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/testenv"
)

// Module is keyward's module path; "Module/..." forbids every package of
// keyward.
const Module = "github.com/keyward/keyward"

// Rules say what a package must not reach.
type Rules struct {
	// Forbidden are import paths the package must not depend on. A path
	// ending in "/..." stands for itself and everything below it.
	Forbidden []string
	// Allowed are exceptions to Forbidden, in the same syntax.
	Allowed []string
	// StdOnly forbids every package outside the standard library, save the
	// package itself and Allowed.
	StdOnly bool
}

// Check fails tb for every package pkg depends on that r forbids. It needs
// the go command; without it the test is skipped (failed in strict mode).
func Check(tb testing.TB, pkg string, r Rules) {
	tb.Helper()
	gocmd := testenv.Command(tb, "go")
	out, err := exec.Command(gocmd, "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", pkg).CombinedOutput()
	if err != nil {
		tb.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	n := 0
	for line := range strings.Lines(string(out)) {
		dep, std, _ := strings.Cut(strings.TrimSpace(line), " ")
		n++
		if dep == pkg || matchAny(dep, r.Allowed) {
			continue
		}
		if matchAny(dep, r.Forbidden) {
			tb.Errorf("%s depends on %s, which it must not", pkg, dep)
		} else if r.StdOnly && std != "true" {
			tb.Errorf("%s depends on %s, outside the standard library", pkg, dep)
		}
	}
	if n == 0 {
		tb.Fatalf("go list -deps %s listed nothing", pkg)
	}
}

// matchAny reports whether path matches one of patterns.
func matchAny(path string, patterns []string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool {
		if base, ok := strings.CutSuffix(p, "/..."); ok {
			return path == base || strings.HasPrefix(path, base+"/")
		}
		return path == p
	})
}
