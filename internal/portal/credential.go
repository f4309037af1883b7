package portal

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/errcode"
)

// credentialsPage is the data of the credential lists.
type credentialsPage struct {
	Credentials []*credential.Credential
	Status      string
	Owner       int64
	NextCursor  string
	// Owners are the credentials' owners, by id (admin list only).
	Owners map[int64]*credential.Account
	Now    time.Time
}

// handleCredentialIndex answers GET /portal/credentials?status=&cursor=:
// the viewer's own credentials.
func (p *Portal) handleCredentialIndex(w http.ResponseWriter, r *http.Request) {
	a := accountFromContext(r.Context())
	q := r.URL.Query()
	status := credential.CredentialStatus(q.Get("status"))
	if status != credential.CredentialActive && status != credential.CredentialRevoked {
		status = ""
	}
	list, err := p.svc.FindCredentials(r.Context(), &credential.CredentialFilter{OwnerID: a.ID, Status: status,
		Page: credential.Page{Cursor: q.Get("cursor")}})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "credentials", p.newView(r, "My credentials", "credentials",
		credentialsPage{Credentials: list.Credentials, Status: string(status), NextCursor: list.NextCursor, Now: p.now()}))
}

// handleAdminCredentials answers GET /portal/admin/credentials?owner=&status=&cursor=:
// every account's credentials.
func (p *Portal) handleAdminCredentials(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := credential.CredentialStatus(q.Get("status"))
	if status != credential.CredentialActive && status != credential.CredentialRevoked {
		status = ""
	}
	var owner int64
	if v := q.Get("owner"); v != "" {
		var err error
		if owner, err = strconv.ParseInt(v, 10, 64); err != nil || owner < 0 {
			p.fail(w, r, errcode.Errorf(errcode.InvalidArgument, "owner must be an account id."))
			return
		}
	}
	list, err := p.svc.FindCredentials(r.Context(), &credential.CredentialFilter{OwnerID: owner, Status: status,
		Page: credential.Page{Cursor: q.Get("cursor")}})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	owners, err := accountsOf(r.Context(), p, list.Credentials, func(c *credential.Credential) int64 { return c.OwnerID })
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "admin_credentials", p.newView(r, "All credentials", "admin_credentials",
		credentialsPage{Credentials: list.Credentials, Status: string(status), Owner: owner, NextCursor: list.NextCursor,
			Owners: owners, Now: p.now()}))
}

// credentialForm is the data of the new-credential page.
type credentialForm struct {
	Name, Notes string
	// Grantable are the groups the viewer may grant: the approved ones, or
	// every group for an admin.
	Grantable []*credential.Group
	Selected  []string
}

// handleCredentialNew answers GET /portal/credentials/new.
func (p *Portal) handleCredentialNew(w http.ResponseWriter, r *http.Request) {
	p.renderCredentialForm(w, r, http.StatusOK, credentialForm{}, "")
}

func (p *Portal) renderCredentialForm(w http.ResponseWriter, r *http.Request, status int, form credentialForm, msg string) {
	ctx := r.Context()
	groups, err := p.svc.FindGroups(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	usable, err := p.usableGroups(ctx, accountFromContext(ctx))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	for _, g := range groups {
		if slices.Contains(usable, g.Name) {
			form.Grantable = append(form.Grantable, g)
		}
	}
	if form.Selected == nil && len(form.Grantable) == 1 {
		form.Selected = []string{form.Grantable[0].Name}
	}
	v := p.newView(r, "Generate new credentials", "credentials", form)
	v.Error = msg
	p.render(w, r, status, "credential_new", v)
}

// handleCredentialCreate answers POST /portal/credentials: name, notes and
// groups (repeated). The secret is kept, sealed, in the session and the
// browser is sent to the page that shows it once.
func (p *Portal) handleCredentialCreate(w http.ResponseWriter, r *http.Request) {
	a := accountFromContext(r.Context())
	form := credentialForm{Name: strings.TrimSpace(r.PostFormValue("name")), Notes: strings.TrimSpace(r.PostFormValue("notes")),
		Selected: r.PostForm["group"]}
	if form.Selected == nil {
		form.Selected = []string{}
	}
	c, sec, err := p.svc.CreateCredential(r.Context(), &credential.CreateCredentialParams{Name: form.Name, Notes: form.Notes, Groups: form.Selected})
	if code := credential.ErrorCode(err); code == credential.EINVALID || code == credential.EFORBIDDEN {
		p.renderCredentialForm(w, r, asError(err).Status(), form, credential.ErrorMessage(err))
		return
	} else if err != nil {
		p.fail(w, r, err)
		return
	}
	if err := p.putSecret(r.Context(), a.ID, c.ID, sec, false); err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, credentialPath(c.ID)+"/secret", "")
}

