package admin

import (
	"errors"
	"testing"

	"github.com/keyward/keyward/internal/cmd/cmderror"
)

func TestNewCmdCredentialDelete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli      string
		stdinTTY bool
		wantErr  string
	}{
		{"7 -y", false, ""},
		{"7", true, ""},
		{"7", false, "--yes required"},
		{"x --yes", false, "invalid credential id"},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdCredentialDelete, tt.cli, tt.stdinTTY)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || got.ID != 7 {
			t.Errorf("credential delete %s: %+v %v", tt.cli, got, err)
		}
	}
}

func TestCredentialDeleteRun(t *testing.T) {
	t.Parallel()
	stub := newStub(t).on("DELETE /v1/credentials/7", "")
	api, _, out, errOut := runOpts(stub, false)
	if err := credentialDeleteRun(&credentialDeleteOptions{apiOptions: api, ID: 7, Yes: true}); err != nil {
		t.Fatal(err)
	}
	if r := stub.last(); r.Method != "DELETE" || r.Body != "" {
		t.Errorf("sent %s with body %q", r.Method, r.Body)
	}
	if out.Len() != 0 || errOut.Len() != 0 {
		t.Errorf("printed %q / %q off a terminal, want nothing", out, errOut)
	}

	stub = newStub(t).fail("DELETE /v1/credentials/8", 409, "CONFLICT", "credential is in use")
	api, _, _, _ = runOpts(stub, false)
	err := credentialDeleteRun(&credentialDeleteOptions{apiOptions: api, ID: 8, Yes: true})
	if err == nil || err.Error() != "CONFLICT: credential is in use" || errors.Is(err, cmderror.ErrAuth) {
		t.Errorf("error = %v, want the CONFLICT, not an auth error", err)
	}
}
