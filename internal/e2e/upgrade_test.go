package e2e

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/keyward/keyward/internal/testenv"
)

// upgradeFrom is the commit whose keyward wrote the fixtures under
// testdata/upgrade (see TestWriteUpgradeFixture).
const upgradeFrom = "ea09780"

// TestUpgradeInPlace starts today's keyward on a data directory (SQLite)
// and on a database (PostgreSQL, restored from pg_dump) that the keyward of
// commit upgradeFrom wrote, and expects everything they held to work:
// credentials verify, the approved request and the finished job read back,
// the job's file downloads, the portal session is still signed in, and new
// work (a credential, an encoding job) goes through.
func TestUpgradeInPlace(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		data, st := copyUpgradeFixture(t, "sqlite")
		db, err := sql.Open("sqlite", filepath.Join(data, "keyward.db"))
		if err != nil {
			t.Fatal(err)
		}
		renewSessions(t, db)
		db.Close()
		n := startNode(t, data, "--fetch-allow", "127.0.0.1/32")
		checkUpgraded(t, n, st)
		n.stop()

		jobsDB, err := sql.Open("sqlite", filepath.Join(data, "jobs.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer jobsDB.Close()
		checkMigrationTables(t, jobsDB, "keyward_jobs_migrations", "keyward_encoding_migrations")
		storeDB, err := sql.Open("sqlite", filepath.Join(data, "keyward.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer storeDB.Close()
		checkMigrationTables(t, storeDB, "keyward_store_migrations", "keyward_portal_migrations")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		data, st := copyUpgradeFixture(t, "postgres")
		dsn := testenv.Postgres(t)
		dump := filepath.Join("testdata", "upgrade", upgradeFrom, "postgres", "dump.pgdump")
		out, err := exec.Command(testenv.Command(t, "pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
			"--dbname", dsn, dump).CombinedOutput()
		if err != nil {
			t.Fatalf("pg_restore: %v\n%s", err, out)
		}
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		renewSessions(t, db)
		n := startNode(t, data, "--fetch-allow", "127.0.0.1/32", "--database", dsn)
		checkUpgraded(t, n, st)
		checkMigrationTables(t, db, "keyward_store_migrations", "keyward_portal_migrations", "keyward_jobs_migrations", "keyward_encoding_migrations")
	})
}

// copyUpgradeFixture copies the fixture's data directory into a temporary
// one (files 0600, as keyward writes them) and reads its state.json.
func copyUpgradeFixture(t *testing.T, dialect string) (string, upgradeState) {
	t.Helper()
	src := filepath.Join("testdata", "upgrade", upgradeFrom, dialect)
	var st upgradeState
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(src, "state.json"))), &st); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	err := os.CopyFS(data, os.DirFS(filepath.Join(src, "data")))
	if err == nil {
		err = filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			return os.Chmod(path, 0o600)
		})
	}
	if err != nil {
		t.Fatalf("copy fixture: %v", err)
	}
	return data, st
}

