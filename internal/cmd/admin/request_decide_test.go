package admin

import (
	"testing"

	"github.com/keyward/keyward/internal/cmd/connect"
)

func TestNewCmdRequestDecide(t *testing.T) {
	t.Parallel()
	tests := []struct {
		decision decision
		cli      string
		wantNote string
		wantErr  string
	}{
		{decisionApprove, "9", "", ""},
		{decisionApprove, "9 --note welcome", "welcome", ""},
		{decisionReject, "9 -n 'not yet'", "not yet", ""},
		{decisionReject, "", "", "accepts 1 arg"},
		{decisionReject, "nine", "", "invalid request id"},
	}
	for _, tt := range tests {
		newCmd := func(f *factoryT, conn *connect.Flags, runF func(*requestDecideOptions) error) *cobraCmd {
			return newCmdRequestDecide(f, conn, tt.decision, runF)
		}
		got, err := parseCmd(t, newCmd, tt.cli, false)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || got.ID != 9 || got.Note != tt.wantNote || got.Decision != tt.decision {
			t.Errorf("request %s %s: %+v err %v", tt.decision, tt.cli, got, err)
		}
	}
}

func TestRequestDecideRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		decision  decision
		wantRoute string
	}{
		{decisionApprove, "POST /v1/requests/9/approve"},
		{decisionReject, "POST /v1/requests/9/reject"},
	}
	for _, tt := range tests {
		t.Run(string(tt.decision), func(t *testing.T) {
			t.Parallel()
			stub := newStub(t).on(tt.wantRoute, `"request":`+requestJSON)
			api, _, out, errOut := runOpts(stub, true)
			if err := requestDecideRun(&requestDecideOptions{apiOptions: api, Decision: tt.decision, ID: 9, Note: "n"}); err != nil {
				t.Fatal(err)
			}
			if r := stub.last(); r.Method+" "+r.Path != tt.wantRoute || !jsonEq(r.Body, `{"note":"n"}`) {
				t.Errorf("sent %s %s %s, want %s with the note", r.Method, r.Path, r.Body, tt.wantRoute)
			}
			if !contains(out.String(), "status: ") || !contains(errOut.String(), "✓ Request 9") {
				t.Errorf("stdout %q stderr %q", out, errOut)
			}
		})
	}
}
