package auth

import (
	"net/http"

	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/errcode"
)

// Check runs the door's checks of rt on r, as [Authenticator.Require]
// does, but answers nothing: it returns the identity, or the error to
// answer with through envelope.Error. It is for handlers that check more
// before they answer, such as the rooms join, whose refusals must all
// come before a WebSocket upgrade. Check records neither metrics nor
// usage. Routes that read {"data": token} bodies are not supported.
func (a *Authenticator) Check(r *http.Request, rt Route) (*Identity, error) {
	if err := rt.Validate(); err != nil {
		return nil, err
	}
	if rt.bodyTokens() {
		return nil, errcode.New(errcode.Internal, "auth: Check does not read body tokens")
	}
	limit := a.cfg.RateLimit
	if rt.RateLimit != nil {
		limit = *rt.RateLimit
	}
	id := &Identity{meta: envelope.Meta{ID: rt.APIID, Logger: a.cfg.Logger}}
	if _, err := a.authenticate(nil, r, &rt, limit, id, a.cfg.NowFunc()); err != nil {
		return nil, err
	}
	return id, nil
}
