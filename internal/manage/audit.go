package manage

import (
	"net/http"

	"github.com/keyward/keyward/internal/credential"
)

// handleAuditList answers GET /v1/audit?actor=&action=&target_kind=&target_id=.
func (h *Handler) handleAuditList(w http.ResponseWriter, r *http.Request) (int, any, error) {
	p, err := page(r)
	if err != nil {
		return 0, nil, err
	}
	actor, err := queryInt64(r, "actor")
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	list, err := h.svc.FindAuditEntries(r.Context(), &credential.AuditFilter{
		Page: p, ActorID: actor, Action: q.Get("action"), TargetKind: q.Get("target_kind"), TargetID: q.Get("target_id"),
	})
	return respond(http.StatusOK, list, err)
}

// handleNotificationList answers GET /v1/notifications?unread=true.
func (h *Handler) handleNotificationList(w http.ResponseWriter, r *http.Request) (int, any, error) {
	p, err := page(r)
	if err != nil {
		return 0, nil, err
	}
	list, err := h.svc.FindNotifications(r.Context(), &credential.NotificationFilter{Page: p, UnreadOnly: r.URL.Query().Get("unread") == "true"})
	return respond(http.StatusOK, list, err)
}

// handleNotificationRead answers POST /v1/notifications/{id}/read.
func (h *Handler) handleNotificationRead(w http.ResponseWriter, r *http.Request, id int64) (int, any, error) {
	return respond(http.StatusOK, map[string]any{}, h.svc.MarkNotificationRead(r.Context(), id))
}

// handleUsage answers GET /v1/usage?credential=&since=&until=: request
// counts by credential, route, status and minute. Developers see their own
// credentials' usage only.
func (h *Handler) handleUsage(w http.ResponseWriter, r *http.Request) (int, any, error) {
	cred, err := queryInt64(r, "credential")
	if err != nil {
		return 0, nil, err
	}
	since, err := queryTime(r, "since")
	if err != nil {
		return 0, nil, err
	}
	until, err := queryTime(r, "until")
	if err != nil {
		return 0, nil, err
	}
	filter := &credential.UsageFilter{CredentialID: cred, Since: since, Until: until}
	rows, err := h.svc.FindUsage(r.Context(), filter)
	if err != nil {
		return 0, nil, err
	}
	if rows == nil {
		rows = []*credential.UsageRow{}
	}
	return http.StatusOK, map[string]any{"usage": rows}, nil
}
