package room_test

import (
	"testing"

	"github.com/keyward/keyward/internal/deptest"
)

// TestDeps keeps the rooms domain a leaf: it reaches no other part of
// keyward than the table of error codes, and no database, HTTP or process
// package, so the store can implement it.
func TestDeps(t *testing.T) {
	t.Parallel()
	deptest.Check(t, deptest.Module+"/internal/room", deptest.Rules{
		Forbidden: []string{deptest.Module + "/...", "net/http/...", "database/sql/...", "os/exec"},
		Allowed:   []string{deptest.Module + "/internal/errcode", deptest.Module + "/token"},
	})
}
