package token_test

import (
	"testing"

	"github.com/keyward/keyward/internal/deptest"
)

// TestDeps keeps the token package a leaf: standard library only, and none
// of the packages that would mean I/O or test code in the SDK.
func TestDeps(t *testing.T) {
	t.Parallel()
	deptest.Check(t, deptest.Module+"/token", deptest.Rules{
		StdOnly:   true,
		Forbidden: []string{"net", "net/http/...", "database/sql/...", "os/exec", "testing"},
	})
}
