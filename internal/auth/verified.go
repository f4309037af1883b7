package auth

import (
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/token"
)

// DefaultVerifiedCache is the number of verified tokens remembered by
// default; see [Config.VerifiedCache].
const DefaultVerifiedCache = 10_000

// verifiedCache remembers tokens of the reusable profiles (management, app,
// apikey) that passed verification, keyed by the exact token text, so that
// a client that sends the same token many times, as these profiles are
// meant to be used, pays for parsing and the HMAC once.
//
// A remembered token is trusted again only while
//   - the key it was verified against is still the key cache's current
//     entry: revocation, rotation, retirement, group and role changes all
//     replace that entry, and so does its TTL;
//   - no secret of that key has reached its NotAfter since (an overlapping
//     old secret expires without a change event);
//   - its own exp, nbf and iat still pass at the current time.
//
// Anything else falls back to full verification, which gives the precise
// error. Request-bound profiles and single-use routes never use it.
type verifiedCache struct {
	mu   sync.RWMutex
	m    map[string]*verifiedEntry
	max  int
	hits atomic.Uint64
}

type verifiedEntry struct {
	key    *Key
	id     Identity // as filled by verification; meta zero
	exp    int64    // unix seconds, valid when hasExp
	nbf    int64
	iat    int64
	hasExp bool
	hasNbf bool
	hasIat bool
	// secretsUntil is the earliest NotAfter (unix ns) among the key's
	// secrets when the token was verified; 0 when none expires.
	secretsUntil int64
}

func newVerifiedCache(max int) *verifiedCache {
	return &verifiedCache{m: make(map[string]*verifiedEntry), max: max}
}

func (vc *verifiedCache) get(raw string) *verifiedEntry {
	vc.mu.RLock()
	e := vc.m[raw]
	vc.mu.RUnlock()
	return e
}

func (vc *verifiedCache) put(raw string, e *verifiedEntry) {
	vc.mu.Lock()
	if len(vc.m) >= vc.max {
		clear(vc.m) // bounded memory; the next uses re-verify
	}
	vc.m[raw] = e
	vc.mu.Unlock()
}

func (vc *verifiedCache) drop(raw string) {
	vc.mu.Lock()
	delete(vc.m, raw)
	vc.mu.Unlock()
}

// newVerifiedEntry records a successful verification of a reusable token.
func newVerifiedEntry(k *Key, id *Identity, c *token.Claims) *verifiedEntry {
	e := &verifiedEntry{key: k, id: *id}
	e.id.meta = envelope.Meta{}
	if t := c.Expires(); !t.IsZero() {
		e.exp, e.hasExp = t.Unix(), true
	}
	if t := c.NotBefore(); !t.IsZero() {
		e.nbf, e.hasNbf = t.Unix(), true
	}
	if t := c.IssuedAt(); !t.IsZero() {
		e.iat, e.hasIat = t.Unix(), true
	}
	for _, s := range k.Secrets {
		if na := s.NotAfter.UnixNano(); !s.NotAfter.IsZero() && (e.secretsUntil == 0 || na < e.secretsUntil) {
			e.secretsUntil = na
		}
	}
	return e
}

// stillValid reports whether the token's dates pass at now with leeway,
// by the same rules the verifier applies to the reusable profiles.
func (e *verifiedEntry) stillValid(now time.Time, leeway int64) bool {
	s := now.Unix()
	switch {
	case e.secretsUntil != 0 && now.UnixNano() >= e.secretsUntil:
		return false
	case e.hasExp && s >= e.exp+leeway:
		return false
	case e.hasNbf && e.nbf > s+leeway:
		return false
	case e.hasIat && e.iat > s+leeway:
		return false
	}
	return true
}

// reusable reports whether tokens of profile p on route rt may be
// remembered.
func reusable(p token.Profile, rt *Route) bool {
	return !rt.SingleUse && (p == token.Management || p == token.App || p == token.APIKey)
}

// stringBytes views s as bytes without copying, for read-only lookups.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// VerifiedHits returns how many requests were admitted on a remembered
// verification (see [Config.VerifiedCache]); for metrics and tests.
func (a *Authenticator) VerifiedHits() uint64 {
	if a.verified == nil {
		return 0
	}
	return a.verified.hits.Load()
}
