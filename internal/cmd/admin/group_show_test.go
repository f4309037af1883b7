package admin

import (
	"testing"

	"github.com/keyward/keyward/client"
)

func TestNewCmdGroupShow(t *testing.T) {
	t.Parallel()
	got, err := parseCmd(t, newCmdGroupShow, "encoding --json", false)
	if err != nil || got.Name != "encoding" || !got.Exporter.Enabled() {
		t.Errorf("group show encoding --json: %+v %v", got, err)
	}
	_, err = parseCmd(t, newCmdGroupShow, "a b", false)
	wantFlagError(t, "a b", err, "accepts 1 arg")
}

func TestGroupShowRun(t *testing.T) {
	t.Parallel()
	stub := newStub(t).on("GET /v1/groups/encoding", `"group":`+groupJSON).fail("GET /v1/groups/nope", 404, "NOT_FOUND", "no group nope")
	api, _, out, _ := runOpts(stub, false)
	if err := groupShowRun(&groupShowOptions{apiOptions: api, Name: "encoding"}); err != nil {
		t.Fatal(err)
	}
	want := "name\tencoding\ndescription\tthe Soundlinks Encoding API\napi ids\tsl.encoding.start,sl.encoding.query\ncreated\t2027-01-15T08:00:00Z\nupdated\t2027-01-15T08:00:00Z\n"
	if out.String() != want {
		t.Errorf("printed %q, want %q", out, want)
	}
	err := groupShowRun(&groupShowOptions{apiOptions: api, Name: "nope"})
	if !client.IsNotFound(err) || err.Error() != "NOT_FOUND: no group nope" {
		t.Errorf("missing group: error %v, want NOT_FOUND", err)
	}
}
