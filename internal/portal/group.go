package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/keyward/keyward/internal/credential"
)

// groupRow is one group with the viewer's standing.
type groupRow struct {
	*credential.Group
	Approved bool
	Pending  bool
}

// handleGroupIndex answers GET /portal/groups: every API group, what it
// covers, and whether the viewer has or has asked for it.
func (p *Portal) handleGroupIndex(w http.ResponseWriter, r *http.Request) {
	rows, err := p.groupRows(r, accountFromContext(r.Context()), p.usableGroups)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "groups", p.newView(r, "API groups", "groups", rows))
}

// groupRows returns every group with a's standing in it: approved, as
// the approved function tells; pending, asked for and not decided yet.
func (p *Portal) groupRows(r *http.Request, a *credential.Account,
	approved func(context.Context, *credential.Account) ([]string, error)) ([]groupRow, error) {
	groups, err := p.svc.FindGroups(r.Context())
	if err != nil {
		return nil, err
	}
	yes, err := approved(r.Context(), a)
	if err != nil {
		return nil, err
	}
	pending, err := p.pendingGroups(r, a.ID)
	if err != nil {
		return nil, err
	}
	rows := make([]groupRow, len(groups))
	for i, g := range groups {
		rows[i] = groupRow{Group: g, Approved: contains(yes, g.Name), Pending: contains(pending, g.Name)}
	}
	return rows, nil
}

// requestedGroups returns the groups of a's approved requests (an admin's
// too: an admin asks like anyone else).
func (p *Portal) requestedGroups(ctx context.Context, a *credential.Account) ([]string, error) {
	return p.svc.FindApprovedGroups(ctx, a.ID)
}

// usableGroups returns the groups a's credentials may carry: every group
// for an admin (an admin grants any group, to itself too), the groups of
// approved requests for a developer.
func (p *Portal) usableGroups(ctx context.Context, a *credential.Account) ([]string, error) {
	if a.Role != credential.RoleAdmin {
		return p.svc.FindApprovedGroups(ctx, a.ID)
	}
	groups, err := p.svc.FindGroups(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.Name
	}
	return names, nil
}

// pendingGroups returns the groups of an account's pending requests.
func (p *Portal) pendingGroups(r *http.Request, accountID int64) ([]string, error) {
	list, err := p.svc.FindAccessRequests(r.Context(), &credential.AccessRequestFilter{AccountID: accountID,
		Status: credential.RequestPending, Page: credential.Page{Limit: credential.MaxLimit}})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, req := range list.Requests {
		out = append(out, req.Groups...)
	}
	return out, nil
}

// adminGroupsPage is the data of the admin's group page.
type adminGroupsPage struct {
	Groups []*credential.Group
	// Form holds what was typed into the create form after an error.
	Form struct{ Name, Description, APIIDs string }
}

// handleAdminGroups answers GET /portal/admin/groups.
func (p *Portal) handleAdminGroups(w http.ResponseWriter, r *http.Request) {
	p.renderAdminGroups(w, r, http.StatusOK, nil, "")
}

func (p *Portal) renderAdminGroups(w http.ResponseWriter, r *http.Request, status int, form *adminGroupsPage, msg string) {
	groups, err := p.svc.FindGroups(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := adminGroupsPage{}
	if form != nil {
		d = *form
	}
	d.Groups = groups
	v := p.newView(r, "API groups", "admin_groups", d)
	v.Error = msg
	p.render(w, r, status, "admin_groups", v)
}

// apiIDList splits a textarea of API ids, one per line or comma-separated.
func apiIDList(s string) []string {
	out := []string{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '\t' }) {
		out = append(out, f)
	}
	return out
}

// handleGroupCreate answers POST /portal/admin/groups.
func (p *Portal) handleGroupCreate(w http.ResponseWriter, r *http.Request) {
	var form adminGroupsPage
	form.Form.Name = strings.TrimSpace(r.PostFormValue("name"))
	form.Form.Description = strings.TrimSpace(r.PostFormValue("description"))
	form.Form.APIIDs = r.PostFormValue("api_ids")
	_, err := p.svc.CreateGroup(r.Context(), &credential.Group{Name: form.Form.Name, Description: form.Form.Description, APIIDs: apiIDList(form.Form.APIIDs)})
	if code := credential.ErrorCode(err); code == credential.EINVALID || code == credential.ECONFLICT {
		p.renderAdminGroups(w, r, asError(err).Status(), &form, credential.ErrorMessage(err))
		return
	} else if err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, "/portal/admin/groups", "Group "+form.Form.Name+" created.")
}

// handleGroupUpdate answers POST /portal/admin/groups/{name}: a new
// description and API ids.
func (p *Portal) handleGroupUpdate(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	desc := strings.TrimSpace(r.PostFormValue("description"))
	ids := apiIDList(r.PostFormValue("api_ids"))
	_, err := p.svc.UpdateGroup(r.Context(), &credential.UpdateGroupParams{Name: name, Description: &desc, APIIDs: &ids})
	if credential.ErrorCode(err) == credential.EINVALID {
		p.renderAdminGroups(w, r, http.StatusBadRequest, nil, credential.ErrorMessage(err))
		return
	} else if err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, "/portal/admin/groups#group-"+url.PathEscape(name), "Group "+name+" saved.")
}

// handleGroupDelete answers POST /portal/admin/groups/{name}/delete.
func (p *Portal) handleGroupDelete(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	err := p.svc.DeleteGroup(r.Context(), name)
	if credential.ErrorCode(err) == credential.ECONFLICT {
		p.renderAdminGroups(w, r, http.StatusConflict, nil, credential.ErrorMessage(err))
		return
	} else if err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, "/portal/admin/groups", "Group "+name+" deleted.")
}
