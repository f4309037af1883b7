package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/internal/ratelimit"
	"github.com/keyward/keyward/internal/replay"
	"github.com/keyward/keyward/token"
)

// Defaults of [Config].
const (
	DefaultMaxBody         = 1 << 20
	DefaultBodyReadTimeout = 10 * time.Second
)

var (
	errRevokedKey = &token.Error{Code: token.CodeRevoked, Reason: "the credential has been revoked"}
	errRevokedJTI = &token.Error{Code: token.CodeRevoked, Claim: "jti", Reason: "this token has been revoked"}

	errStore = errcode.Errorf(errcode.Unavailable, "the credential store is unavailable")
	// The replay store's failures, in the words of its kind (see
	// replayErrors): single use needs the store on every request; the
	// revocation check does too unless the store keeps revoked ids locally.
	errSingleUse       = errcode.Errorf(errcode.Unavailable, "the replay store is unavailable; single-use requests are refused until it is back")
	errSingleUseRedis  = errcode.Errorf(errcode.Unavailable, "Redis is unavailable: single-use requests need it to claim their token and are refused until it is back")
	errRevocation      = errcode.Errorf(errcode.Unavailable, "the replay store is unavailable; tokens with a jti cannot be checked for revocation")
	errRevocationRedis = errcode.Errorf(errcode.Unavailable, "Redis is unavailable; tokens with a jti cannot be checked for revocation")
	errRateStore       = errcode.Errorf(errcode.Unavailable, "the rate limiter is unavailable")
)

// Config configures [New].
type Config struct {
	// Keys is the credential store. Required.
	Keys KeySource
	// KeyCache tunes the key cache in front of Keys; its Source is set to
	// Keys and its Logger and NowFunc default to this Config's.
	KeyCache KeyCacheConfig
	// Replay remembers single-use tokens and revoked jtis. Default: an
	// in-process [replay.Memory], closed by [Authenticator.Close]. Give every
	// node the same [replay.Redis] to refuse a replay on any of them.
	Replay replay.Store
	// Limiter applies RateLimit per credential. Nil means no rate limiting.
	Limiter ratelimit.Limiter
	// RateLimit is each credential's bucket when Limiter is set; a route may
	// override it. A zero Limit turns limiting off.
	RateLimit ratelimit.Limit
	// RateLimitFailClosed answers 503 when the limiter errs. Default false:
	// the request proceeds and the error is logged (a limiter outage should
	// not take the APIs down; replay protection, by contrast, always fails
	// closed).
	RateLimitFailClosed bool
	// Verifier sets the token time rules (leeway, request window, maximum
	// lifetime). Its NowFunc defaults to this Config's.
	Verifier token.Config
	// Usage receives one count per verified request (credential, route,
	// status, minute). Nil means none.
	Usage UsageSink
	// Metrics records Prometheus metrics. Nil means none.
	Metrics *Metrics
	// MaxBody bounds a body read for a {"data": token}; larger bodies get
	// 413 BODY_TOO_LARGE. Default 1 MiB.
	MaxBody int64
	// BodyReadTimeout bounds reading such a body, against slow clients (408
	// REQUEST_TIMEOUT). Default 10 s; negative means none (rely on the
	// server's ReadTimeout).
	BodyReadTimeout time.Duration
	// VerifiedCache is how many verified tokens of the reusable profiles
	// (management, app, apikey) are remembered, so that a token sent again
	// skips parsing and the HMAC; see verified.go for when a remembered token
	// is trusted. Default [DefaultVerifiedCache]; negative turns it off.
	VerifiedCache int
	// Logger receives internal errors. Default slog.Default().
	Logger *slog.Logger
	// NowFunc is the clock. Default time.Now.
	NowFunc func() time.Time
}

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.NowFunc == nil {
		c.NowFunc = time.Now
	}
	if c.MaxBody == 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.BodyReadTimeout == 0 {
		c.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if c.VerifiedCache == 0 {
		c.VerifiedCache = DefaultVerifiedCache
	}
	if c.Verifier.NowFunc == nil {
		c.Verifier.NowFunc = c.NowFunc
	}
	c.KeyCache.Source = c.Keys
	if c.KeyCache.Logger == nil {
		c.KeyCache.Logger = c.Logger
	}
	if c.KeyCache.NowFunc == nil {
		c.KeyCache.NowFunc = c.NowFunc
	}
}

