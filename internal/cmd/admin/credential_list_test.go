package admin

import (
	"testing"
)

func TestNewCmdCredentialList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli        string
		wantOwner  int64
		wantStatus string
		wantErr    string
	}{
		{"--owner 3 --status revoked", 3, "revoked", ""},
		{"-s gone", 0, "", "valid values are {active|revoked}"},
		{"--owner x", 0, "", "invalid argument"},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdCredentialList, tt.cli, false)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || got.Owner != tt.wantOwner || got.Status != tt.wantStatus {
			t.Errorf("credential list %s: %+v err %v", tt.cli, got, err)
		}
	}
}

func TestCredentialListRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tty     bool
		wantOut string
	}{
		{"plain", false, "7\tabc123\tci\t3\tencoding\tactive\t\n"},
		{"tty", true, "ID  KEY     NAME  OWNER  GROUPS    STATUS  LAST USED\n7   abc123  ci    3      encoding  active  -\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newStub(t).on("GET /v1/credentials", `"credentials":[`+credentialJSON+`],"next_cursor":""`)
			api, _, out, _ := runOpts(stub, tt.tty)
			if err := credentialListRun(&credentialListOptions{apiOptions: api, Owner: 3, Status: "active"}); err != nil {
				t.Fatal(err)
			}
			if q := stub.last().RawQuery; q != "owner=3&status=active" {
				t.Errorf("query = %q", q)
			}
			if out.String() != tt.wantOut {
				t.Errorf("printed\n%q\nwant\n%q", out, tt.wantOut)
			}
		})
	}
}
