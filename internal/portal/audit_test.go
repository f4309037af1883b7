package portal_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/portal"
)

// TestAuditFromForSignUp: a sign-up is recorded with the address it came
// from, like every other action, and the audit log shows it under "From".
func TestAuditFromForSignUp(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	b.signedUp(t, "audit-from@example.com")
	admin := b.signedInAdmin(t)
	pg := admin.get("/portal/admin/audit?action=account.create").must(t, "audit log", 200)
	var row string
	for _, r := range strings.Split(pg.body, "<tr>") {
		if strings.Contains(r, "audit-from@example.com") {
			row, _, _ = strings.Cut(r, "</tr>")
		}
	}
	if row == "" {
		t.Fatalf("the audit log has no account.create row for the sign-up\n%s", pg.body)
	}
	if !regexp.MustCompile(`<td>127\.0\.0\.1</td>\s*$`).MatchString(row) {
		t.Fatalf("the sign-up's audit row does not say it came from 127.0.0.1:\n%s", row)
	}
}
