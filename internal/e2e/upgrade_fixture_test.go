package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testenv"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// upgradeFixtureEnv names the directory TestWriteUpgradeFixture writes to.
// The fixtures under testdata/upgrade were written by the keyward of the
// commit their directory names, with:
//
//	KEYWARD_WRITE_UPGRADE_FIXTURE=$PWD/internal/e2e/testdata/upgrade/COMMIT \
//	  go test ./internal/e2e -run TestWriteUpgradeFixture -count=1
const upgradeFixtureEnv = "KEYWARD_WRITE_UPGRADE_FIXTURE"

// upgradeState is what a fixture holds, written beside it as state.json.
type upgradeState struct {
	Admin        creds  `json:"admin"`
	DevEmail     string `json:"dev_email"`
	DevPassword  string `json:"dev_password"`
	DevCLI       creds  `json:"dev_cli"`
	App          creds  `json:"app"`
	AppID        int64  `json:"app_id"`
	RequestID    int64  `json:"request_id"`
	Query        string `json:"query"`
	SoundLink    string `json:"soundlink"`
	Session      string `json:"session"`
	SessionEmail string `json:"session_email"`
}

// TestWriteUpgradeFixture writes a data directory (SQLite) and a data
// directory with a pg_dump (PostgreSQL) holding an admin, a developer, an
// approved request, credentials, a finished encoding job and a signed-in
// portal session, for TestUpgradeInPlace. It runs only when asked.
func TestWriteUpgradeFixture(t *testing.T) {
	out := os.Getenv(upgradeFixtureEnv)
	if out == "" {
		t.Skip(upgradeFixtureEnv + " is not set")
	}
	t.Run("sqlite", func(t *testing.T) {
		writeUpgradeFixture(t, filepath.Join(out, "sqlite"), "")
	})
	t.Run("postgres", func(t *testing.T) {
		writeUpgradeFixture(t, filepath.Join(out, "postgres"), testenv.Postgres(t))
	})
}

func writeUpgradeFixture(t *testing.T, out, pgURL string) {
	_, files, songs := serveSong(t, 6, 11)
	data := filepath.Join(out, "data")
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	args := []string{"--fetch-allow", "127.0.0.1/32"}
	if pgURL != "" {
		args = append(args, "--database", pgURL)
	}
	n := startNode(t, data, args...)
	st := upgradeState{Admin: n.adminCreds(), DevEmail: "fixture-dev@example.test", DevPassword: "a long enough passphrase"}

	r := n.call(st.Admin, "POST", "/v1/accounts", map[string]any{"email": st.DevEmail, "name": "Fixture Dev", "role": "developer", "password": st.DevPassword})
	if r.Status != 201 {
		t.Fatalf("create account: %d %s", r.Status, r.Raw)
	}
	var dev struct{ ID int64 }
	r.field("account", &dev)
	r = n.call(st.Admin, "POST", "/v1/credentials", map[string]any{"name": "fixture-cli", "owner": dev.ID, "groups": []string{}})
	if r.Status != 201 {
		t.Fatalf("create developer credential: %d %s", r.Status, r.Raw)
	}
	var s secretJSON
	r.field("secret", &s)
	st.DevCLI = creds{Key: s.Key, Secret: s.Secret, KID: s.KID}
	r = n.call(st.DevCLI, "POST", "/v1/requests", map[string]any{"groups": []string{"encoding"}, "reason": "fixture"})
	if r.Status != 201 {
		t.Fatalf("request access: %d %s", r.Status, r.Raw)
	}
	var req struct{ ID int64 }
	r.field("request", &req)
	st.RequestID = req.ID
	if r := n.call(st.Admin, "POST", fmt.Sprintf("/v1/requests/%d/approve", req.ID), map[string]string{"note": "ok"}); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Raw)
	}
	r = n.call(st.DevCLI, "POST", "/v1/credentials", map[string]any{"name": "fixture-app", "groups": []string{"encoding"}})
	if r.Status != 201 {
		t.Fatalf("create app credential: %d %s", r.Status, r.Raw)
	}
	var cred credentialJSON
	r.field("credential", &cred)
	r.field("secret", &s)
	st.App, st.AppID = creds{Key: s.Key, Secret: s.Secret, KID: s.KID}, cred.ID

	st.Query = startJob(t, n, st.App, songs.URL+"/"+filepath.Base(files["wav"]), "Fixture Artist")
	a := n.awaitComplete(t, st.App, st.Query, 120*time.Second, "fixture job complete")
	st.SoundLink = a.Soundlink

	st.Session = portalSignIn(t, n.URL, st.DevEmail, st.DevPassword)
	st.SessionEmail = st.DevEmail
	n.stop()

	os.RemoveAll(filepath.Join(data, "tmp"))
	if pgURL == "" {
		compactSQLite(t, filepath.Join(data, "keyward.db"))
		compactSQLite(t, filepath.Join(data, "jobs.db"))
	} else {
		// The database is kept in pg_dump's archive format, as the SQLite
		// one is kept in its database files: generated, never edited, read
		// by pg_restore (pg_restore -f - dump.pgdump prints it as SQL).
		msg, err := exec.Command(testenv.Command(t, "pg_dump"), "--format", "custom", "--no-owner", "--no-privileges",
			"--dbname", pgURL, "--file", filepath.Join(out, "dump.pgdump")).CombinedOutput()
		if err != nil {
			t.Fatalf("pg_dump: %v\n%s", err, msg)
		}
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(filepath.Join(out, "state.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// portalSignIn signs email in at the portal of base and returns the
// session cookie's value.
func portalSignIn(t *testing.T, base, email, password string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	res, err := c.Get(base + "/portal/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	form := url.Values{"email": {email}, "password": {password}, "csrf": {csrfField(t, string(body))}}
	req, _ := http.NewRequest("POST", base+"/portal/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", base)
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.Path != "/portal/" || !strings.Contains(string(body), email) {
		t.Fatalf("sign in: %d at %s\n%s", res.StatusCode, res.Request.URL.Path, body)
	}
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "keyward_portal" {
			return ck.Value
		}
	}
	t.Fatal("no session cookie after sign-in")
	return ""
}

// csrfField returns the value of the CSRF field of a portal page.
func csrfField(t *testing.T, page string) string {
	t.Helper()
	const mark = `name="csrf" value="`
	i := strings.Index(page, mark)
	if i < 0 {
		t.Fatalf("page without a CSRF field:\n%s", page)
	}
	v := page[i+len(mark):]
	return v[:strings.IndexByte(v, '"')]
}

// compactSQLite folds the write-ahead log into the database file, so the
// file alone holds everything.
func compactSQLite(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA journal_mode=DELETE", "VACUUM"} {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s %s: %v", path, q, err)
		}
	}
}
