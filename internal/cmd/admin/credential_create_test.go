package admin

import (
	"strings"
	"testing"
)

func TestNewCmdCredentialCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli     string
		want    credentialCreateOptions
		wantErr string
	}{
		{"--groups encoding --name ci", credentialCreateOptions{Name: "ci", Groups: []string{"encoding"}}, ""},
		{"-g encoding,rooms -n ci --notes 'for CI' --owner 3 --json", credentialCreateOptions{Name: "ci", Groups: []string{"encoding", "rooms"}, Notes: "for CI", Owner: 3}, ""},
		{"--groups encoding", credentialCreateOptions{}, "--name is required"},
		{"--name ci", credentialCreateOptions{}, "--groups is required"},
		{"--name ci --groups g --owner -3", credentialCreateOptions{}, "invalid --owner"},
		{"--name ci --groups g --json=key,password", credentialCreateOptions{}, "unknown JSON field \"password\""},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdCredentialCreate, tt.cli, false)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || got.Name != tt.want.Name || got.Notes != tt.want.Notes || got.Owner != tt.want.Owner ||
			strings.Join(got.Groups, ",") != strings.Join(tt.want.Groups, ",") {
			t.Errorf("credential create %s: %+v err %v; want %+v", tt.cli, got, err, tt.want)
		}
	}
}

func TestCredentialCreateRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		tty      bool
		json     []string
		owner    int64
		wantBody string
		wantOut  string
	}{
		{"json prints key and secret once", false, []string{}, 0, `{"name":"ci","notes":"","groups":["encoding"]}`,
			`{"id":7,"key":"abc123","name":"ci","notes":"","owner_id":3,"groups":["encoding"],"status":"active",
			  "secrets":[{"kid":"k1","created_at":"2027-01-15T08:00:00Z"}],"created_at":"2027-01-15T08:00:00Z","updated_at":"2027-01-15T08:00:00Z",
			  "revoked_at":null,"last_used_at":null,"kid":"k1","secret":"s3cr3t-value"}`},
		{"json fields", false, []string{"key", "secret"}, 3, `{"name":"ci","notes":"","groups":["encoding"],"owner":3}`,
			`{"key":"abc123","secret":"s3cr3t-value"}`},
		{"plain", false, nil, 0, `{"name":"ci","notes":"","groups":["encoding"]}`, "key\tabc123\nkid\tk1\nsecret\ts3cr3t-value\n"},
		{"tty", true, nil, 0, `{"name":"ci","notes":"","groups":["encoding"]}`, "key:    abc123\nkid:    k1\nsecret: s3cr3t-value\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newStub(t).on("POST /v1/credentials", `"credential":`+credentialJSON+`,"secret":`+secretJSON)
			api, _, out, errOut := runOpts(stub, tt.tty)
			opts := &credentialCreateOptions{apiOptions: api, Name: "ci", Groups: []string{"encoding"}, Owner: tt.owner}
			if tt.json != nil {
				opts.Exporter = exporter(t, secretFields, tt.json...)
			}
			if err := credentialCreateRun(opts); err != nil {
				t.Fatal(err)
			}
			if body := stub.last().Body; !jsonEq(body, tt.wantBody) {
				t.Errorf("body = %s, want %s", body, tt.wantBody)
			}
			if tt.json != nil {
				if !jsonEq(out.String(), tt.wantOut) {
					t.Errorf("printed %s\nwant %s", out, tt.wantOut)
				}
			} else if out.String() != tt.wantOut {
				t.Errorf("printed\n%q\nwant\n%q", out, tt.wantOut)
			}
			if !contains(errOut.String(), "shown only once") {
				t.Errorf("stderr = %q, want the shown-once warning", errOut)
			}
			if contains(errOut.String(), "s3cr3t") {
				t.Errorf("stderr carries the secret")
			}
			if got := contains(errOut.String(), "✓ Created credential 7 (ci) for encoding"); got != tt.tty {
				t.Errorf("stderr = %q: success line on a terminal only", errOut)
			}
		})
	}
}
