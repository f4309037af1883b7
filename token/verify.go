package token

import (
	"crypto/hmac"
	"errors"
	"strings"
	"time"
)

// Defaults of [Config].
const (
	DefaultLeeway      = 60 * time.Second
	DefaultWindow      = 300 * time.Second
	DefaultMaxLifetime = 24 * time.Hour
)

// Config sets the time rules of a [Verifier]. The zero value is the
// documented default everywhere.
type Config struct {
	// Leeway is the clock skew forgiven on exp, nbf and iat. Default 60 s;
	// a negative value means none.
	Leeway time.Duration
	// Window bounds |now − iat| for the request-bound profiles (request and
	// qsh). Default 300 s.
	Window time.Duration
	// MaxLifetime bounds exp − now for the management and app profiles.
	// Default 24 h.
	MaxLifetime time.Duration
	// APIKeyMaxLifetime bounds exp − now for the apikey profile. Default 0:
	// no bound beyond exp itself.
	APIKeyMaxLifetime time.Duration
	// AllowAPIKeyWithoutExp accepts apikey tokens that carry no exp. The
	// default (false) refuses them: a token without exp can never be
	// retired except by revoking its credential.
	AllowAPIKeyWithoutExp bool
	// NowFunc is the clock. Default time.Now.
	NowFunc func() time.Time
}

// Verifier checks signatures and claims under one [Config]. It is safe for
// concurrent use.
type Verifier struct {
	leeway, window, maxLife, apikeyLife int64 // seconds
	requireAPIKeyExp                    bool
	now                                 func() time.Time
}

