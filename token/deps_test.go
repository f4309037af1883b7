package token_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the token package a leaf: standard library only, and none
// of the packages that would mean I/O or test code in the SDK.
func TestDeps(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "github.com/keyward/keyward/token").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := map[string]bool{"net/http": true, "database/sql": true, "os/exec": true, "testing": true, "net": true}
	for _, dep := range strings.Fields(string(out)) {
		if forbidden[dep] {
			t.Errorf("token imports %s", dep)
		}
		first, _, _ := strings.Cut(dep, "/")
		if strings.Contains(first, ".") && dep != "github.com/keyward/keyward/token" {
			t.Errorf("token imports non-standard package %s", dep)
		}
	}
}
