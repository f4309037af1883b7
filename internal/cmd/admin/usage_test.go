package admin

import (
	"testing"
	"time"
)

func TestNewCmdUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli       string
		wantSince time.Time
		wantUntil time.Time
		wantErr   string
	}{
		{"", time.Time{}, time.Time{}, ""},
		{"--since 24h", testClock.Add(-24 * time.Hour), time.Time{}, ""},
		{"--since 2027-01-14T00:00:00Z --until 1h", time.Date(2027, 1, 14, 0, 0, 0, 0, time.UTC), testClock.Add(-time.Hour), ""},
		{"--since yesterday", time.Time{}, time.Time{}, "want an RFC 3339 time or a duration"},
		{"--since 1h --until 2h", time.Time{}, time.Time{}, "--since must be before --until"},
		{"--credential -7", time.Time{}, time.Time{}, "invalid --credential"},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdUsage, tt.cli, false)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || !got.Since.Equal(tt.wantSince) || !got.Until.Equal(tt.wantUntil) {
			t.Errorf("usage %s: since %v until %v err %v; want %v %v", tt.cli, got.Since, got.Until, err, tt.wantSince, tt.wantUntil)
		}
	}
}

func TestUsageRun(t *testing.T) {
	t.Parallel()
	row := `{"credential_id":7,"route":"sl.encoding.start","status":200,"minute":` + ts + `,"count":12}`
	stub := newStub(t).on("GET /v1/usage", `"usage":[`+row+`]`)
	api, _, out, _ := runOpts(stub, false)
	opts := &usageOptions{apiOptions: api, Credential: 7, Since: testClock.Add(-time.Hour)}
	if err := usageRun(opts); err != nil {
		t.Fatal(err)
	}
	if q := stub.last().RawQuery; q != "credential=7&since=2027-01-15T08%3A00%3A00Z" {
		t.Errorf("query = %q", q)
	}
	if want := "2027-01-15T08:00:00Z\t7\tsl.encoding.start\t200\t12\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out, want)
	}
}
