package manage

import (
	"net/http"
	"time"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/errcode"
)

// handleCredentialList answers GET /v1/credentials?owner=&status=&limit=&cursor=.
func (h *Handler) handleCredentialList(w http.ResponseWriter, r *http.Request) (int, any, error) {
	p, err := page(r)
	if err != nil {
		return 0, nil, err
	}
	owner, err := queryInt64(r, "owner")
	if err != nil {
		return 0, nil, err
	}
	status := credential.CredentialStatus(r.URL.Query().Get("status"))
	list, err := h.svc.FindCredentials(r.Context(), &credential.CredentialFilter{Page: p, OwnerID: owner, Status: status})
	return respond(http.StatusOK, list, err)
}

// handleCredentialCreate answers POST /v1/credentials: a new key and its
// secret, which this response is the only one to show.
func (h *Handler) handleCredentialCreate(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var in struct {
		Name   string   `json:"name"`
		Notes  string   `json:"notes"`
		Groups []string `json:"groups"`
		Owner  int64    `json:"owner"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	c, sec, err := h.svc.CreateCredential(r.Context(), &credential.CreateCredentialParams{OwnerID: in.Owner, Name: in.Name, Notes: in.Notes, Groups: in.Groups})
	if err != nil {
		return 0, nil, err
	}
	w.Header().Set("Cache-Control", "no-store")
	return http.StatusCreated, map[string]any{"credential": c, "secret": sec}, nil
}

// handleCredentialRead answers GET /v1/credentials/{id}; it never shows a
// secret.
func (h *Handler) handleCredentialRead(w http.ResponseWriter, r *http.Request, id int64) (int, any, error) {
	c, err := h.svc.FindCredentialByID(r.Context(), id)
	return respond(http.StatusOK, map[string]any{"credential": c}, err)
}

// handleCredentialUpdate answers PATCH /v1/credentials/{id}.
func (h *Handler) handleCredentialUpdate(w http.ResponseWriter, r *http.Request, id int64) (int, any, error) {
	var in struct {
		Name   *string   `json:"name"`
		Notes  *string   `json:"notes"`
		Groups *[]string `json:"groups"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	c, err := h.svc.UpdateCredential(r.Context(), &credential.UpdateCredentialParams{ID: id, Name: in.Name, Notes: in.Notes, Groups: in.Groups})
	return respond(http.StatusOK, map[string]any{"credential": c}, err)
}

// handleCredentialRotate answers POST /v1/credentials/{id}/rotate with an
// optional {"overlap": "24h"}: a new secret, shown once; the old one keeps
// working for the overlap. An absent overlap is the server's default; an
// explicit zero ("0s") ends the old secret at once.
func (h *Handler) handleCredentialRotate(w http.ResponseWriter, r *http.Request, id int64) (int, any, error) {
	var in struct {
		Overlap string `json:"overlap"`
	}
	if err := decodeOptional(r, &in); err != nil {
		return 0, nil, err
	}
	var overlap time.Duration
	if in.Overlap != "" {
		var err error
		overlap, err = time.ParseDuration(in.Overlap)
		if err != nil || overlap < 0 {
			return 0, nil, errcode.Errorf(errcode.InvalidArgument, "overlap must be a duration such as 24h or 30m")
		}
		if overlap == 0 {
			overlap = credential.NoOverlap
		}
	}
	c, sec, err := h.svc.RotateSecret(r.Context(), &credential.RotateSecretParams{ID: id, Overlap: overlap})
	if err != nil {
		return 0, nil, err
	}
	w.Header().Set("Cache-Control", "no-store")
	return http.StatusOK, map[string]any{"credential": c, "secret": sec}, nil
}

// handleSecretRetire answers POST /v1/credentials/{id}/secrets/{kid}/retire.
func (h *Handler) handleSecretRetire(w http.ResponseWriter, r *http.Request, id int64) (int, any, error) {
	c, err := h.svc.RetireSecret(r.Context(), &credential.RetireSecretParams{ID: id, KID: r.PathValue("kid")})
	return respond(http.StatusOK, map[string]any{"credential": c}, err)
}

// handleCredentialRevoke answers POST /v1/credentials/{id}/revoke.
func (h *Handler) handleCredentialRevoke(w http.ResponseWriter, r *http.Request, id int64) (int, any, error) {
	c, err := h.svc.RevokeCredential(r.Context(), id)
	return respond(http.StatusOK, map[string]any{"credential": c}, err)
}

// handleCredentialDelete answers DELETE /v1/credentials/{id}.
func (h *Handler) handleCredentialDelete(w http.ResponseWriter, r *http.Request, id int64) (int, any, error) {
	return respond(http.StatusOK, map[string]any{}, h.svc.DeleteCredential(r.Context(), id))
}
