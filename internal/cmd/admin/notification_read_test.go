package admin

import (
	"testing"
)

func TestNewCmdNotificationRead(t *testing.T) {
	t.Parallel()
	got, err := parseCmd(t, newCmdNotificationRead, "4 5", false)
	if err != nil || len(got.IDs) != 2 || got.IDs[0] != 4 || got.IDs[1] != 5 {
		t.Errorf("notification read 4 5: %+v %v", got, err)
	}
	_, err = parseCmd(t, newCmdNotificationRead, "", false)
	wantFlagError(t, "", err, "requires at least 1 arg")
	_, err = parseCmd(t, newCmdNotificationRead, "4 x", false)
	wantFlagError(t, "4 x", err, "invalid notification id")
}

func TestNotificationReadRun(t *testing.T) {
	t.Parallel()
	stub := newStub(t).on("POST /v1/notifications/4/read", "").on("POST /v1/notifications/5/read", "")
	api, _, out, errOut := runOpts(stub, true)
	if err := notificationReadRun(&notificationReadOptions{apiOptions: api, IDs: []int64{4, 5}}); err != nil {
		t.Fatal(err)
	}
	if stub.count() != 2 || out.Len() != 0 || errOut.String() != "✓ Marked notification 4 read\n✓ Marked notification 5 read\n" {
		t.Errorf("%d requests, stdout %q, stderr %q", stub.count(), out, errOut)
	}
}
