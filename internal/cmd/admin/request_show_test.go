package admin

import (
	"testing"
)

func TestNewCmdRequestShow(t *testing.T) {
	t.Parallel()
	got, err := parseCmd(t, newCmdRequestShow, "9", false)
	if err != nil || got.ID != 9 {
		t.Errorf("request show 9: %+v %v", got, err)
	}
	_, err = parseCmd(t, newCmdRequestShow, "x9", false)
	wantFlagError(t, "x9", err, "invalid request id")
}

func TestRequestShowRun(t *testing.T) {
	t.Parallel()
	decided := `{"id":9,"account_id":3,"groups":["encoding"],"reason":"demo","status":"rejected","decision_note":"no","decided_by":1,"decided_at":` + ts + `,"created_at":` + ts + `}`
	tests := []struct {
		name, reply, want string
	}{
		{"pending", requestJSON, "id\t9\naccount\t3\ngroups\tencoding\nstatus\tpending\nreason\tdemo\ncreated\t2027-01-15T08:00:00Z\n"},
		{"decided", decided, "id\t9\naccount\t3\ngroups\tencoding\nstatus\trejected\nreason\tdemo\ncreated\t2027-01-15T08:00:00Z\ndecided by\t1\ndecided\t2027-01-15T08:00:00Z\nnote\tno\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newStub(t).on("GET /v1/requests/9", `"request":`+tt.reply)
			api, _, out, _ := runOpts(stub, false)
			if err := requestShowRun(&requestShowOptions{apiOptions: api, ID: 9}); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("printed\n%q\nwant\n%q", out, tt.want)
			}
		})
	}
}
