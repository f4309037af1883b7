package admin

import (
	"strings"
	"testing"
)

func TestNewCmdRequestCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli        string
		wantGroups string
		wantReason string
		wantErr    string
	}{
		{"--groups encoding,rooms -r why", "encoding,rooms", "why", ""},
		{"-g encoding -g rooms", "encoding,rooms", "", ""},
		{"--reason why", "", "", "--groups is required"},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdRequestCreate, tt.cli, false)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || strings.Join(got.Groups, ",") != tt.wantGroups || got.Reason != tt.wantReason {
			t.Errorf("request create %s: %+v err %v", tt.cli, got, err)
		}
	}
}

func TestRequestCreateRun(t *testing.T) {
	t.Parallel()
	stub := newStub(t).on("POST /v1/requests", `"request":`+requestJSON)
	api, _, out, _ := runOpts(stub, false)
	opts := &requestCreateOptions{apiOptions: api, Groups: []string{"encoding"}, Reason: "demo", Exporter: exporter(t, requestFields, "id", "status")}
	if err := requestCreateRun(opts); err != nil {
		t.Fatal(err)
	}
	if body := stub.last().Body; !jsonEq(body, `{"groups":["encoding"],"reason":"demo"}`) {
		t.Errorf("body = %s", body)
	}
	if !jsonEq(out.String(), `{"id":9,"status":"pending"}`) {
		t.Errorf("printed %s", out)
	}
}
