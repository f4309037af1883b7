package portal

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/errcode"
)

// auditActions are the actions the filter offers.
var auditActions = []string{
	credential.ActionAccountCreate, credential.ActionAccountUpdate,
	credential.ActionGroupCreate, credential.ActionGroupUpdate, credential.ActionGroupDelete,
	credential.ActionRequestCreate, credential.ActionRequestApprove, credential.ActionRequestReject, credential.ActionRequestWithdraw,
	credential.ActionCredentialCreate, credential.ActionCredentialUpdate, credential.ActionCredentialRotate,
	credential.ActionCredentialRetire, credential.ActionCredentialRevoke, credential.ActionCredentialDelete,
	credential.ActionAdminBootstrap, credential.ActionTokenMint,
	credential.ActionRoomUpdate, credential.ActionRoomRemovePeer, credential.ActionRoomEnd,
}

// auditTargets are the target kinds the filter offers.
var auditTargets = []string{
	credential.TargetAccount, credential.TargetGroup, credential.TargetRequest, credential.TargetCredential, credential.TargetNotification,
	credential.TargetRoom,
}

// auditPage is the data of the audit log.
type auditPage struct {
	Entries []*credential.AuditEntry
	Actors  map[int64]*credential.Account
	// Filter is what the list is filtered by, as typed.
	Filter           struct{ Actor, Action, TargetKind, TargetID string }
	Actions, Targets []string
	// NextURL continues the list with the same filters; empty on the last
	// page.
	NextURL string
}

// handleAuditIndex answers GET /portal/admin/audit?actor=&action=&target_kind=&target_id=&cursor=.
func (p *Portal) handleAuditIndex(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := auditPage{Actions: auditActions, Targets: auditTargets}
	d.Filter.Actor = strings.TrimSpace(q.Get("actor"))
	d.Filter.Action = q.Get("action")
	d.Filter.TargetKind = q.Get("target_kind")
	d.Filter.TargetID = strings.TrimSpace(q.Get("target_id"))
	f := &credential.AuditFilter{Page: credential.Page{Cursor: q.Get("cursor")}, Action: d.Filter.Action,
		TargetKind: d.Filter.TargetKind, TargetID: d.Filter.TargetID}
	if d.Filter.Actor != "" {
		id, err := p.actorID(r, d.Filter.Actor)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		f.ActorID = id
	}
	list, err := p.svc.FindAuditEntries(r.Context(), f)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d.Entries = list.Entries
	if d.Actors, err = accountsOf(r.Context(), p, list.Entries, func(e *credential.AuditEntry) int64 { return e.ActorID }); err != nil {
		p.fail(w, r, err)
		return
	}
	if list.NextCursor != "" {
		next := url.Values{}
		for k, v := range map[string]string{"actor": d.Filter.Actor, "action": d.Filter.Action, "target_kind": d.Filter.TargetKind,
			"target_id": d.Filter.TargetID, "cursor": list.NextCursor} {
			if v != "" {
				next.Set(k, v)
			}
		}
		d.NextURL = "/portal/admin/audit?" + next.Encode()
	}
	p.render(w, r, http.StatusOK, "admin_audit", p.newView(r, "Audit log", "admin_audit", d))
}

// emailFinder is implemented by stores that look accounts up by email
// (store.Store does).
type emailFinder interface {
	FindAccountByEmail(ctx context.Context, email string) (*credential.Account, error)
}

// actorID reads the actor filter: an account id, or an email when the
// services can look one up.
func (p *Portal) actorID(r *http.Request, s string) (int64, error) {
	if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	if f, ok := p.svc.(emailFinder); ok && strings.Contains(s, "@") {
		a, err := f.FindAccountByEmail(r.Context(), s)
		if err != nil {
			return 0, err
		}
		return a.ID, nil
	}
	return 0, errcode.Errorf(errcode.InvalidArgument, "Actor must be an account id or an email.")
}
