package admin

import (
	"testing"

	"github.com/keyward/keyward/client"
)

func TestNewCmdCredentialUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli     string
		want    client.UpdateCredentialParams
		wantErr string
	}{
		{"7 --name new", client.UpdateCredentialParams{Name: ptr("new")}, ""},
		{"7 --notes '' -g a,b", client.UpdateCredentialParams{Notes: ptr(""), Groups: &[]string{"a", "b"}}, ""},
		{"7", client.UpdateCredentialParams{}, "nothing to change"},
		{"7 --groups ''", client.UpdateCredentialParams{}, "at least one group"},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdCredentialUpdate, tt.cli, false)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || got.ID != 7 || mustJSON(got.Params) != mustJSON(tt.want) {
			t.Errorf("credential update %s: %s err %v; want %s", tt.cli, mustJSON(got.Params), err, mustJSON(tt.want))
		}
	}
}

func TestCredentialUpdateRun(t *testing.T) {
	t.Parallel()
	stub := newStub(t).on("PATCH /v1/credentials/7", `"credential":`+credentialJSON)
	api, _, out, _ := runOpts(stub, false)
	if err := credentialUpdateRun(&credentialUpdateOptions{apiOptions: api, ID: 7, Params: client.UpdateCredentialParams{Name: ptr("ci")}}); err != nil {
		t.Fatal(err)
	}
	if b := stub.last().Body; b != `{"name":"ci"}` {
		t.Errorf("body = %s", b)
	}
	if !contains(out.String(), "name\tci\n") {
		t.Errorf("printed %q", out)
	}
}