func (c *Config) validate() error {
	switch {
	case c.Keys == nil:
		return errors.New("auth: Config.Keys is required")
	case c.MaxBody < 0:
		return errors.New("auth: Config.MaxBody must not be negative")
	case c.Limiter != nil && c.RateLimit != (ratelimit.Limit{}) && !c.RateLimit.Enabled():
		return errors.New("auth: Config.RateLimit needs a positive Rate and Burst")
	}
	return nil
}

// Authenticator is the door: it verifies tokens against route policies. It
// is safe for concurrent use.
type Authenticator struct {
	cfg       Config
	keys      *KeyCache
	verifier  *token.Verifier
	replay    replay.Store
	ownReplay *replay.Memory
	// errSingleUse and errRevocation answer the replay store's failures.
	errSingleUse, errRevocation *errcode.Error
	window                      time.Duration // how long a single-use token can be accepted after iat
	leeway                      int64         // seconds, as the verifier applies it
	verified                    *verifiedCache
	// realClock: Config.NowFunc was not set, so the door's own time.Now
	// serves as the clock. keyClockShared: the key cache uses the same
	// clock as the door, so a time read once serves both.
	realClock, keyClockShared bool
}

// New returns an Authenticator and starts its key cache's poller; call
// [Authenticator.Close] to stop it.
func New(cfg Config) (*Authenticator, error) {
	realClock, keyClockShared := cfg.NowFunc == nil, cfg.KeyCache.NowFunc == nil
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	v, err := token.NewVerifier(cfg.Verifier)
	if err != nil {
		return nil, fmt.Errorf("auth: verifier: %w", err)
	}
	a := &Authenticator{cfg: cfg, verifier: v, replay: cfg.Replay, realClock: realClock, keyClockShared: keyClockShared}
	if a.replay == nil {
		m, err := replay.NewMemory(replay.MemoryConfig{NowFunc: cfg.NowFunc})
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		a.replay, a.ownReplay = m, m
	}
	a.errSingleUse, a.errRevocation = errSingleUse, errRevocation
	if _, ok := a.replay.(*replay.Redis); ok {
		a.errSingleUse, a.errRevocation = errSingleUseRedis, errRevocationRedis
	}
	window, leeway := cfg.Verifier.Window, cfg.Verifier.Leeway
	if window == 0 {
		window = token.DefaultWindow
	}
	if leeway == 0 {
		leeway = token.DefaultLeeway
	}
	a.window = window + max(leeway, 0) + time.Second
	a.leeway = int64(max(leeway, 0) / time.Second)
	if cfg.VerifiedCache > 0 {
		a.verified = newVerifiedCache(cfg.VerifiedCache)
	}
	if a.keys, err = NewKeyCache(cfg.KeyCache); err != nil {
		return nil, err
	}
	return a, nil
}

// Keys returns the key cache, to invalidate a key at once (after a
// revocation on this node, say).
func (a *Authenticator) Keys() *KeyCache { return a.keys }

// Replay returns the replay store in use.
func (a *Authenticator) Replay() replay.Store { return a.replay }

// Close stops the key cache's poller and the default replay store.
func (a *Authenticator) Close() error {
	err := a.keys.Close()
	if a.ownReplay != nil {
		err = errors.Join(err, a.ownReplay.Close())
	}
	return err
}

