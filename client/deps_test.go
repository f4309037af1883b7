package client_test

import (
	"testing"

	"github.com/keyward/keyward/internal/deptest"
)

// TestDeps keeps the public client free of keyward's internal packages
// (the download guard among them), so that programs outside the module can
// import it.
func TestDeps(t *testing.T) {
	t.Parallel()
	deptest.Check(t, deptest.Module+"/client", deptest.Rules{
		Forbidden: []string{deptest.Module + "/internal/..."},
	})
}
