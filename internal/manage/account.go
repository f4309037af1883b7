package manage

import (
	"net/http"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/errcode"
)

// handleMe answers GET /v1/me: the calling account and credential.
func (h *Handler) handleMe(w http.ResponseWriter, r *http.Request) {
	caller, _ := h.caller(r)
	actor := credential.ActorFromContext(r.Context())
	if actor == nil {
		h.fail(w, r, errcode.New(errcode.Unauthorized, "no caller"))
		return
	}
	acct, err := h.svc.FindAccountByID(r.Context(), actor.AccountID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusOK, map[string]any{
		"account":    acct,
		"credential": map[string]any{"id": caller.CredentialID, "key": caller.Key, "groups": caller.Groups},
	})
}

// handleAccountList answers GET /v1/accounts?role=&limit=&cursor= (admins).
func (h *Handler) handleAccountList(w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.svc.FindAccounts(r.Context(), &credential.AccountFilter{Page: p, Role: credential.Role(r.URL.Query().Get("role"))})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusOK, list)
}

// handleAccountCreate answers POST /v1/accounts (admins).
func (h *Handler) handleAccountCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string          `json:"email"`
		Name     string          `json:"name"`
		Role     credential.Role `json:"role"`
		Password string          `json:"password"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if in.Role == "" {
		in.Role = credential.RoleDeveloper
	}
	acct, err := h.svc.CreateAccount(r.Context(), &credential.CreateAccountParams{Email: in.Email, Name: in.Name, Role: in.Role, Password: in.Password})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusCreated, map[string]any{"account": acct})
}

// handleAccountRead answers GET /v1/accounts/{id}.
func (h *Handler) handleAccountRead(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	acct, err := h.svc.FindAccountByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusOK, map[string]any{"account": acct})
}