// RevokeToken revokes the token with jti of credential key until until
// (its exp): it gets 401 TOKEN_REVOKED on every node sharing the replay
// store.
func (a *Authenticator) RevokeToken(ctx context.Context, key, jti string, until time.Time) error {
	if jti == "" {
		return errors.New("auth: revoke: empty jti")
	}
	if err := a.replay.Revoke(ctx, jtiKey(key, jti), until); err != nil {
		return fmt.Errorf("auth: revoke: %w", err)
	}
	return nil
}

func jtiKey(key, jti string) string { return "jti:" + key + ":" + jti }

var claimsPool = sync.Pool{New: func() any { return new(token.Claims) }}

// Require returns middleware that lets through only requests with a token
// that rt accepts, with the [Identity] in the request context. Every refusal
// is answered with the envelope by [envelope.Error]. It panics if rt is not
// valid: routes are fixed at start-up.
func (a *Authenticator) Require(rt Route) func(http.Handler) http.Handler {
	if err := rt.Validate(); err != nil {
		panic(err)
	}
	rm := a.cfg.Metrics.route(rt.APIID)
	limit := a.cfg.RateLimit
	if rt.RateLimit != nil {
		limit = *rt.RateLimit
	}
	if rt.MaxBody == 0 {
		rt.MaxBody = a.cfg.MaxBody
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := newStatusWriter(w)
			defer sw.release()
			// One context and one copy of the request carry both the
			// envelope's view and the identity. The identity is filled in by
			// authenticate and reaches no handler unless authenticate
			// succeeds.
			ctx := newIdentityContext(r.Context())
			id := &ctx.id
			id.meta = envelope.Meta{ID: rt.APIID, Logger: a.cfg.Logger}
			r = r.WithContext(ctx)
			verified, err := a.authenticate(sw, r, &rt, limit, id, start)
			if err != nil {
				a.cfg.Metrics.failure(err)
				envelope.Error(sw, r, err)
			} else {
				next.ServeHTTP(sw, r)
			}
			status := sw.Status()
			rm.observe(status, time.Since(start))
			if verified && a.cfg.Usage != nil {
				a.cfg.Usage.Record(id.CredentialID, rt.APIID, status, err == nil, a.cfg.NowFunc())
			}
		})
	}
}

// authenticate runs the door's checks in order and fills id. verified
// reports whether the signature was proven (so usage may be counted).
// start is when the request reached the door, by the real clock.
func (a *Authenticator) authenticate(w http.ResponseWriter, r *http.Request, rt *Route, limit ratelimit.Limit, id *Identity, start time.Time) (verified bool, err error) {
	raw, bare, err := headerToken(r)
	if err != nil {
		return false, err
	}
	bodyRead := rt.bodyTokens() && hasBody(r)
	if bodyRead {
		body, err := readBody(w, r, rt.MaxBody, a.cfg.BodyReadTimeout)
		if err != nil {
			return false, err
		}
		data, err := bodyToken(body)
		if err != nil {
			return false, err
		}
		switch {
		case data == "":
		case raw == "":
			raw, bare = data, false
		case raw != data:
			return false, errTwoTokens
		}
	}
	// now is the time every check of this request uses: the start, unless
	// a clock of its own is configured or reading the body took time.
	now := start
	if !a.realClock || bodyRead {
		now = a.cfg.NowFunc()
	}
	if raw == "" {
		return false, token.ErrMissing
	}

	if a.verified != nil {
		if e := a.verified.get(raw); e != nil && reusable(e.id.Profile, rt) && rt.Profiles.Has(e.id.Profile) &&
			!(bare && e.id.Profile != token.APIKey) {
			k, _, err := a.lookupKey(r.Context(), stringBytes(e.id.Key), now)
			if err == nil && k == e.key && k.Active && e.stillValid(now, a.leeway) {
				meta := id.meta
				*id = e.id
				id.meta = meta
				id.meta.MsgID = id.MsgID
				a.verified.hits.Add(1)
				return a.admit(r, rt, limit, k, id, raw, now)
			}
			a.verified.drop(raw)
		}
	}

	c := claimsPool.Get().(*token.Claims)
	defer claimsPool.Put(c)
	if err := token.ParseString(c, raw); err != nil {
		return false, err
	}
	if bare && c.Profile() != token.APIKey {
		return false, errBareScheme
	}
	k, secrets, err := a.lookupKey(r.Context(), c.KeyBytes(), now)
	switch {
	case errors.Is(err, ErrKeyNotFound):
		return false, token.ErrUnknownKey
	case err != nil:
		return false, errcode.Wrap(errStore.Code, errStore.Message, err)
	case !k.Active:
		return false, errRevokedKey
	}
	b := token.Binding{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, APIID: rt.APIID}
	if err := a.verifier.Verify(c, secrets, rt.Profiles, &b); err != nil {
		if token.CodeOf(err) == token.CodeProfile {
			// The signature was proven before the profile was judged.
			id.fill(k, c)
			return true, err
		}
		return false, err
	}
	id.fill(k, c)
	if a.verified != nil && reusable(id.Profile, rt) {
		a.verified.put(raw, newVerifiedEntry(k, id, c))
	}
	return a.admit(r, rt, limit, k, id, raw, now)
}

