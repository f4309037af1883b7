package admin

import (
	"testing"
)

func TestNewCmdRequestList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli         string
		wantStatus  string
		wantAccount int64
		wantErr     string
	}{
		{"", "", 0, ""},
		{"--status pending --account 3", "pending", 3, ""},
		{"-s done", "", 0, "valid values are {pending|approved|rejected|withdrawn}"},
		{"--account -2", "", 0, "invalid --account"},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdRequestList, tt.cli, false)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || got.Status != tt.wantStatus || got.Account != tt.wantAccount {
			t.Errorf("request list %s: %+v err %v", tt.cli, got, err)
		}
	}
}

func TestRequestListRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tty     bool
		wantOut string
	}{
		{"plain", false, "9\t3\tencoding\tpending\t2027-01-15T08:00:00Z\tdemo\n"},
		{"tty", true, "ID  ACCOUNT  GROUPS    STATUS   CREATED           REASON\n9   3        encoding  pending  " + testClockLocal + "  demo\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newStub(t).on("GET /v1/requests", `"requests":[`+requestJSON+`],"next_cursor":""`)
			api, _, out, errOut := runOpts(stub, tt.tty)
			opts := &requestListOptions{apiOptions: api, Status: "pending"}
			if err := requestListRun(opts); err != nil {
				t.Fatal(err)
			}
			if q := stub.last().RawQuery; q != "status=pending" {
				t.Errorf("query = %q", q)
			}
			if out.String() != tt.wantOut || errOut.Len() != 0 {
				t.Errorf("stdout\n%q\nwant\n%q\nstderr %q", out, tt.wantOut, errOut)
			}
		})
	}
}

func TestRequestListRunAll(t *testing.T) {
	t.Parallel()
	// The stub serves one page whose next cursor names itself, so --all
	// fetches it twice: once as the first page, once by the cursor, and then
	// stops on the repeated cursor.
	stub := newStub(t).on("GET /v1/requests", `"requests":[`+requestJSON+`],"next_cursor":"p2"`)
	api, _, out, errOut := runOpts(stub, false)
	opts := &requestListOptions{apiOptions: api, Page: pageFlags{All: true}}
	if err := requestListRun(opts); err != nil {
		t.Fatal(err)
	}
	if stub.count() != 2 || stub.last().RawQuery != "cursor=p2" {
		t.Errorf("requests: %d, last query %q; want the second page by cursor", stub.count(), stub.last().RawQuery)
	}
	if n := len(splitLines(out.String())); n != 2 || errOut.Len() != 0 {
		t.Errorf("--all printed %d rows and stderr %q; want 2 rows and no hint", n, errOut)
	}
}
