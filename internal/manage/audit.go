package manage

import (
	"net/http"

	"github.com/keyward/keyward/internal/credential"
)

// handleAuditList answers GET /v1/audit?actor=&action=&target_kind=&target_id=.
func (h *Handler) handleAuditList(w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	actor, err := queryInt64(r, "actor")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	list, err := h.svc.FindAuditEntries(r.Context(), &credential.AuditFilter{
		Page: p, ActorID: actor, Action: q.Get("action"), TargetKind: q.Get("target_kind"), TargetID: q.Get("target_id"),
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusOK, list)
}

// handleNotificationList answers GET /v1/notifications?unread=true.
func (h *Handler) handleNotificationList(w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.svc.FindNotifications(r.Context(), &credential.NotificationFilter{Page: p, UnreadOnly: r.URL.Query().Get("unread") == "true"})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusOK, list)
}

// handleNotificationRead answers POST /v1/notifications/{id}/read.
func (h *Handler) handleNotificationRead(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.MarkNotificationRead(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusOK, map[string]any{})
}

// handleUsage answers GET /v1/usage?credential=&since=&until=: request
// counts by credential, route, status and minute. Developers see their own
// credentials' usage only.
func (h *Handler) handleUsage(w http.ResponseWriter, r *http.Request) {
	cred, err := queryInt64(r, "credential")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	since, err := queryTime(r, "since")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	until, err := queryTime(r, "until")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	filter := &credential.UsageFilter{CredentialID: cred, Since: since, Until: until}
	rows, err := h.svc.FindUsage(r.Context(), filter)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if rows == nil {
		rows = []*credential.UsageRow{}
	}
	h.ok(w, r, http.StatusOK, map[string]any{"usage": rows})
}