// lookupKey asks the key cache for key at now, which is the key cache's own
// clock unless the key cache was given a clock of its own.
func (a *Authenticator) lookupKey(ctx context.Context, key []byte, now time.Time) (*Key, []*token.Secret, error) {
	if a.keyClockShared {
		return a.keys.lookupAt(ctx, key, now.UnixNano())
	}
	return a.keys.Lookup(ctx, key)
}

// admit runs the checks that follow a proven token, on the full path and
// for a remembered one alike: route authorisation, jti revocation, the rate
// limit and single use.
func (a *Authenticator) admit(r *http.Request, rt *Route, limit ratelimit.Limit, k *Key, id *Identity, raw string, now time.Time) (bool, error) {
	if err := rt.authorize(k, id); err != nil {
		return true, err
	}
	if id.JTI != "" {
		revoked, err := a.replay.Revoked(r.Context(), id.jtiKey)
		if err != nil {
			return true, errcode.Wrap(a.errRevocation.Code, a.errRevocation.Message, err)
		}
		if revoked {
			return true, errRevokedJTI
		}
	}
	if limit.Enabled() && a.cfg.Limiter != nil {
		d, err := a.cfg.Limiter.Allow(r.Context(), k.Key, limit)
		switch {
		case err != nil && a.cfg.RateLimitFailClosed:
			return true, errcode.Wrap(errRateStore.Code, errRateStore.Message, err)
		case err != nil:
			a.cfg.Logger.LogAttrs(r.Context(), slog.LevelWarn, "rate limiter failed; request let through", slog.Any("err", err))
		case !d.Allowed:
			return true, &errcode.Error{Code: errcode.RateLimited, Message: "rate limit exceeded", RetryAfter: d.RetryAfter}
		}
	}
	if rt.SingleUse && (id.Profile == token.Request || id.Profile == token.QSH) {
		ttl := id.IssuedAt.Add(a.window).Sub(now)
		first, err := a.replay.Seen(r.Context(), replayKey(k.Key, id.JTI, raw), ttl)
		if err != nil {
			return true, errcode.Wrap(a.errSingleUse.Code, a.errSingleUse.Message, err)
		}
		if !first {
			return true, token.ErrReplayed
		}
	}
	return true, nil
}

// replayKey names a single-use token: by its jti when it has one (scoped to
// the credential), else by a hash of its signature, which HMAC makes
// unique to the token.
func replayKey(key, jti, raw string) string {
	if jti != "" {
		return "use:" + key + ":" + jti
	}
	sig := raw[strings.LastIndexByte(raw, '.')+1:]
	sum := sha256.Sum256([]byte(sig))
	return "sig:" + base64.RawURLEncoding.EncodeToString(sum[:18])
}
