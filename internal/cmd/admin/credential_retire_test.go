package admin

import (
	"testing"
)

func TestNewCmdCredentialRetire(t *testing.T) {
	t.Parallel()
	got, err := parseCmd(t, newCmdCredentialRetire, "7 k1", false)
	if err != nil || got.ID != 7 || got.KID != "k1" {
		t.Errorf("credential retire 7 k1: %+v %v", got, err)
	}
	_, err = parseCmd(t, newCmdCredentialRetire, "7", false)
	wantFlagError(t, "7", err, "accepts 2 arg")
}

func TestCredentialRetireRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kid, route, wantPath string
	}{
		{"k1", "POST /v1/credentials/7/secrets/k1/retire", "/v1/credentials/7/secrets/k1/retire"},
		{"k/1", "POST /v1/credentials/7/secrets/k/1/retire", "/v1/credentials/7/secrets/k%2F1/retire"},
	}
	for _, tt := range tests {
		t.Run(tt.kid, func(t *testing.T) {
			t.Parallel()
			stub := newStub(t).on(tt.route, `"credential":`+credentialJSON)
			api, _, out, _ := runOpts(stub, false)
			if err := credentialRetireRun(&credentialRetireOptions{apiOptions: api, ID: 7, KID: tt.kid}); err != nil {
				t.Fatal(err)
			}
			if r := stub.last(); r.Path != tt.wantPath || r.Body != "{}" {
				t.Errorf("sent %s %q, want %s {}", r.Path, r.Body, tt.wantPath)
			}
			if !contains(out.String(), "secret\tk1 created") {
				t.Errorf("printed %q", out)
			}
		})
	}
}
