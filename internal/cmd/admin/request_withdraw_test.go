package admin

import (
	"testing"
)

func TestNewCmdRequestWithdraw(t *testing.T) {
	t.Parallel()
	got, err := parseCmd(t, newCmdRequestWithdraw, "9", false)
	if err != nil || got.ID != 9 {
		t.Errorf("request withdraw 9: %+v %v", got, err)
	}
	_, err = parseCmd(t, newCmdRequestWithdraw, "-1", false)
	wantFlagError(t, "-1", err, "unknown shorthand flag")
}

func TestRequestWithdrawRun(t *testing.T) {
	t.Parallel()
	stub := newStub(t).on("POST /v1/requests/9/withdraw", `"request":`+requestJSON)
	api, _, out, _ := runOpts(stub, false)
	if err := requestWithdrawRun(&requestWithdrawOptions{apiOptions: api, ID: 9}); err != nil {
		t.Fatal(err)
	}
	if b := stub.last().Body; b != "{}" {
		t.Errorf("body = %q, want {}", b)
	}
	if !contains(out.String(), "id\t9\n") {
		t.Errorf("printed %q", out)
	}
}
