package root

import (
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
)

func TestMainExitCodes(t *testing.T) {
	t.Parallel()
	const secret = "root-secret-0123456789abcdefghijklmn"
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"help", []string{"--help"}, ExitOK, ""},
		{"unknown flag", []string{"token", "management", "--nope"}, ExitUsage, "unknown flag: --nope"},
		{"missing required", []string{"token", "app", "-k", "K", "-s", secret}, ExitUsage, "Usage:"},
		{"bad enum", []string{"token", "verify", "-s", secret, "--profile", "bogus", "x.y.z"}, ExitUsage, "valid values are"},
		{"verify fails", []string{"token", "verify", "-s", secret, "a.b.c"}, ExitError, "TOKEN_MALFORMED"},
		{"unknown command", []string{"frobnicate"}, ExitError, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, errOut := iostreams.Test()
			f := &factory.Factory{IOStreams: ios, Getenv: func(string) string { return "" }, NowFunc: time.Now, Version: "test"}
			if got := Main(f, tt.args); got != tt.wantCode {
				t.Errorf("Main(%v) = %d, want %d (stderr %q)", tt.args, got, tt.wantCode, errOut)
			}
			if !strings.Contains(errOut.String(), tt.wantStderr) {
				t.Errorf("Main(%v) stderr = %q, want it to contain %q", tt.args, errOut, tt.wantStderr)
			}
		})
	}
}
