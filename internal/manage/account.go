package manage

import (
	"net/http"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/errcode"
)

// handleMe answers GET /v1/me: the calling account and credential.
func (h *Handler) handleMe(w http.ResponseWriter, r *http.Request) (int, any, error) {
	caller, _ := h.caller(r)
	actor := credential.ActorFromContext(r.Context())
	if actor == nil {
		return 0, nil, errcode.New(errcode.Unauthorized, "no caller")
	}
	acct, err := h.svc.FindAccountByID(r.Context(), actor.AccountID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{
		"account":    acct,
		"credential": map[string]any{"id": caller.CredentialID, "key": caller.Key, "groups": caller.Groups},
	}, nil
}

// handleAccountList answers GET /v1/accounts?role=&limit=&cursor= (admins).
func (h *Handler) handleAccountList(w http.ResponseWriter, r *http.Request) (int, any, error) {
	p, err := page(r)
	if err != nil {
		return 0, nil, err
	}
	list, err := h.svc.FindAccounts(r.Context(), &credential.AccountFilter{Page: p, Role: credential.Role(r.URL.Query().Get("role"))})
	return respond(http.StatusOK, list, err)
}

// handleAccountCreate answers POST /v1/accounts (admins).
func (h *Handler) handleAccountCreate(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var in struct {
		Email    string          `json:"email"`
		Name     string          `json:"name"`
		Role     credential.Role `json:"role"`
		Password string          `json:"password"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Role == "" {
		in.Role = credential.RoleDeveloper
	}
	acct, err := h.svc.CreateAccount(r.Context(), &credential.CreateAccountParams{Email: in.Email, Name: in.Name, Role: in.Role, Password: in.Password})
	return respond(http.StatusCreated, map[string]any{"account": acct}, err)
}

// handleAccountRead answers GET /v1/accounts/{id}.
func (h *Handler) handleAccountRead(w http.ResponseWriter, r *http.Request, id int64) (int, any, error) {
	acct, err := h.svc.FindAccountByID(r.Context(), id)
	return respond(http.StatusOK, map[string]any{"account": acct}, err)
}
