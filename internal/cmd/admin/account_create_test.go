package admin

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNewCmdAccountCreate(t *testing.T) {
	t.Parallel()
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("correct horse battery\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cli     string
		want    accountCreateOptions
		wantErr string
	}{
		{"--email a@b.c", accountCreateOptions{Email: "a@b.c", Role: "developer"}, ""},
		{"--email a@b.c --name A --role admin --password-file " + pw, accountCreateOptions{Email: "a@b.c", Name: "A", Role: "admin", PasswordFile: pw, Password: "correct horse battery"}, ""},
		{"--name A", accountCreateOptions{}, "--email is required"},
		{"--email a@b.c --role root", accountCreateOptions{}, "valid values are"},
		{"--email a@b.c --password-file /nonexistent/pw", accountCreateOptions{}, "read password"},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdAccountCreate, tt.cli, false)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			continue
		}
		if err != nil || got.Email != tt.want.Email || got.Name != tt.want.Name || got.Role != tt.want.Role || got.Password != tt.want.Password {
			t.Errorf("account create %s: %+v err %v; want %+v", tt.cli, got, err, tt.want)
		}
	}
}

func TestAccountCreateRun(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{false, true} {
		stub := newStub(t).on("POST /v1/accounts", `"account":`+accountJSON)
		api, _, out, errOut := runOpts(stub, tty)
		opts := &accountCreateOptions{apiOptions: api, Email: "ann@example.com", Name: "Ann", Role: "developer", Password: "pw-0123456789"}
		if err := accountCreateRun(opts); err != nil {
			t.Fatal(err)
		}
		if body := stub.last().Body; !jsonEq(body, `{"email":"ann@example.com","name":"Ann","role":"developer","password":"pw-0123456789"}`) {
			t.Errorf("body = %s", body)
		}
		if !contains(out.String(), "ann@example.com") {
			t.Errorf("tty=%v: printed %q, want the account", tty, out)
		}
		if gotHint := contains(errOut.String(), "✓ Created account 3"); gotHint != tty {
			t.Errorf("tty=%v: stderr = %q", tty, errOut)
		}
	}
}