// NewVerifier returns a Verifier for cfg with defaults filled in.
func NewVerifier(cfg Config) (*Verifier, error) {
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	} else if cfg.Leeway < 0 {
		cfg.Leeway = 0
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.MaxLifetime == 0 {
		cfg.MaxLifetime = DefaultMaxLifetime
	}
	if cfg.Window < 0 || cfg.MaxLifetime < 0 || cfg.APIKeyMaxLifetime < 0 {
		return nil, errors.New("token: Window, MaxLifetime and APIKeyMaxLifetime must not be negative")
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	return &Verifier{
		leeway:           int64(cfg.Leeway / time.Second),
		window:           int64(cfg.Window / time.Second),
		maxLife:          int64(cfg.MaxLifetime / time.Second),
		apikeyLife:       int64(cfg.APIKeyMaxLifetime / time.Second),
		requireAPIKeyExp: !cfg.AllowAPIKeyWithoutExp,
		now:              cfg.NowFunc,
	}, nil
}

// Binding is the request a token arrived with. A nil *Binding skips the
// binding checks (the claims must still be present and well-typed).
type Binding struct {
	// Method is the HTTP method, e.g. "POST".
	Method string
	// Path is the request path as sent, still percent-encoded
	// (url.URL.EscapedPath).
	Path string
	// RawQuery is the query string as sent, without "?".
	RawQuery string
	// APIID is the route's API id, which a qsh token's id claim must equal;
	// "" skips that check.
	APIID string
}

// Verify checks a parsed token: that one of secrets signed it (the one
// named by kid when the header has one), that its profile is in accept,
// that it has the claims its profile requires with the right JSON types and
// values, that it is inside its time rules, and, when b is not nil, that it
// is bound to b. It allocates nothing when the token is valid.
//
// secrets are the active secrets of the key the token names
// ([Claims.KeyBytes]); an empty list yields [ErrUnknownKey].
func (v *Verifier) Verify(c *Claims, secrets []*Secret, accept Profiles, b *Binding) error {
	if !c.parsed {
		return errNotParsed
	}
	if err := c.checkSignature(secrets); err != nil {
		return err
	}
	if err := c.checkProfileClaims(); err != nil {
		return err
	}
	if !accept.Has(c.profile) {
		return &Error{Code: CodeProfile, Claim: "", Reason: c.profile.String() + " tokens are not accepted here (want " + accept.String() + ")"}
	}
	if err := v.checkTimes(c); err != nil {
		return err
	}
	if b != nil {
		return c.checkBinding(b)
	}
	return nil
}

var (
	errUnknownKID = &Error{Code: CodeUnknownKey, Claim: "kid", Reason: "no active secret has this key id"}
	errNoSecrets  = &Error{Code: CodeUnknownKey, Reason: "no active secret for this key"}
	errSig        = &Error{Code: CodeSignature, Reason: "signature does not match"}
)

func (c *Claims) checkSignature(secrets []*Secret) error {
	if len(secrets) == 0 {
		return errNoSecrets
	}
	sum := c.mac[:0]
	input := c.raw[:c.rawLen]
	if kid := c.str(hKid); c.fields[hKid].kind == kString {
		for _, s := range secrets {
			if s.kid == string(kid) {
				if hmac.Equal(s.sum(sum, input), c.sig[:]) {
					return nil
				}
				return errSig
			}
		}
		return errUnknownKID
	}
	for _, s := range secrets {
		if hmac.Equal(s.sum(sum, input), c.sig[:]) {
			return nil
		}
	}
	return errSig
}

var (
	errNoKeyClaim = &Error{Code: CodeClaimMissing, Claim: "iss", Reason: "no key claim (iss, access_key or apikey)"}
	errContextQSH = &Error{Code: CodeClaimInvalid, Claim: "qsh", Reason: `"context-qsh" tokens are not accepted for API calls`}
)

func (c *Claims) checkProfileClaims() error {
	switch c.profile {
	case 0:
		return errNoKeyClaim
	case Request:
		if err := c.needString(cIss, cMtd, cURL); err != nil {
			return err
		}
		if err := c.needKind(cArg, kObject); err != nil {
			return err
		}
		if err := c.needDates(cIat); err != nil {
			return err
		}
		return c.optionalDates(cNbf, cExp)
	case QSH:
		if err := c.needString(cIss, cID, cQSH); err != nil {
			return err
		}
		if string(c.str(cQSH)) == "context-qsh" {
			return errContextQSH
		}
		if k := c.fields[cParams].kind; k != kAbsent && k != kObject {
			return claimInvalid("params", "must be an object")
		}
		if k := c.fields[cVersion].kind; k != kAbsent && k != kString && k != kNumber {
			return claimInvalid("version", "must be a string or a number")
		}
		if _, ok := c.date(cIat, true); !ok {
			if c.fields[cIat].kind == kAbsent {
				return claimMissing("iat")
			}
			return claimInvalid("iat", "must be seconds, or a decimal string of milliseconds")
		}
		return c.optionalDates(cNbf, cExp)
	case Management, App:
		if err := c.needString(cAccessKey, cType, cJti); err != nil {
			return err
		}
		want := "management"
		if c.profile == App {
			want = "app"
			if err := c.needString(cRoomID, cUserID, cRole); err != nil {
				return err
			}
		}
		if string(c.str(cType)) != want {
			return claimInvalid("type", `must be "management" or "app"`)
		}
		if err := c.needVersion2(); err != nil {
			return err
		}
		return c.needDates(cIat, cNbf, cExp)
	case APIKey:
		if err := c.needString(cAPIKey); err != nil {
			return err
		}
		if k := c.fields[cPermissions].kind; k != kAbsent && (k != kArray || c.badElem&1 != 0) {
			return claimInvalid("permissions", "must be a list of allow_join, ask_join, allow_mod")
		}
		if k := c.fields[cRoles].kind; k != kAbsent && (k != kArray || c.badElem&2 != 0) {
			return claimInvalid("roles", "must be a list of rtc, crawler")
		}
		for _, i := range [...]int{cRoomIDV2, cParticipantID, cJti} {
			if k := c.fields[i].kind; k != kAbsent && k != kString {
				return claimInvalid(fieldNames[i], "must be a string")
			}
		}
		if c.fields[cRoomIDV2].kind != kAbsent || c.fields[cParticipantID].kind != kAbsent || c.fields[cRoles].kind != kAbsent {
			if err := c.needVersion2(); err != nil {
				return err
			}
		}
		return c.optionalDates(cIat, cNbf, cExp)
	}
	return errNoKeyClaim
}

func (c *Claims) needString(ids ...int) error {
	for _, i := range ids {
		switch c.fields[i].kind {
		case kString:
			if c.fields[i].val.n == 0 {
				return claimInvalid(fieldNames[i], "must not be empty")
			}
		case kAbsent:
			return claimMissing(fieldNames[i])
		default:
			return claimInvalid(fieldNames[i], "must be a string")
		}
	}
	return nil
}

func (c *Claims) needKind(i int, k kind) error {
	switch c.fields[i].kind {
	case k:
		return nil
	case kAbsent:
		return claimMissing(fieldNames[i])
	}
	return claimInvalid(fieldNames[i], "must be of JSON type "+k.String())
}

func (c *Claims) needVersion2() error {
	f := c.fields[cVersion]
	if f.kind == kAbsent {
		return claimMissing("version")
	}
	if f.kind != kNumber || string(c.bytes(f.val)) != "2" {
		return claimInvalid("version", "must be the number 2")
	}
	return nil
}

func (c *Claims) needDates(ids ...int) error {
	for _, i := range ids {
		if c.fields[i].kind == kAbsent {
			return claimMissing(fieldNames[i])
		}
	}
	return c.optionalDates(ids...)
}

func (c *Claims) optionalDates(ids ...int) error {
	for _, i := range ids {
		if c.fields[i].kind == kAbsent {
			continue
		}
		if _, ok := c.date(i, false); !ok {
			return claimInvalid(fieldNames[i], "must be a JSON number of seconds since 1970")
		}
	}
	return nil
}

var (
	errExpired   = &Error{Code: CodeExpired, Claim: "exp", Reason: "the token has expired"}
	errNBF       = &Error{Code: CodeNotYetValid, Claim: "nbf", Reason: "the token is not valid yet"}
	errIATFuture = &Error{Code: CodeNotYetValid, Claim: "iat", Reason: "issued in the future"}
	errStaleOld  = &Error{Code: CodeStale, Claim: "iat", Reason: "issued too long ago for a request-bound token"}
	errStaleNew  = &Error{Code: CodeStale, Claim: "iat", Reason: "issued in the future, beyond the window"}
	errLifetime  = &Error{Code: CodeLifetime, Claim: "exp", Reason: "expires further ahead than the maximum lifetime"}
	errNoExp     = &Error{Code: CodeClaimMissing, Claim: "exp", Reason: "apikey tokens must expire (sign with an exp)"}
)

func (v *Verifier) checkTimes(c *Claims) error {
	now := v.now().Unix()
	if exp, ok := c.date(cExp, false); ok && now >= exp+v.leeway {
		return errExpired
	}
	if nbf, ok := c.date(cNbf, false); ok && nbf > now+v.leeway {
		return errNBF
	}
	switch c.profile {
	case Request, QSH:
		iat, _ := c.date(cIat, c.profile == QSH)
		if now-iat > v.window {
			return errStaleOld
		}
		if iat-now > v.window || iat-now > v.leeway {
			return errStaleNew
		}
	case Management, App:
		iat, _ := c.date(cIat, false)
		if iat > now+v.leeway {
			return errIATFuture
		}
		exp, _ := c.date(cExp, false)
		if exp-now > v.maxLife+v.leeway {
			return errLifetime
		}
	case APIKey:
		exp, ok := c.date(cExp, false)
		if !ok && v.requireAPIKeyExp {
			return errNoExp
		}
		if ok && v.apikeyLife > 0 && exp-now > v.apikeyLife+v.leeway {
			return errLifetime
		}
		if iat, ok := c.date(cIat, false); ok && iat > now+v.leeway {
			return errIATFuture
		}
	}
	return nil
}

var (
	errBindMethod = &Error{Code: CodeBinding, Claim: "mtd", Reason: "does not match the request method"}
	errBindURL    = &Error{Code: CodeBinding, Claim: "url", Reason: "does not match the request path"}
	errBindQSH    = &Error{Code: CodeBinding, Claim: "qsh", Reason: "does not match the canonical request"}
	errBindID     = &Error{Code: CodeBinding, Claim: "id", Reason: "names another API"}
)

func (c *Claims) checkBinding(b *Binding) error {
	switch c.profile {
	case Request:
		if string(c.str(cMtd)) != b.Method {
			return errBindMethod
		}
		if !urlMatches(c.str(cURL), b) {
			return errBindURL
		}
	case QSH:
		if b.APIID != "" && string(c.str(cID)) != b.APIID {
			return errBindID
		}
		// The standard canonical form first; the form Ruby's atlassian-jwt
		// writes only when that does not match (see formAsSent).
		var sum [64]byte
		qsh := c.str(cQSH)
		if !hmac.Equal(appendQueryStringHash(sum[:0], b.Method, b.Path, b.RawQuery, formSorted), qsh) &&
			!hmac.Equal(appendQueryStringHash(sum[:0], b.Method, b.Path, b.RawQuery, formAsSent), qsh) {
			return errBindQSH
		}
	}
	return nil
}

// urlMatches reports whether the url claim names the request: the path
// alone, the path with its query, or an absolute http(s) URL whose path (and
// query, if it has one) match. The host of an absolute URL is not compared:
// behind proxies it rarely survives, and the signature already ties the
// token to one credential.
func urlMatches(claim []byte, b *Binding) bool {
	u := string(claim)
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		rest := u[strings.Index(u, "//")+2:]
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			return b.Path == "/" && b.RawQuery == ""
		}
		u = rest[i:]
	}
	if q := strings.IndexByte(u, '?'); q >= 0 {
		return u[:q] == b.Path && u[q+1:] == b.RawQuery
	}
	return u == b.Path
}

// Diagnose runs every check of [Verifier.Verify] that it can and returns
// all the problems found instead of the first: the signature (reported as
// unchecked when secrets is empty), the profile's claims, the time rules
// and the binding. It is for tools that explain a token to a person, such
// as "keyward token inspect". Never authorise on its result: use Verify.
func (v *Verifier) Diagnose(c *Claims, secrets []*Secret, accept Profiles, b *Binding) []error {
	if !c.parsed {
		return []error{errNotParsed}
	}
	var errs []error
	if len(secrets) == 0 {
		errs = append(errs, &Error{Code: CodeSignature, Reason: "not checked: no secret given"})
	} else if err := c.checkSignature(secrets); err != nil {
		errs = append(errs, err)
	}
	if err := c.checkProfileClaims(); err != nil {
		return append(errs, err)
	}
	if !accept.Has(c.profile) {
		errs = append(errs, &Error{Code: CodeProfile, Reason: c.profile.String() + " tokens are not accepted here (want " + accept.String() + ")"})
	}
	if err := v.checkTimes(c); err != nil {
		errs = append(errs, err)
	}
	if b != nil {
		if err := c.checkBinding(b); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
