package errcode_test

import (
	"testing"

	"github.com/keyward/keyward/internal/deptest"
)

// TestDeps keeps the table a leaf the domain can import: the standard
// library and the token package only.
func TestDeps(t *testing.T) {
	t.Parallel()
	deptest.Check(t, deptest.Module+"/internal/errcode", deptest.Rules{
		StdOnly:   true,
		Allowed:   []string{deptest.Module + "/token"},
		Forbidden: []string{"net", "net/http/..."},
	})
}
