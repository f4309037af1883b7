package admin

import (
	"testing"
)

func TestNewCmdNotificationList(t *testing.T) {
	t.Parallel()
	got, err := parseCmd(t, newCmdNotificationList, "--unread", false)
	if err != nil || !got.Unread {
		t.Errorf("notification list --unread: %+v %v", got, err)
	}
}

func TestNotificationListRun(t *testing.T) {
	t.Parallel()
	note := `{"id":4,"account_id":3,"kind":"request.approved","subject":"Approved","body":"b","target_kind":"request","target_id":"9","created_at":` + ts + `}`
	tests := []struct {
		name       string
		tty        bool
		wantOut    string
		wantStderr string
	}{
		{"plain", false, "4\t2027-01-15T08:00:00Z\tno\trequest.approved\tApproved\n", ""},
		{"tty", true, "ID  TIME              READ  KIND              SUBJECT\n4   " + testClockLocal + "  no    request.approved  Approved\n", "1 unread\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newStub(t).on("GET /v1/notifications", `"notifications":[`+note+`],"unread":1,"next_cursor":""`)
			api, _, out, errOut := runOpts(stub, tt.tty)
			if err := notificationListRun(&notificationListOptions{apiOptions: api, Unread: true}); err != nil {
				t.Fatal(err)
			}
			if q := stub.last().RawQuery; q != "unread=true" {
				t.Errorf("query = %q", q)
			}
			if out.String() != tt.wantOut || errOut.String() != tt.wantStderr {
				t.Errorf("stdout\n%q\nwant\n%q\nstderr %q want %q", out, tt.wantOut, errOut, tt.wantStderr)
			}
		})
	}
}
