package admin

import (
	"testing"
)

func TestNewCmdAccountList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli      string
		wantRole string
		wantPage pageFlags
		wantErr  string
	}{
		{"", "", pageFlags{}, ""},
		{"--role admin -L 10 --cursor c1", "admin", pageFlags{Limit: 10, Cursor: "c1"}, ""},
		{"--all", "", pageFlags{All: true}, ""},
		{"--role boss", "", pageFlags{}, "valid values are {admin|developer}"},
		{"--limit -1", "", pageFlags{}, "invalid --limit"},
		{"--json=id,bogus", "", pageFlags{}, "unknown JSON field \"bogus\""},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdAccountList, tt.cli, false)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || got.Role != tt.wantRole || got.Page != tt.wantPage {
			t.Errorf("account list %s: role %q page %+v err %v; want %q %+v", tt.cli, got.Role, got.Page, err, tt.wantRole, tt.wantPage)
		}
	}
}

func TestAccountListRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		tty       bool
		json      []string
		page      pageFlags
		next      string
		wantQuery string
		wantOut   string
		wantErr   string
	}{
		{"plain", false, nil, pageFlags{}, "", "", "3\tann@example.com\tAnn\tdeveloper\t2027-01-15T08:00:00Z\n", ""},
		{"tty", true, nil, pageFlags{Limit: 1}, "c2", "limit=1",
			"ID  EMAIL            NAME  ROLE       CREATED\n3   ann@example.com  Ann   developer  " + testClockLocal + "\n", "More results: keyward admin account list --cursor c2"},
		{"json", false, []string{"id", "email"}, pageFlags{}, "", "", `[{"id":3,"email":"ann@example.com"}]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newStub(t).on("GET /v1/accounts", `"accounts":[`+accountJSON+`],"next_cursor":"`+tt.next+`"`)
			api, _, out, errOut := runOpts(stub, tt.tty)
			opts := &accountListOptions{apiOptions: api, Page: tt.page}
			if tt.json != nil {
				opts.Exporter = exporter(t, accountFields, tt.json...)
			}
			if err := accountListRun(opts); err != nil {
				t.Fatal(err)
			}
			if got := stub.last().RawQuery; got != tt.wantQuery {
				t.Errorf("query = %q, want %q", got, tt.wantQuery)
			}
			if tt.json != nil {
				if !jsonEq(out.String(), tt.wantOut) {
					t.Errorf("printed %s, want %s", out, tt.wantOut)
				}
			} else if out.String() != tt.wantOut {
				t.Errorf("printed\n%q\nwant\n%q", out, tt.wantOut)
			}
			if tt.wantErr != "" && !contains(errOut.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want %q", errOut, tt.wantErr)
			}
		})
	}
}
