package admin

import (
	"testing"
)

func TestNewCmdGroupList(t *testing.T) {
	t.Parallel()
	if _, err := parseCmd(t, newCmdGroupList, "--json=name,secret", false); err == nil || !contains(err.Error(), "available fields:\n  name\n  description\n  api_ids") {
		t.Errorf("group list --json=name,secret: error = %v, want the valid fields listed", err)
	}
	got, err := parseCmd(t, newCmdGroupList, "--json=name", false)
	if err != nil || !got.Exporter.Enabled() || len(got.Exporter.Fields()) != 1 {
		t.Errorf("group list --json=name: %v, %v", got.Exporter.Fields(), err)
	}
}

func TestGroupListRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tty     bool
		json    bool
		wantOut string
	}{
		{"plain", false, false, "encoding\tsl.encoding.start,sl.encoding.query\tthe Soundlinks Encoding API\n"},
		{"tty", true, false, "NAME      API IDS                              DESCRIPTION\nencoding  sl.encoding.start,sl.encoding.query  the Soundlinks Encoding API\n"},
		{"json", false, true, `[{"name":"encoding","api_ids":["sl.encoding.start","sl.encoding.query"]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newStub(t).on("GET /v1/groups", `"groups":[`+groupJSON+`]`)
			api, _, out, _ := runOpts(stub, tt.tty)
			opts := &groupListOptions{apiOptions: api}
			if tt.json {
				opts.Exporter = exporter(t, groupFields, "name", "api_ids")
			}
			if err := groupListRun(opts); err != nil {
				t.Fatal(err)
			}
			if (!tt.json && out.String() != tt.wantOut) || (tt.json && !jsonEq(out.String(), tt.wantOut)) {
				t.Errorf("printed\n%q\nwant\n%q", out, tt.wantOut)
			}
		})
	}
}

func TestGroupListRunEmptyJSON(t *testing.T) {
	t.Parallel()
	stub := newStub(t).on("GET /v1/groups", `"groups":null`)
	api, _, out, _ := runOpts(stub, false)
	opts := &groupListOptions{apiOptions: api, Exporter: exporter(t, groupFields)}
	if err := groupListRun(opts); err != nil {
		t.Fatal(err)
	}
	if out.String() != "[]\n" {
		t.Errorf("an empty list printed %q, want []", out)
	}
}
