package admin

import (
	"testing"
)

func TestNewCmdCredentialShow(t *testing.T) {
	t.Parallel()
	got, err := parseCmd(t, newCmdCredentialShow, "7 --json=key,status", false)
	if err != nil || got.ID != 7 || len(got.Exporter.Fields()) != 2 {
		t.Errorf("credential show 7: %+v %v", got, err)
	}
	_, err = parseCmd(t, newCmdCredentialShow, "--json=secret 7", false)
	wantFlagError(t, "--json=secret", err, "unknown JSON field \"secret\"")
}

func TestCredentialShowRun(t *testing.T) {
	t.Parallel()
	rotated := `{"id":7,"key":"abc123","name":"ci","notes":"n","owner_id":3,"groups":["encoding"],"status":"revoked","secrets":[` +
		`{"kid":"k1","created_at":` + ts + `,"expires_at":` + ts + `},{"kid":"k2","created_at":` + ts + `,"retired_at":` + ts + `}],` +
		`"created_at":` + ts + `,"updated_at":` + ts + `,"revoked_at":` + ts + `,"last_used_at":` + ts + `}`
	stub := newStub(t).on("GET /v1/credentials/7", `"credential":`+rotated)
	api, _, out, _ := runOpts(stub, false)
	if err := credentialShowRun(&credentialShowOptions{apiOptions: api, ID: 7}); err != nil {
		t.Fatal(err)
	}
	want := "id\t7\nkey\tabc123\nname\tci\nnotes\tn\nowner\t3\ngroups\tencoding\nstatus\trevoked\n" +
		"secret\tk1 created 2027-01-15T08:00:00Z, expires 2027-01-15T08:00:00Z\n" +
		"secret\tk2 created 2027-01-15T08:00:00Z, retired 2027-01-15T08:00:00Z\n" +
		"created\t2027-01-15T08:00:00Z\nlast used\t2027-01-15T08:00:00Z\nrevoked\t2027-01-15T08:00:00Z\n"
	if out.String() != want {
		t.Errorf("printed\n%q\nwant\n%q", out, want)
	}
}
