package portal

import (
	"net/http"

	"github.com/keyward/keyward/internal/credential"
)

// notificationsPage is the data of the notification list.
type notificationsPage struct {
	Notifications []*credential.Notification
	NextCursor    string
}

// handleNotificationIndex answers GET /portal/notifications?cursor=.
func (p *Portal) handleNotificationIndex(w http.ResponseWriter, r *http.Request) {
	list, err := p.svc.FindNotifications(r.Context(), &credential.NotificationFilter{Page: credential.Page{Cursor: r.URL.Query().Get("cursor")}})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "notifications", p.newView(r, "Notifications", "notifications",
		notificationsPage{Notifications: list.Notifications, NextCursor: list.NextCursor}))
}

// handleNotificationRead answers POST /portal/notifications/{id}/read.
func (p *Portal) handleNotificationRead(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if err := p.svc.MarkNotificationRead(r.Context(), id); err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, "/portal/notifications", "")
}

// handleNotificationReadAll answers POST /portal/notifications/read: every
// unread notification is marked read.
func (p *Portal) handleNotificationReadAll(w http.ResponseWriter, r *http.Request) {
	list, err := p.svc.FindNotifications(r.Context(), &credential.NotificationFilter{UnreadOnly: true, Page: credential.Page{Limit: credential.MaxLimit}})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	for _, n := range list.Notifications {
		if err := p.svc.MarkNotificationRead(r.Context(), n.ID); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	p.redirect(w, r, "/portal/notifications", "All notifications marked read.")
}
