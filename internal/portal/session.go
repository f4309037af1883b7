package portal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"

	"github.com/keyward/keyward/internal/credential"
)

// Session keys.
const (
	sessionAccount = "account_id"
	sessionCSRF    = "csrf"
	sessionFlash   = "flash"
	sessionSecret  = "secret"
)

// secretFlashTTL is how long a secret waits in the session for the page that
// shows it.
const secretFlashTTL = 10 * time.Minute

// newSessionManager configures scs: HttpOnly, SameSite=Strict, Secure (and
// the __Host- prefix) over TLS, the token hashed in the store.
func (p *Portal) newSessionManager(cfg Config) *scs.SessionManager {
	m := scs.New()
	m.Store = cfg.SessionStore
	if m.Store == nil {
		m.Store = memstore.New()
	}
	m.Lifetime = cfg.SessionLifetime
	if m.Lifetime <= 0 {
		m.Lifetime = 12 * time.Hour
	}
	switch {
	case cfg.SessionIdleTimeout == 0:
		m.IdleTimeout = time.Hour
	case cfg.SessionIdleTimeout > 0:
		m.IdleTimeout = cfg.SessionIdleTimeout
	}
	m.HashTokenInStore = true
	m.Cookie.Name = "keyward_portal"
	if p.secure {
		m.Cookie.Name = "__Host-keyward_portal"
	}
	m.Cookie.HttpOnly = true
	m.Cookie.Secure = p.secure
	m.Cookie.SameSite = http.SameSiteStrictMode
	m.Cookie.Path = "/"
	m.Cookie.Persist = false
	m.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) { p.fail(w, r, err) }
	return m
}

// csrfToken returns the session's CSRF token, making one when the session
// has none.
func (p *Portal) csrfToken(ctx context.Context) string {
	if t := p.sessions.GetString(ctx, sessionCSRF); t != "" {
		return t
	}
	t := rand.Text()
	p.sessions.Put(ctx, sessionCSRF, t)
	return t
}

// validCSRF reports whether the form's csrf field is the session's token.
func (p *Portal) validCSRF(r *http.Request) bool {
	want := p.sessions.GetString(r.Context(), sessionCSRF)
	got := r.PostFormValue("csrf")
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// signIn starts a signed-in session for a: a new session token (so a token
// planted before sign-in is worthless) and a new CSRF token.
func (p *Portal) signIn(ctx context.Context, a *credential.Account) error {
	if err := p.sessions.RenewToken(ctx); err != nil {
		return err
	}
	p.sessions.Put(ctx, sessionAccount, a.ID)
	p.sessions.Put(ctx, sessionCSRF, rand.Text())
	return nil
}

// secretFlash is a secret waiting in the session, sealed, for the page
// that shows it once.
type secretFlash struct {
	CredentialID int64  `json:"credential_id"`
	Key          string `json:"key"`
	KID          string `json:"kid"`
	Value        string `json:"secret"`
	MadeAt       int64  `json:"made_at"`
	Rotated      bool   `json:"rotated"`
}

// secretAAD binds a sealed secret flash to the account it was made for.
func secretAAD(accountID int64) []byte {
	return []byte("keyward portal secret flash:" + strconv.FormatInt(accountID, 10))
}

// putSecret keeps sec in the session, sealed, until the next page shows it.
func (p *Portal) putSecret(ctx context.Context, accountID, credentialID int64, sec *credential.Secret, rotated bool) error {
	b, err := json.Marshal(secretFlash{CredentialID: credentialID, Key: sec.Key, KID: sec.KID, Value: sec.Value,
		MadeAt: p.now().Unix(), Rotated: rotated})
	if err != nil {
		return err
	}
	sealed, err := p.sealer.Seal(b, secretAAD(accountID))
	clear(b)
	if err != nil {
		return err
	}
	p.sessions.Put(ctx, sessionSecret, sealed)
	return nil
}

// popSecret takes the secret flash for credentialID out of the session.
// It returns nil when there is none, it is for another credential, or it
// waited too long; in every case the session no longer holds it.
func (p *Portal) popSecret(ctx context.Context, accountID, credentialID int64) *secretFlash {
	sealed := p.sessions.PopBytes(ctx, sessionSecret)
	if sealed == nil {
		return nil
	}
	b, err := p.sealer.Open(sealed, secretAAD(accountID))
	if err != nil {
		return nil
	}
	var f secretFlash
	err = json.Unmarshal(b, &f)
	clear(b)
	if err != nil || f.CredentialID != credentialID || p.now().Sub(time.Unix(f.MadeAt, 0)) > secretFlashTTL {
		return nil
	}
	return &f
}
