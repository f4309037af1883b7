package admin

import (
	"testing"
)

func TestNewCmdAccountShow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli     string
		wantID  int64
		wantErr string
	}{
		{"3", 3, ""},
		{"abc", 0, "invalid account id \"abc\""},
		{"0", 0, "invalid account id"},
		{"", 0, "accepts 1 arg"},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdAccountShow, tt.cli, false)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || got.ID != tt.wantID {
			t.Errorf("account show %s: id %d err %v", tt.cli, got.ID, err)
		}
	}
}

func TestAccountShowRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		json    []string
		wantOut string
	}{
		{"plain", nil, "id\t3\nemail\tann@example.com\nname\tAnn\nrole\tdeveloper\ncreated\t2027-01-15T08:00:00Z\nupdated\t2027-01-15T08:00:00Z\n"},
		{"json", []string{"role"}, `{"role":"developer"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newStub(t).on("GET /v1/accounts/3", `"account":`+accountJSON)
			api, _, out, _ := runOpts(stub, false)
			opts := &accountShowOptions{apiOptions: api, ID: 3}
			if tt.json != nil {
				opts.Exporter = exporter(t, accountFields, tt.json...)
			}
			if err := accountShowRun(opts); err != nil {
				t.Fatal(err)
			}
			if (tt.json == nil && out.String() != tt.wantOut) || (tt.json != nil && !jsonEq(out.String(), tt.wantOut)) {
				t.Errorf("printed %q, want %q", out, tt.wantOut)
			}
		})
	}
}
