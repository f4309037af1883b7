package portal_test

import (
	"testing"

	"github.com/keyward/keyward/internal/portal"
)

// TestAdminDashboardGroups: the admin's credentials can carry every group,
// so the dashboard and the group list must not tell the admin that no
// group is approved or offer to request one.
func TestAdminDashboardGroups(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	admin := b.newBrowser(t)
	admin.signIn(b.adminEmail, b.adminPassword).
		lacks(t, "admin dashboard", "no approved API groups").
		has(t, "admin dashboard", "every API group", `<span class="tag">encoding</span>`)
	admin.get("/portal/groups").must(t, "admin group list", 200).
		lacks(t, "admin group list", "Request access to encoding")

	dev := b.newBrowser(t)
	dev.signUp("dashboard-dev@example.com", "correct horse battery").
		has(t, "developer dashboard", "You have no approved API groups yet.")
}
