package portal

import (
	"net/http"

	"github.com/keyward/keyward/internal/credential"
)

// dashboardPage is the data of the dashboard.
type dashboardPage struct {
	// Approved are the groups the account's credentials may carry: every
	// group for an admin.
	Approved      []string
	Pending       []*credential.AccessRequest
	Credentials   []*credential.Credential
	MoreCreds     bool
	Notifications []*credential.Notification
	// AdminPending is the size of the admin's queue (capped at the page
	// size, with AdminPendingMore set beyond).
	AdminPending     int
	AdminPendingMore bool
}

// handleDashboard answers GET /portal/: what the signed-in account has and
// what waits for it; the sign-in page for visitors.
func (p *Portal) handleDashboard(w http.ResponseWriter, r *http.Request) {
	a := accountFromContext(r.Context())
	if a == nil {
		http.Redirect(w, r, "/portal/signin", http.StatusSeeOther)
		return
	}
	ctx := r.Context()
	var d dashboardPage
	var err error
	if d.Approved, err = p.usableGroups(ctx, a); err != nil {
		p.fail(w, r, err)
		return
	}
	reqs, err := p.svc.FindAccessRequests(ctx, &credential.AccessRequestFilter{AccountID: a.ID, Status: credential.RequestPending, Page: credential.Page{Limit: 5}})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d.Pending = reqs.Requests
	creds, err := p.svc.FindCredentials(ctx, &credential.CredentialFilter{OwnerID: a.ID, Status: credential.CredentialActive, Page: credential.Page{Limit: 5}})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d.Credentials, d.MoreCreds = creds.Credentials, creds.NextCursor != ""
	notes, err := p.svc.FindNotifications(ctx, &credential.NotificationFilter{UnreadOnly: true, Page: credential.Page{Limit: 5}})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d.Notifications = notes.Notifications
	if a.Role == credential.RoleAdmin {
		queue, err := p.svc.FindAccessRequests(ctx, &credential.AccessRequestFilter{Status: credential.RequestPending})
		if err != nil {
			p.fail(w, r, err)
			return
		}
		d.AdminPending, d.AdminPendingMore = len(queue.Requests), queue.NextCursor != ""
	}
	p.render(w, r, http.StatusOK, "dashboard", p.newView(r, "Dashboard", "dashboard", d))
}
