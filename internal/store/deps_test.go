package store_test

import (
	"testing"

	"github.com/keyward/keyward/internal/deptest"
)

// TestDeps keeps HTTP out of the store and its two drivers: they speak SQL
// and return domain types, and the HTTP layers sit on top of them.
func TestDeps(t *testing.T) {
	t.Parallel()
	for _, pkg := range []string{"/internal/store", "/internal/store/sqlitestore", "/internal/store/pgstore"} {
		deptest.Check(t, deptest.Module+pkg, deptest.Rules{
			Forbidden: []string{"net/http/...", deptest.Module + "/internal/fetch"},
		})
	}
}
