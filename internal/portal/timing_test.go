package portal_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/portal"
)

// TestPageTimes measures the server time of every page with 1,000
// credentials and 10,000 audit entries in a SQLite file store. It reports
// the times (go test -v -run TestPageTimes) and asserts only that every page
// answers.
func TestPageTimes(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 1,000 credentials and 10,000 audit entries")
	}
	t.Parallel()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, res := MustOpenStore(t, filepath.Join(t.TempDir(), "keyward.db"), log)
	p, err := portal.New(portal.Config{Services: st, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/portal/", p.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	seedStart := time.Now()
	dev, err := st.CreateAccount(ctx, &credential.CreateAccountParams{Email: "busy@example.com", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	devCtx, adminCtx := ctxAs(dev.ID), ctxAs(res.Account.ID)
	req, err := st.CreateAccessRequest(devCtx, &credential.CreateAccessRequestParams{Groups: []string{"encoding"}, Reason: "load"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DecideAccessRequest(adminCtx, &credential.DecideAccessRequestParams{ID: req.ID, Decision: credential.RequestApproved}); err != nil {
		t.Fatal(err)
	}
	var firstID int64
	for i := range 1000 {
		c, _, err := st.CreateCredential(devCtx, &credential.CreateCredentialParams{Name: "app-" + strconv.Itoa(i), Groups: []string{"encoding"}})
		if err != nil {
			t.Fatal(err)
		}
		if firstID == 0 {
			firstID = c.ID
		}
	}
	now := time.Now().UTC().Truncate(time.Minute)
	var usage []credential.UsageRow
	for m := range 24 * 60 {
		at := now.Add(-time.Duration(m) * time.Minute)
		usage = append(usage, credential.UsageRow{CredentialID: firstID, Route: "sl.encoding.start", Status: 200, Minute: at, Count: int64(m%17 + 1)},
			credential.UsageRow{CredentialID: firstID, Route: "sl.encoding.start", Status: 401, Minute: at, Count: int64(m % 3)})
	}
	if err := st.RecordUsage(ctx, usage); err != nil {
		t.Fatal(err)
	}
	// Fill the audit log up to 10,000 entries (the credentials wrote about
	// 1,000): direct inserts, as the store's mutations would write them.
	tx, err := st.Driver().BeginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&have); err != nil {
		t.Fatal(err)
	}
	for i := have; i < 10000; i++ {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (actor_id, action, target_kind, target_id, detail, remote_addr, created_at)
			VALUES ($1, 'credential.update', 'credential', $2, '{"notes":"changed"}', '127.0.0.1', $3)`,
			dev.ID, strconv.FormatInt(firstID+int64(i%1000), 10), time.Now().UnixMilli()); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded 1,000 credentials, %d usage rows and 10,000 audit entries in %v", len(usage), time.Since(seedStart).Round(time.Millisecond))

	devBrowser := (&testBundle{server: srv}).newBrowser(t)
	devBrowser.signIn("busy@example.com", "correct horse battery")
	adminBrowser := (&testBundle{server: srv}).newBrowser(t)
	adminBrowser.signIn(res.Account.Email, res.Password)
	first := strconv.FormatInt(firstID, 10)
	credPage := devBrowser.get("/portal/credentials")
	cursor := ""
	if i := strings.Index(credPage.body, "cursor="); i >= 0 {
		cursor = strings.TrimRightFunc(credPage.body[i+len("cursor="):i+len("cursor=")+12], func(r rune) bool { return r < '0' || r > '9' })
	}

	type probe struct {
		who  *browser
		path string
	}
	probes := []probe{
		{devBrowser, "/portal/"},
		{devBrowser, "/portal/groups"},
		{devBrowser, "/portal/requests"},
		{devBrowser, "/portal/requests/new"},
		{devBrowser, "/portal/notifications"},
		{devBrowser, "/portal/credentials"},
		{devBrowser, "/portal/credentials?cursor=" + cursor},
		{devBrowser, "/portal/credentials/new"},
		{devBrowser, "/portal/credentials/" + first},
		{devBrowser, "/portal/credentials/" + first + "?range=7d"},
		{devBrowser, "/portal/credentials/" + first + "/secret"},
		{devBrowser, "/portal/playground"},
		{adminBrowser, "/portal/"},
		{adminBrowser, "/portal/admin/requests?status=all"},
		{adminBrowser, "/portal/admin/accounts"},
		{adminBrowser, "/portal/admin/groups"},
		{adminBrowser, "/portal/admin/credentials"},
		{adminBrowser, "/portal/admin/audit"},
		{adminBrowser, "/portal/admin/audit?action=credential.update"},
		{adminBrowser, "/portal/admin/audit?actor=" + strconv.FormatInt(dev.ID, 10) + "&target_kind=credential&target_id=" + first},
		{nil, "/portal/signin"},
	}
	base, _ := url.Parse(srv.URL)
	handler := p.Handler()
	const runs = 21
	var report strings.Builder
	fmt.Fprintf(&report, "\n%-78s %8s %8s %8s\n", "page (server time, handler only, "+strconv.Itoa(runs)+" runs)", "median", "p90", "max")
	for _, pr := range probes {
		var times []time.Duration
		for i := range runs + 1 {
			r := httptest.NewRequest("GET", pr.path, nil)
			r.RemoteAddr = "127.0.0.1:1234"
			if pr.who != nil {
				for _, c := range pr.who.c.Jar.Cookies(base) {
					r.AddCookie(c)
				}
			}
			w := httptest.NewRecorder()
			start := time.Now()
			handler.ServeHTTP(w, r)
			d := time.Since(start)
			if w.Code != 200 && w.Code != http.StatusGone {
				t.Fatalf("GET %s: %d\n%s", pr.path, w.Code, w.Body)
			}
			if i > 0 { // the first run warms caches
				times = append(times, d)
			}
		}
		slices.Sort(times)
		who := "visitor"
		if pr.who == devBrowser {
			who = "developer"
		} else if pr.who == adminBrowser {
			who = "admin"
		}
		fmt.Fprintf(&report, "%-78s %8s %8s %8s\n", who+" "+pr.path, ms(times[len(times)/2]), ms(times[len(times)*9/10]), ms(times[len(times)-1]))
	}
	t.Log(report.String())
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + "ms"
}
