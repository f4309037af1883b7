package watermark_test

import (
	"testing"

	"github.com/keyward/keyward/internal/deptest"
)

// TestDeps keeps the watermark engine pure signal processing: no network,
// no HTTP, no download guard, no database.
func TestDeps(t *testing.T) {
	t.Parallel()
	deptest.Check(t, deptest.Module+"/internal/watermark", deptest.Rules{
		Forbidden: []string{"net", "net/http/...", deptest.Module + "/internal/fetch", "database/sql/..."},
	})
}
