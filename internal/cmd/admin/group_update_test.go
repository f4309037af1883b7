package admin

import (
	"testing"

	"github.com/keyward/keyward/client"
)

func TestNewCmdGroupUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli      string
		wantDesc *string
		wantIDs  *[]string
		wantErr  string
	}{
		{"g -d new", ptr("new"), nil, ""},
		{"g --api-ids a,b", nil, &[]string{"a", "b"}, ""},
		{"g --api-ids ''", nil, &[]string{}, ""},
		{"g -d '' --api-ids a", ptr(""), &[]string{"a"}, ""},
		{"g", nil, nil, "nothing to change"},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdGroupUpdate, tt.cli, false)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || !jsonEq(mustJSON(got.Params), mustJSON(client.UpdateGroupParams{Description: tt.wantDesc, APIIDs: tt.wantIDs})) {
			t.Errorf("group update %s: params %s err %v", tt.cli, mustJSON(got.Params), err)
		}
	}
}

func TestGroupUpdateRun(t *testing.T) {
	t.Parallel()
	stub := newStub(t).on("PATCH /v1/groups/encoding", `"group":`+groupJSON)
	api, _, out, _ := runOpts(stub, false)
	opts := &groupUpdateOptions{apiOptions: api, Name: "encoding", Params: client.UpdateGroupParams{APIIDs: &[]string{}}}
	if err := groupUpdateRun(opts); err != nil {
		t.Fatal(err)
	}
	if body := stub.last().Body; body != `{"api_ids":[]}` {
		t.Errorf("body = %s, want only api_ids", body)
	}
	if !contains(out.String(), "name\tencoding") {
		t.Errorf("printed %q", out)
	}
}
