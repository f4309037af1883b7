package manage

import (
	"net/http"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/errcode"
)

// handleRequestList answers GET /v1/requests?status=&account=&limit=&cursor=.
// Developers see their own requests whatever account they name.
func (h *Handler) handleRequestList(w http.ResponseWriter, r *http.Request) (int, any, error) {
	p, err := page(r)
	if err != nil {
		return 0, nil, err
	}
	account, err := queryInt64(r, "account")
	if err != nil {
		return 0, nil, err
	}
	status := credential.RequestStatus(r.URL.Query().Get("status"))
	if status != "" && !status.Valid() {
		return 0, nil, errcode.Errorf(errcode.InvalidArgument, "status must be pending, approved, rejected or withdrawn")
	}
	list, err := h.svc.FindAccessRequests(r.Context(), &credential.AccessRequestFilter{Page: p, AccountID: account, Status: status})
	return respond(http.StatusOK, list, err)
}

// handleRequestCreate answers POST /v1/requests: ask for API groups.
func (h *Handler) handleRequestCreate(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var in struct {
		Groups []string `json:"groups"`
		Reason string   `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	req, err := h.svc.CreateAccessRequest(r.Context(), &credential.CreateAccessRequestParams{Groups: in.Groups, Reason: in.Reason})
	return respond(http.StatusCreated, map[string]any{"request": req}, err)
}

// handleRequestRead answers GET /v1/requests/{id}.
func (h *Handler) handleRequestRead(w http.ResponseWriter, r *http.Request, id int64) (int, any, error) {
	req, err := h.svc.FindAccessRequestByID(r.Context(), id)
	return respond(http.StatusOK, map[string]any{"request": req}, err)
}

// handleRequestDecide answers POST /v1/requests/{id}/approve and
// /v1/requests/{id}/reject (admins), with an optional {"note"}.
func (h *Handler) handleRequestDecide(decision credential.RequestStatus) apiFunc {
	return withID(func(w http.ResponseWriter, r *http.Request, id int64) (int, any, error) {
		var in struct {
			Note string `json:"note"`
		}
		if err := decodeOptional(r, &in); err != nil {
			return 0, nil, err
		}
		req, err := h.svc.DecideAccessRequest(r.Context(), &credential.DecideAccessRequestParams{ID: id, Decision: decision, Note: in.Note})
		return respond(http.StatusOK, map[string]any{"request": req}, err)
	})
}

// handleRequestWithdraw answers POST /v1/requests/{id}/withdraw (the
// requester).
func (h *Handler) handleRequestWithdraw(w http.ResponseWriter, r *http.Request, id int64) (int, any, error) {
	req, err := h.svc.WithdrawAccessRequest(r.Context(), id)
	return respond(http.StatusOK, map[string]any{"request": req}, err)
}
