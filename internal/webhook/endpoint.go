package webhook

import (
	"net/http"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/token"
)

// APIWebhook is the route id of the owner's webhook endpoint.
const APIWebhook = "keyward.rooms.webhook"

// Endpoints returns GET /v1/rooms/{id}/webhook, for management tokens of
// the room's account.
func (s *Service) Endpoints() []auth.Endpoint {
	return []auth.Endpoint{{
		ID: APIWebhook, Pattern: "GET /v1/rooms/{id}/webhook", Tag: "rooms",
		Summary: "The room's webhook: URL, events, signing secret, and its latest events with their delivery state",
		Policy:  &auth.Route{Profiles: token.ProfileSet(token.Management)},
		Handler: http.HandlerFunc(s.handleWebhook),
	}}
}

// handleWebhook shows a room's webhook to its owner.
//
//	GET /v1/rooms/{id}/webhook
func (s *Service) handleWebhook(w http.ResponseWriter, r *http.Request) {
	id, _ := auth.FromContext(r.Context())
	if id == nil {
		id = &auth.Identity{}
	}
	rm, err := s.cfg.Store.Room(r.Context(), id.AccountID, r.PathValue("id"))
	if err != nil {
		envelope.Error(w, r, err)
		return
	}
	events, err := s.cfg.Store.WebhookEvents(r.Context(), rm.ID, 20)
	if err != nil {
		envelope.Error(w, r, err)
		return
	}
	envelope.Write(w, r, http.StatusOK, "", map[string]any{
		"url": rm.Webhook.URL, "events": rm.Webhook.Events,
		"secret":           s.Secret(rm.ID),
		"signature_header": SignatureHeader + ": t=UNIX,v1=hex(HMAC-SHA256(secret, UNIX + \".\" + body))",
		"recent":           events,
	})
}
