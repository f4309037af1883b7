package admin

import (
	"testing"
	"time"

	"github.com/keyward/keyward/client"
)

func TestNewCmdCredentialRotate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli         string
		wantOverlap time.Duration
		wantErr     string
	}{
		{"7", 0, ""},
		{"7 --overlap 1h", time.Hour, ""},
		{"7 --overlap 0s", client.NoOverlap, ""},
		{"7 --overlap -1h", 0, "invalid --overlap"},
		{"7 --overlap soon", 0, "invalid argument"},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdCredentialRotate, tt.cli, false)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || got.ID != 7 || got.Overlap != tt.wantOverlap {
			t.Errorf("credential rotate %s: %+v err %v", tt.cli, got, err)
		}
	}
}

func TestCredentialRotateRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		overlap  time.Duration
		json     bool
		wantBody string
		wantOut  string
	}{
		{"default overlap", 0, false, `{}`, "key\tabc123\nkid\tk1\nsecret\ts3cr3t-value\n"},
		{"json", 2 * time.Hour, true, `{"overlap":"2h0m0s"}`, `{"kid":"k1","secret":"s3cr3t-value"}`},
		{"no overlap", client.NoOverlap, false, `{"overlap":"0s"}`, "key\tabc123\nkid\tk1\nsecret\ts3cr3t-value\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newStub(t).on("POST /v1/credentials/7/rotate", `"credential":`+credentialJSON+`,"secret":`+secretJSON)
			api, _, out, errOut := runOpts(stub, false)
			opts := &credentialRotateOptions{apiOptions: api, ID: 7, Overlap: tt.overlap}
			if tt.json {
				opts.Exporter = exporter(t, secretFields, "kid", "secret")
			}
			if err := credentialRotateRun(opts); err != nil {
				t.Fatal(err)
			}
			if b := stub.last().Body; b != tt.wantBody {
				t.Errorf("body = %s, want %s", b, tt.wantBody)
			}
			if (tt.json && !jsonEq(out.String(), tt.wantOut)) || (!tt.json && out.String() != tt.wantOut) {
				t.Errorf("printed %q, want %q", out, tt.wantOut)
			}
			if !contains(errOut.String(), "shown only once") {
				t.Errorf("stderr = %q", errOut)
			}
		})
	}
}
