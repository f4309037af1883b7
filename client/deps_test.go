package client_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the public client free of keyward's internal packages, so
// that programs outside the module can import it.
func TestDeps(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "github.com/keyward/keyward/client").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for dep := range strings.FieldsSeq(string(out)) {
		if strings.HasPrefix(dep, "github.com/keyward/keyward/internal/") {
			t.Errorf("client depends on %s; it must import no internal package", dep)
		}
	}
}
