package admin

import (
	"strings"
	"testing"
)

func TestNewCmdGroupCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli     string
		want    groupCreateOptions
		wantErr string
	}{
		{"rooms", groupCreateOptions{Name: "rooms"}, ""},
		{"rooms -d 'Video rooms' --api-ids rooms.connect,rooms.admin --api-ids x", groupCreateOptions{Name: "rooms", Description: "Video rooms", APIIDs: []string{"rooms.connect", "rooms.admin", "x"}}, ""},
		{"", groupCreateOptions{}, "accepts 1 arg"},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdGroupCreate, tt.cli, false)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || got.Name != tt.want.Name || got.Description != tt.want.Description || strings.Join(got.APIIDs, ",") != strings.Join(tt.want.APIIDs, ",") {
			t.Errorf("group create %s: %+v err %v; want %+v", tt.cli, got, err, tt.want)
		}
	}
}

func TestGroupCreateRun(t *testing.T) {
	t.Parallel()
	stub := newStub(t).on("POST /v1/groups", `"group":`+groupJSON)
	api, _, out, errOut := runOpts(stub, true)
	opts := &groupCreateOptions{apiOptions: api, Name: "encoding", Description: "d", APIIDs: []string{"a"}}
	if err := groupCreateRun(opts); err != nil {
		t.Fatal(err)
	}
	if body := stub.last().Body; !jsonEq(body, `{"name":"encoding","description":"d","api_ids":["a"]}`) {
		t.Errorf("body = %s", body)
	}
	if !contains(out.String(), "api ids:") || !contains(errOut.String(), "✓ Created API group encoding") {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
}