// renewSessions moves the fixture's portal sessions back inside their
// lifetime (the fixture was written long before the test runs), as if they
// had been made a moment ago: their deadline in the encoded data and their
// expiry in the row.
func renewSessions(t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.Query(`SELECT token, data FROM portal_sessions`)
	if err != nil {
		t.Fatal(err)
	}
	renewed := map[string]string{}
	for rows.Next() {
		var token, data string
		if err := rows.Scan(&token, &data); err != nil {
			t.Fatal(err)
		}
		renewed[token] = data
	}
	rows.Close()
	if len(renewed) == 0 {
		t.Fatal("the fixture holds no portal session")
	}
	var codec scs.GobCodec
	for token, data := range renewed {
		_, values, err := codec.Decode(mustBase64(t, data))
		if err != nil {
			t.Fatalf("decode session: %v", err)
		}
		b, err := codec.Encode(time.Now().Add(12*time.Hour), values)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE portal_sessions SET data = $1, expiry = $2 WHERE token = $3`,
			base64.StdEncoding.EncodeToString(b), time.Now().Add(time.Hour).UnixMilli(), token); err != nil {
			t.Fatal(err)
		}
	}
}

// checkUpgraded checks that n serves what the fixture holds.
func checkUpgraded(t *testing.T, n *node, st upgradeState) {
	t.Helper()
	for name, c := range map[string]creds{"admin": st.Admin, "developer": st.DevCLI, "app": st.App} {
		if r := n.call(c, "GET", "/v1/me", nil); r.Status != 200 {
			t.Errorf("%s credential after the upgrade: %d %s", name, r.Status, r.Raw)
		}
	}
	r := n.call(st.DevCLI, "GET", fmt.Sprintf("/v1/requests/%d", st.RequestID), nil)
	var req struct{ Status string }
	if r.Status == 200 {
		r.field("request", &req)
	}
	if req.Status != "approved" {
		t.Errorf("approved request after the upgrade: %d %s", r.Status, r.Raw)
	}

	r, a := n.query(t, st.App, st.Query)
	if a.Status != "complete" || a.Soundlink != st.SoundLink || a.URL == "" {
		t.Fatalf("finished job after the upgrade: %d %s", r.Status, r.Raw)
	}
	res, err := http.Get(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || len(body) < 1000 || string(body[:4]) != "RIFF" {
		t.Errorf("download of the finished job: %d, %d bytes", res.StatusCode, len(body))
	}

	if status, path, page := portalGet(t, n.URL, st.Session, "/portal/"); status != 200 || path != "/portal/" || !strings.Contains(page, st.SessionEmail) {
		t.Errorf("portal session after the upgrade: %d at %s", status, path)
	}

	// New work goes through on the upgraded schema.
	r = n.call(st.DevCLI, "POST", "/v1/credentials", map[string]any{"name": "after-upgrade", "groups": []string{"encoding"}})
	if r.Status != 201 {
		t.Fatalf("create a credential after the upgrade: %d %s", r.Status, r.Raw)
	}
	var s secretJSON
	r.field("secret", &s)
	_, files, songs := serveSong(t, 6, 12)
	fresh := creds{Key: s.Key, Secret: s.Secret}
	q := startJob(t, n, fresh, songs.URL+"/"+filepath.Base(files["wav"]), "After Upgrade")
	n.awaitComplete(t, fresh, q, 120*time.Second, "a job started after the upgrade completes")
}

// checkMigrationTables checks that each table records applied versions and
// that the migration table of keyward's former runner is gone.
func checkMigrationTables(t *testing.T, db *sql.DB, tables ...string) {
	t.Helper()
	for _, table := range tables {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table + ` WHERE version_id > 0`).Scan(&n); err != nil || n == 0 {
			t.Errorf("%s: %d versions, %v", table, n, err)
		}
	}
	if _, err := db.Exec(`SELECT COUNT(*) FROM keyward_job_migration`); err == nil {
		t.Error("keyward_job_migration is still there")
	}
}

// portalGet fetches path from the portal at base with the session cookie
// and returns the status, the path it ended at and the page.
func portalGet(t *testing.T, base, session, path string) (int, string, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(base)
	jar.SetCookies(u, []*http.Cookie{{Name: "keyward_portal", Value: session, Path: "/"}})
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Request.URL.Path, string(body)
}

func mustBase64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPortalSessionAcrossNodesOnPostgres signs in at the portal of one of
// two nodes sharing PostgreSQL, uses the session on the other, signs out
// there, and expects the first node to have forgotten the session too.
func TestPortalSessionAcrossNodesOnPostgres(t *testing.T) {
	t.Parallel()
	a, b := cluster(t)
	admin := a.adminCreds()
	session := portalSignIn(t, a.URL, admin.Email, admin.Password)
	status, path, page := portalGet(t, b.URL, session, "/portal/")
	if status != 200 || path != "/portal/" || !strings.Contains(page, admin.Email) {
		t.Fatalf("session of node A on node B: %d at %s", status, path)
	}
	req, _ := http.NewRequest("POST", b.URL+"/portal/signout", strings.NewReader(url.Values{"csrf": {csrfField(t, page)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.URL)
	req.AddCookie(&http.Cookie{Name: "keyward_portal", Value: session})
	res, err := (&http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode >= 400 {
		t.Fatalf("sign out on node B: %d", res.StatusCode)
	}
	if status, path, _ := portalGet(t, a.URL, session, "/portal/"); path != "/portal/signin" {
		t.Fatalf("node A after signing out on node B: %d at %s, want the sign-in page", status, path)
	}
}
