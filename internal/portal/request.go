package portal

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/errcode"
)

// requestsPage is the data of the request lists.
type requestsPage struct {
	Requests   []*credential.AccessRequest
	Status     string
	NextCursor string
	// Accounts are the requesters, by id (admin queue only).
	Accounts map[int64]*credential.Account
}

// handleRequestIndex answers GET /portal/requests?cursor=: the viewer's
// requests and their state.
func (p *Portal) handleRequestIndex(w http.ResponseWriter, r *http.Request) {
	a := accountFromContext(r.Context())
	list, err := p.svc.FindAccessRequests(r.Context(), &credential.AccessRequestFilter{AccountID: a.ID,
		Page: credential.Page{Cursor: r.URL.Query().Get("cursor")}})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "requests", p.newView(r, "My access requests", "requests",
		requestsPage{Requests: list.Requests, NextCursor: list.NextCursor}))
}

// requestForm is the data of the new-request page.
type requestForm struct {
	Groups   []groupRow
	Selected []string
	Reason   string
}

// handleRequestNew answers GET /portal/requests/new?group=: the form, with
// the groups named in the query ticked.
func (p *Portal) handleRequestNew(w http.ResponseWriter, r *http.Request) {
	p.renderRequestForm(w, r, http.StatusOK, requestForm{Selected: r.URL.Query()["group"]}, "")
}

func (p *Portal) renderRequestForm(w http.ResponseWriter, r *http.Request, status int, form requestForm, msg string) {
	var err error
	if form.Groups, err = p.groupRows(r, accountFromContext(r.Context()), p.requestedGroups); err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "Request API access", "requests", form)
	v.Error = msg
	p.render(w, r, status, "request_new", v)
}

// handleRequestCreate answers POST /portal/requests: groups (repeated) and
// reason. The admins are notified by the store.
func (p *Portal) handleRequestCreate(w http.ResponseWriter, r *http.Request) {
	form := requestForm{Selected: r.PostForm["group"], Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	_, err := p.svc.CreateAccessRequest(r.Context(), &credential.CreateAccessRequestParams{Groups: form.Selected, Reason: form.Reason})
	if credential.ErrorCode(err) == credential.EINVALID {
		p.renderRequestForm(w, r, http.StatusBadRequest, form, credential.ErrorMessage(err))
		return
	} else if err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, "/portal/requests", "Your request was sent. An admin will approve or reject it; you will find the answer under Notifications.")
}

// handleRequestWithdraw answers POST /portal/requests/{id}/withdraw.
func (p *Portal) handleRequestWithdraw(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if _, err := p.svc.WithdrawAccessRequest(r.Context(), id); err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, "/portal/requests", "Request "+strconv.FormatInt(id, 10)+" withdrawn.")
}

// handleAdminRequests answers GET /portal/admin/requests?status=&cursor=:
// the queue of pending requests (or those in another state) with their
// requesters.
func (p *Portal) handleAdminRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := credential.RequestStatus(q.Get("status"))
	if status == "" {
		status = credential.RequestPending
	}
	if status == "all" {
		status = ""
	} else if !status.Valid() {
		p.fail(w, r, errcode.Errorf(errcode.InvalidArgument, "Unknown request state %q.", status))
		return
	}
	list, err := p.svc.FindAccessRequests(r.Context(), &credential.AccessRequestFilter{Status: status, Page: credential.Page{Cursor: q.Get("cursor")}})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	accounts, err := accountsOf(r.Context(), p, list.Requests, func(req *credential.AccessRequest) int64 { return req.AccountID })
	if err != nil {
		p.fail(w, r, err)
		return
	}
	shown := string(status)
	if shown == "" {
		shown = "all"
	}
	p.render(w, r, http.StatusOK, "admin_requests", p.newView(r, "Access requests", "admin_requests",
		requestsPage{Requests: list.Requests, Status: shown, NextCursor: list.NextCursor, Accounts: accounts}))
}

// handleRequestDecide answers POST /portal/admin/requests/{id}/decide with
// decision (approve or reject) and note. The developer is notified by the
// store.
func (p *Portal) handleRequestDecide(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		p.fail(w, r, err)
		return
	}
	var decision credential.RequestStatus
	switch r.PostFormValue("decision") {
	case "approve":
		decision = credential.RequestApproved
	case "reject":
		decision = credential.RequestRejected
	default:
		p.fail(w, r, errcode.Errorf(errcode.InvalidArgument, "Choose approve or reject."))
		return
	}
	req, err := p.svc.DecideAccessRequest(r.Context(), &credential.DecideAccessRequestParams{ID: id, Decision: decision,
		Note: strings.TrimSpace(r.PostFormValue("note"))})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, "/portal/admin/requests", "Request "+strconv.FormatInt(req.ID, 10)+" "+string(req.Status)+".")
}

// accountsOf reads the accounts that items name through id (admins only),
// each once, by id; an account that is gone maps to nil.
func accountsOf[T any](ctx context.Context, p *Portal, items []T, idOf func(T) int64) (map[int64]*credential.Account, error) {
	out := map[int64]*credential.Account{}
	for _, item := range items {
		id := idOf(item)
		if _, ok := out[id]; ok || id == 0 {
			continue
		}
		a, err := p.svc.FindAccountByID(ctx, id)
		if credential.ErrorCode(err) == credential.ENOTFOUND {
			out[id] = nil
			continue
		} else if err != nil {
			return nil, err
		}
		out[id] = a
	}
	return out, nil
}
