package admin

import (
	"errors"
	"testing"

	"github.com/keyward/keyward/internal/cmd/cmderror"
)

func TestNewCmdCredentialRevoke(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli      string
		stdinTTY bool
		wantErr  string
	}{
		{"7 --yes", false, ""},
		{"7", true, ""},
		{"7", false, "--yes required"},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdCredentialRevoke, tt.cli, tt.stdinTTY)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || got.ID != 7 {
			t.Errorf("credential revoke %s: %+v %v", tt.cli, got, err)
		}
	}
}

func TestCredentialRevokeRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		yes       bool
		answer    string
		wantCalls int
		wantErr   error
	}{
		{"yes", true, "", 1, nil},
		{"confirmed", false, "y\n", 1, nil},
		{"declined", false, "\n", 0, cmderror.ErrCancel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newStub(t).on("POST /v1/credentials/7/revoke", `"credential":`+credentialJSON)
			api, in, out, errOut := runOpts(stub, true)
			in.WriteString(tt.answer)
			err := credentialRevokeRun(&credentialRevokeOptions{apiOptions: api, ID: 7, Yes: tt.yes})
			if !errors.Is(err, tt.wantErr) && err != tt.wantErr {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if stub.count() != tt.wantCalls {
				t.Fatalf("sent %d requests, want %d", stub.count(), tt.wantCalls)
			}
			if tt.wantCalls == 1 && (!contains(out.String(), "key:") || !contains(errOut.String(), "✓ Revoked credential 7 (abc123)")) {
				t.Errorf("stdout %q stderr %q", out, errOut)
			}
		})
	}
}
