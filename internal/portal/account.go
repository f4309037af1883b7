package portal

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/credential"
)

// authForm is the data of the sign-in and sign-up pages.
type authForm struct {
	Email string
	Name  string
	Next  string
	// MinPassword is the shortest password accepted.
	MinPassword int
}

// handleSignUpForm answers GET /portal/signup.
func (p *Portal) handleSignUpForm(w http.ResponseWriter, r *http.Request) {
	if accountFromContext(r.Context()) != nil {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	p.render(w, r, http.StatusOK, "signup", p.newView(r, "Create your account", "signup", authForm{MinPassword: credential.MinPasswordLength}))
}

// handleSignUp answers POST /portal/signup: a developer account, signed in
// at once.
func (p *Portal) handleSignUp(w http.ResponseWriter, r *http.Request) {
	form := authForm{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name")),
		MinPassword: credential.MinPasswordLength}
	again := func(status int, msg string) {
		v := p.newView(r, "Create your account", "signup", form)
		v.Error = msg
		p.render(w, r, status, "signup", v)
	}
	addr := clientAddr(r)
	if d := p.signups.wait(addr); d > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(d.Seconds())+1))
		again(http.StatusTooManyRequests, "Too many accounts were created from your address. Try again in "+waitText(d)+".")
		return
	}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		again(http.StatusBadRequest, "The two passwords differ.")
		return
	}
	visitor := credential.NewContextWithActor(r.Context(), &credential.Actor{RemoteAddr: addr})
	a, err := p.svc.CreateAccount(visitor, &credential.CreateAccountParams{Email: form.Email, Name: form.Name, Password: pw})
	switch credential.ErrorCode(err) {
	case "":
	case credential.EINVALID:
		again(http.StatusBadRequest, credential.ErrorMessage(err))
		return
	case credential.ECONFLICT:
		again(http.StatusConflict, "An account with this email already exists. Sign in instead.")
		return
	default:
		p.fail(w, r, err)
		return
	}
	p.signups.fail(addr) // counts sign-ups, not failures
	if err := p.signIn(r.Context(), a); err != nil {
		p.fail(w, r, err)
		return
	}
	p.log.InfoContext(r.Context(), "portal: account created", "account", a.ID, "remote", addr)
	p.redirect(w, r, Prefix, "Welcome to keyward. Request access to an API group to get started.")
}

// handleSignInForm answers GET /portal/signin?next=.
func (p *Portal) handleSignInForm(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if accountFromContext(r.Context()) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	p.render(w, r, http.StatusOK, "signin", p.newView(r, "Sign in", "signin", authForm{Next: next}))
}

// handleSignIn answers POST /portal/signin. Attempts are throttled per
// account and per address; a throttled attempt is refused without looking
// at the password, and the session token is renewed on success.
func (p *Portal) handleSignIn(w http.ResponseWriter, r *http.Request) {
	form := authForm{Email: strings.TrimSpace(r.PostFormValue("email")), Next: localPath(r.PostFormValue("next"))}
	again := func(status int, msg string) {
		v := p.newView(r, "Sign in", "signin", form)
		v.Error = msg
		p.render(w, r, status, "signin", v)
	}
	addr := clientAddr(r)
	accountKey := credential.NormalizeEmail(form.Email)
	if d := max(p.accounts.wait(accountKey), p.addrs.wait(addr)); d > 0 {
		p.log.WarnContext(r.Context(), "portal: sign-in throttled", "remote", addr)
		w.Header().Set("Retry-After", fmt.Sprint(int(d/time.Second)+1))
		again(http.StatusTooManyRequests, "Too many failed sign-ins. Try again in "+waitText(d)+".")
		return
	}
	a, err := p.svc.Authenticate(r.Context(), form.Email, r.PostFormValue("password"))
	if credential.ErrorCode(err) == credential.EUNAUTHORIZED {
		p.accounts.fail(accountKey)
		p.addrs.fail(addr)
		p.log.InfoContext(r.Context(), "portal: sign-in failed", "remote", addr)
		again(http.StatusUnauthorized, "Wrong email or password.")
		return
	} else if credential.ErrorCode(err) == credential.EINVALID {
		again(http.StatusBadRequest, credential.ErrorMessage(err))
		return
	} else if err != nil {
		p.fail(w, r, err)
		return
	}
	p.accounts.succeed(accountKey)
	if err := p.signIn(r.Context(), a); err != nil {
		p.fail(w, r, err)
		return
	}
	p.log.InfoContext(r.Context(), "portal: signed in", "account", a.ID, "remote", addr)
	p.redirect(w, r, form.Next, "")
}

// handleSignOut answers POST /portal/signout: the session is destroyed.
func (p *Portal) handleSignOut(w http.ResponseWriter, r *http.Request) {
	if err := p.sessions.Destroy(r.Context()); err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, "/portal/signin", "You are signed out.")
}

// accountsPage is the data of the admin's account list.
type accountsPage struct {
	Accounts   []*credential.Account
	Role       string
	NextCursor string
}

// handleAdminAccounts answers GET /portal/admin/accounts?role=&cursor=.
func (p *Portal) handleAdminAccounts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	role := credential.Role(q.Get("role"))
	if role != "" && !role.Valid() {
		role = ""
	}
	list, err := p.svc.FindAccounts(r.Context(), &credential.AccountFilter{Page: credential.Page{Cursor: q.Get("cursor")}, Role: role})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "admin_accounts", p.newView(r, "Accounts", "admin_accounts",
		accountsPage{Accounts: list.Accounts, Role: string(role), NextCursor: list.NextCursor}))
}

// waitText says d in words, rounded up to a second or a minute.
func waitText(d time.Duration) string {
	if d < time.Minute {
		return plural(int((d+time.Second-1)/time.Second), "second")
	}
	return plural(int((d+time.Minute-1)/time.Minute), "minute")
}
