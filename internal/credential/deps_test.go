package credential_test

import (
	"testing"

	"github.com/keyward/keyward/internal/deptest"
)

// TestDeps keeps the domain at the centre: package credential reaches no
// other part of keyward than the table of error codes (and the token
// package it builds on), and no database, HTTP or process package.
func TestDeps(t *testing.T) {
	t.Parallel()
	deptest.Check(t, deptest.Module+"/internal/credential", deptest.Rules{
		Forbidden: []string{deptest.Module + "/...", "net/http/...", "database/sql/...", "os/exec"},
		Allowed:   []string{deptest.Module + "/internal/errcode", deptest.Module + "/token"},
	})
}
