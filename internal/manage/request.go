package manage

import (
	"net/http"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/errcode"
)

// handleRequestList answers GET /v1/requests?status=&account=&limit=&cursor=.
// Developers see their own requests whatever account they name.
func (h *Handler) handleRequestList(w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	account, err := queryInt64(r, "account")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	status := credential.RequestStatus(r.URL.Query().Get("status"))
	if status != "" && !status.Valid() {
		h.fail(w, r, errcode.Errorf(errcode.InvalidArgument, "status must be pending, approved, rejected or withdrawn"))
		return
	}
	list, err := h.svc.FindAccessRequests(r.Context(), &credential.AccessRequestFilter{Page: p, AccountID: account, Status: status})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusOK, list)
}

// handleRequestCreate answers POST /v1/requests: ask for API groups.
func (h *Handler) handleRequestCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Groups []string `json:"groups"`
		Reason string   `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	req, err := h.svc.CreateAccessRequest(r.Context(), &credential.CreateAccessRequestParams{Groups: in.Groups, Reason: in.Reason})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusCreated, map[string]any{"request": req})
}

// handleRequestRead answers GET /v1/requests/{id}.
func (h *Handler) handleRequestRead(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	req, err := h.svc.FindAccessRequestByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusOK, map[string]any{"request": req})
}

// handleRequestDecide answers POST /v1/requests/{id}/approve and
// /v1/requests/{id}/reject (admins), with an optional {"note"}.
func (h *Handler) handleRequestDecide(decision credential.RequestStatus) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		var in struct {
			Note string `json:"note"`
		}
		if err := decodeOptional(r, &in); err != nil {
			h.fail(w, r, err)
			return
		}
		req, err := h.svc.DecideAccessRequest(r.Context(), &credential.DecideAccessRequestParams{ID: id, Decision: decision, Note: in.Note})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.ok(w, r, http.StatusOK, map[string]any{"request": req})
	}
}

// handleRequestWithdraw answers POST /v1/requests/{id}/withdraw (the
// requester).
func (h *Handler) handleRequestWithdraw(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	req, err := h.svc.WithdrawAccessRequest(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusOK, map[string]any{"request": req})
}
