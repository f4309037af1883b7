package admin

import (
	"testing"
)

func TestNewCmdWhoami(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli, wantErr string
		wantJSON     bool
	}{
		{"", "", false},
		{"--json", "", true},
		{"--json=nope", "unknown JSON field \"nope\"", false},
		{"extra", "unknown command", false},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdWhoami, tt.cli, false)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || got.Exporter.Enabled() != tt.wantJSON {
			t.Errorf("whoami %s: json %v, err %v; want json %v", tt.cli, got.Exporter.Enabled(), err, tt.wantJSON)
		}
	}
}

func TestWhoamiRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tty     bool
		json    bool
		wantOut string
	}{
		{"plain", false, false, "server\thttp://keyward.test\naccount\t3\nemail\tann@example.com\nname\tAnn\nrole\tdeveloper\ncredential\t7\nkey\tabc123\ngroups\tencoding\n"},
		{"tty", true, false, "server:     http://keyward.test\naccount:    3\nemail:      ann@example.com\nname:       Ann\nrole:       developer\ncredential: 7\nkey:        abc123\ngroups:     encoding\n"},
		{"json", false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newStub(t).on("GET /v1/me", `"account":`+accountJSON+`,"credential":{"id":7,"key":"abc123","groups":["encoding"]}`)
			api, _, out, _ := runOpts(stub, tt.tty)
			opts := &whoamiOptions{apiOptions: api}
			if tt.json {
				opts.Exporter = exporter(t, []string{"account", "credential"}, "credential")
			}
			if err := whoamiRun(opts); err != nil {
				t.Fatal(err)
			}
			if tt.json {
				if !jsonEq(out.String(), `{"credential":{"id":7,"key":"abc123","groups":["encoding"]}}`) {
					t.Errorf("whoami --json printed %s", out)
				}
				return
			}
			if out.String() != tt.wantOut {
				t.Errorf("whoami printed\n%q\nwant\n%q", out, tt.wantOut)
			}
		})
	}
}