// credentialAt reads the credential the path's {id} names.
func (p *Portal) credentialAt(r *http.Request) (*credential.Credential, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return p.svc.FindCredentialByID(r.Context(), id)
}

func credentialPath(id int64) string { return "/portal/credentials/" + strconv.FormatInt(id, 10) }

// credentialPage is the data of a credential's page.
type credentialPage struct {
	Credential *credential.Credential
	Owner      *credential.Account
	Usage      *usageChart
	Range      string
	Ranges     []string
	Now        time.Time
	// CanRotate is false while two secrets are active.
	CanRotate bool
}

// handleCredentialView answers GET /portal/credentials/{id}?range=: the
// credential, its secrets (never their values), and its usage. Another
// developer's credential is 403.
func (p *Portal) handleCredentialView(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := p.credentialAt(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	now := p.now()
	rng := r.URL.Query().Get("range")
	span, ok := usageRanges[rng]
	if !ok {
		rng, span = "24h", usageRanges["24h"]
	}
	rows, err := p.svc.FindUsage(ctx, &credential.UsageFilter{CredentialID: c.ID, Since: now.Add(-span.length).Truncate(span.step),
		Limit: 10000})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := credentialPage{Credential: c, Usage: buildUsageChart(rows, now, span), Range: rng, Ranges: usageRangeNames, Now: now}
	active := 0
	for _, s := range c.Secrets {
		if s.Active(now) {
			active++
		}
	}
	d.CanRotate = c.Status == credential.CredentialActive && active < credential.MaxActiveSecrets
	if a := accountFromContext(ctx); c.OwnerID != a.ID {
		if d.Owner, err = p.svc.FindAccountByID(ctx, c.OwnerID); err != nil && credential.ErrorCode(err) != credential.ENOTFOUND {
			p.fail(w, r, err)
			return
		}
	}
	p.render(w, r, http.StatusOK, "credential", p.newView(r, c.Name, "credentials", d))
}

// secretPage is the data of the one-time secret page.
type secretPage struct {
	Credential *credential.Credential
	// Secret is the secret to show, or nil when it was already shown.
	Secret *secretFlash
}

// handleSecretView answers GET /portal/credentials/{id}/secret: the secret
// made by the previous request, taken out of the session as it is shown,
// so a reload finds it gone (410).
func (p *Portal) handleSecretView(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := p.credentialAt(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := secretPage{Credential: c, Secret: p.popSecret(ctx, accountFromContext(ctx).ID, c.ID)}
	status, title := http.StatusOK, "Your new credentials"
	if d.Secret == nil {
		status, title = http.StatusGone, "Secret already shown"
	}
	p.render(w, r, status, "secret", p.newView(r, title, "credentials", d))
}

// handleSecretDone answers POST /portal/credentials/{id}/secret/done: the
// developer confirms having copied the secret.
func (p *Portal) handleSecretDone(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if r.PostFormValue("copied") == "" {
		p.fail(w, r, errcode.Errorf(errcode.InvalidArgument, "Tick “I have copied the key and secret” first."))
		return
	}
	if _, err := p.svc.FindCredentialByID(r.Context(), id); err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, credentialPath(id), "The secret is stored only by you now: keyward cannot show it again.")
}

// handleCredentialRotate answers POST /portal/credentials/{id}/rotate: a
// new secret, shown once; the old one keeps working for the store's
// rotation overlap.
func (p *Portal) handleCredentialRotate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		p.fail(w, r, err)
		return
	}
	c, sec, err := p.svc.RotateSecret(r.Context(), &credential.RotateSecretParams{ID: id})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if err := p.putSecret(r.Context(), accountFromContext(r.Context()).ID, c.ID, sec, true); err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, credentialPath(c.ID)+"/secret", "")
}

// handleCredentialRevoke answers POST /portal/credentials/{id}/revoke.
func (p *Portal) handleCredentialRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		p.fail(w, r, err)
		return
	}
	c, err := p.svc.RevokeCredential(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, credentialPath(c.ID), "Credential "+c.Key+" revoked. Tokens signed with it are refused from now on.")
}

// handleSecretRetire answers POST /portal/credentials/{id}/secrets/{kid}/retire.
func (p *Portal) handleSecretRetire(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		p.fail(w, r, err)
		return
	}
	kid := r.PathValue("kid")
	if _, err := p.svc.RetireSecret(r.Context(), &credential.RetireSecretParams{ID: id, KID: kid}); err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, credentialPath(id), "Secret "+kid+" retired.")
}
