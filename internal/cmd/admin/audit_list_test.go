package admin

import (
	"net/url"
	"testing"
)

func TestNewCmdAuditList(t *testing.T) {
	t.Parallel()
	got, err := parseCmd(t, newCmdAuditList, "--actor 1 --action credential.create --target-kind credential --target-id 7 -L 5", false)
	if err != nil || got.Actor != 1 || got.Action != "credential.create" || got.TargetKind != "credential" || got.TargetID != "7" || got.Page.Limit != 5 {
		t.Errorf("audit list: %+v %v", got, err)
	}
	_, err = parseCmd(t, newCmdAuditList, "--actor -1", false)
	wantFlagError(t, "--actor -1", err, "invalid --actor")
}

func TestAuditListRun(t *testing.T) {
	t.Parallel()
	entry := `{"id":5,"actor_id":1,"action":"credential.create","target_kind":"credential","target_id":"7","detail":{"name":"ci"},"remote_addr":"127.0.0.1","created_at":` + ts + `}`
	stub := newStub(t).on("GET /v1/audit", `"entries":[`+entry+`],"next_cursor":"n2"`)
	api, _, out, errOut := runOpts(stub, false)
	opts := &auditListOptions{apiOptions: api, Actor: 1, Action: "credential.create", TargetKind: "credential", TargetID: "7"}
	if err := auditListRun(opts); err != nil {
		t.Fatal(err)
	}
	q, _ := url.ParseQuery(stub.last().RawQuery)
	if q.Get("actor") != "1" || q.Get("action") != "credential.create" || q.Get("target_kind") != "credential" || q.Get("target_id") != "7" {
		t.Errorf("query = %v", q)
	}
	want := "5\t2027-01-15T08:00:00Z\t1\tcredential.create\tcredential:7\t127.0.0.1\t{\"name\":\"ci\"}\n"
	if out.String() != want {
		t.Errorf("printed\n%q\nwant\n%q", out, want)
	}
	if !contains(errOut.String(), "--cursor n2") {
		t.Errorf("stderr = %q, want the next-page hint", errOut)
	}
}
