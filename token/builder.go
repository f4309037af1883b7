package token

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Builder makes one signed token of one profile. Set what the profile
// needs with the chained setters, then call [Builder.ToJWT], which fills in
// the defaults, refuses to sign a token the verifier would reject for a
// missing claim, and signs. A Builder is not safe for concurrent use; build
// one per token.
//
// Defaults: iat is now; management, app and apikey tokens get a random jti,
// nbf = iat and exp = iat + 24 h; version is 2 for management and app (and
// for apikey when room, participant or roles are set); request tokens get an
// empty arg object.
type Builder struct {
	profile     Profile
	key         string
	secret      []byte
	kid         string
	now         func() time.Time
	iat         time.Time
	ttl         time.Duration
	exp, nbf    time.Time
	noExp       bool
	jti         string
	method, url string
	arg         json.RawMessage
	apiID, qsh  string
	version     json.RawMessage
	params      json.RawMessage
	room, user  string
	role        string
	perms       []string
	roles       []string
	extra       []extraClaim
	err         error
}

type extraClaim struct {
	name  string
	value json.RawMessage
}

// Errors of [Builder.ToJWT].
var (
	// ErrNoKey means the builder has no key (app key, access key or API key).
	ErrNoKey = errors.New("token: no key to sign with")
)

// New returns a Builder for profile p that signs with key and secret. The
// secret is the byte string the developer was given, used as it is, the way
// every JWT library of the seeds uses it.
func New(p Profile, key string, secret []byte) *Builder {
	return &Builder{profile: p, key: key, secret: secret, now: time.Now}
}

// SetKeyID puts kid in the header, naming which of the key's secrets signed.
func (b *Builder) SetKeyID(kid string) *Builder { b.kid = kid; return b }

// SetNowFunc sets the clock used for iat and the default dates.
func (b *Builder) SetNowFunc(f func() time.Time) *Builder { b.now = f; return b }

// SetIssuedAt sets iat.
func (b *Builder) SetIssuedAt(t time.Time) *Builder { b.iat = t; return b }

// SetTTL sets exp to iat + d. For request and qsh tokens no exp is written
// unless a TTL or an expiry is set.
func (b *Builder) SetTTL(d time.Duration) *Builder { b.ttl = d; return b }

// SetExpiry sets exp.
func (b *Builder) SetExpiry(t time.Time) *Builder { b.exp = t; return b }

// SetNoExpiry leaves exp out, for apikey tokens meant for verifiers that
// allow it.
func (b *Builder) SetNoExpiry() *Builder { b.noExp = true; return b }

// SetNotBefore sets nbf.
func (b *Builder) SetNotBefore(t time.Time) *Builder { b.nbf = t; return b }

// SetJWTID sets jti.
func (b *Builder) SetJWTID(id string) *Builder { b.jti = id; return b }

// SetMethod sets mtd (request profile); it is upper-cased.
func (b *Builder) SetMethod(m string) *Builder { b.method = upperASCII(m); return b }

// SetURL sets url (request profile): the request path, e.g.
// "/v3/sl/encoding".
func (b *Builder) SetURL(u string) *Builder { b.url = u; return b }

// SetArg sets arg (request profile) to v marshalled as JSON; v must
// marshal to an object.
func (b *Builder) SetArg(v any) *Builder {
	raw, err := json.Marshal(v)
	if err != nil {
		b.fail(fmt.Errorf("token: marshal arg: %w", err))
		return b
	}
	return b.SetArgJSON(raw)
}

// SetArgJSON sets arg to raw JSON, which must be an object.
func (b *Builder) SetArgJSON(raw []byte) *Builder {
	obj, err := compactObject("arg", raw)
	b.fail(err)
	b.arg = obj
	return b
}

// SetAPIID sets id (qsh profile), the target API.
func (b *Builder) SetAPIID(id string) *Builder { b.apiID = id; return b }

// SetRequest sets, for the qsh profile, the qsh claim computed from the
// request (see [CanonicalRequest]). rawQuery has no "?".
func (b *Builder) SetRequest(method, path, rawQuery string) *Builder {
	b.qsh = QueryStringHash(method, path, rawQuery)
	return b
}

// SetQSH sets the qsh claim to a precomputed hash.
func (b *Builder) SetQSH(h string) *Builder { b.qsh = h; return b }

// SetParams sets params (qsh profile) from did and msgid; empty ones are
// left out.
func (b *Builder) SetParams(did, msgid string) *Builder {
	m := map[string]string{}
	if did != "" {
		m["did"] = did
	}
	if msgid != "" {
		m["msgid"] = msgid
	}
	raw, _ := json.Marshal(m)
	b.params = raw
	return b
}

// SetVersion sets version to v: a string (qsh API version such as "1.0") or
// a number.
func (b *Builder) SetVersion(v any) *Builder {
	raw, err := json.Marshal(v)
	b.fail(err)
	b.version = raw
	return b
}

// SetRoom sets room_id (app profile) or roomId (apikey profile).
func (b *Builder) SetRoom(id string) *Builder { b.room = id; return b }

// SetUser sets user_id (app profile) or participantId (apikey profile).
func (b *Builder) SetUser(id string) *Builder { b.user = id; return b }

// SetRole sets role (app profile).
func (b *Builder) SetRole(r string) *Builder { b.role = r; return b }

// SetPermissions sets permissions (apikey profile).
func (b *Builder) SetPermissions(p ...string) *Builder { b.perms = p; return b }

// SetRoles sets roles (apikey profile).
func (b *Builder) SetRoles(r ...string) *Builder { b.roles = r; return b }

// SetClaim adds a claim of the caller's own, written after the profile's
// claims. It cannot replace a claim the builder writes.
func (b *Builder) SetClaim(name string, v any) *Builder {
	raw, err := json.Marshal(v)
	if err != nil {
		b.fail(fmt.Errorf("token: marshal claim %q: %w", name, err))
		return b
	}
	b.extra = append(b.extra, extraClaim{name, raw})
	return b
}

func (b *Builder) fail(err error) {
	if b.err == nil && err != nil {
		b.err = err
	}
}

// ToJWT signs and returns the token.
func (b *Builder) ToJWT() (string, error) {
	if b.err != nil {
		return "", b.err
	}
	if b.key == "" {
		return "", ErrNoKey
	}
	if len(b.secret) == 0 {
		return "", ErrEmptySecret
	}
	if err := b.check(); err != nil {
		return "", err
	}
	iat := b.iat
	if iat.IsZero() {
		iat = b.now()
	}
	exp, nbf := b.exp, b.nbf
	longLived := b.profile == Management || b.profile == App || b.profile == APIKey
	if exp.IsZero() && !b.noExp && (longLived || b.ttl > 0) {
		ttl := b.ttl
		if ttl <= 0 {
			ttl = DefaultMaxLifetime
		}
		exp = iat.Add(ttl)
	}
	if nbf.IsZero() && (b.profile == Management || b.profile == App) {
		nbf = iat
	}
	jti := b.jti
	if jti == "" && longLived {
		jti = NewJWTID()
	}

	p := make([]byte, 0, 256)
	p = append(p, '{')
	w := claimWriter{buf: p}
	switch b.profile {
	case Request:
		w.str("iss", b.key)
		w.num("iat", iat.Unix())
		w.str("mtd", b.method)
		w.str("url", b.url)
		arg := b.arg
		if arg == nil {
			arg = json.RawMessage("{}")
		}
		w.raw("arg", arg)
	case QSH:
		w.str("iss", b.key)
		w.num("iat", iat.Unix())
		w.str("id", b.apiID)
		w.str("qsh", b.qsh)
		if b.version != nil {
			w.raw("version", b.version)
		}
		if b.params != nil {
			w.raw("params", b.params)
		}
	case Management, App:
		w.str("access_key", b.key)
		typ := "management"
		if b.profile == App {
			typ = "app"
			w.str("room_id", b.room)
			w.str("user_id", b.user)
			w.str("role", b.role)
		}
		w.str("type", typ)
		w.num("version", 2)
		w.num("iat", iat.Unix())
		w.num("nbf", nbf.Unix())
	case APIKey:
		w.str("apikey", b.key)
		if len(b.perms) > 0 {
			w.strs("permissions", b.perms)
		}
		if b.room != "" || b.user != "" || len(b.roles) > 0 {
			w.num("version", 2)
			if b.room != "" {
				w.str("roomId", b.room)
			}
			if b.user != "" {
				w.str("participantId", b.user)
			}
			if len(b.roles) > 0 {
				w.strs("roles", b.roles)
			}
		}
		w.num("iat", iat.Unix())
		if !nbf.IsZero() {
			w.num("nbf", nbf.Unix())
		}
	default:
		return "", fmt.Errorf("token: unknown profile %d", b.profile)
	}
	if (b.profile == Request || b.profile == QSH) && !nbf.IsZero() {
		w.num("nbf", nbf.Unix())
	}
	if !exp.IsZero() {
		w.num("exp", exp.Unix())
	}
	if jti != "" {
		w.str("jti", jti)
	}
	for _, e := range b.extra {
		if w.has(e.name) {
			return "", fmt.Errorf("token: claim %q is written by the builder", e.name)
		}
		w.raw(e.name, e.value)
	}
	payload := append(w.buf, '}')
	return sign(b.kid, payload, b.secret)
}

func (b *Builder) check() error {
	need := func(name, v string) error {
		if v == "" {
			return fmt.Errorf("token: %s token needs %s", b.profile, name)
		}
		return nil
	}
	switch b.profile {
	case Request:
		return errors.Join(need("a method (mtd)", b.method), need("a url", b.url))
	case QSH:
		return errors.Join(need("an API id (id)", b.apiID), need("a qsh (SetRequest)", b.qsh))
	case App:
		return errors.Join(need("a room_id", b.room), need("a user_id", b.user), need("a role", b.role))
	}
	return nil
}

// sign returns header.payload.signature for the JSON payload.
func sign(kid string, payload, secret []byte) (string, error) {
	hdr := []byte(`{"alg":"HS256","typ":"JWT"}`)
	if kid != "" {
		w := claimWriter{buf: []byte(`{"alg":"HS256","typ":"JWT"`)}
		w.str("kid", kid)
		hdr = append(w.buf, '}')
	}
	enc := base64.RawURLEncoding
	out := make([]byte, 0, enc.EncodedLen(len(hdr))+enc.EncodedLen(len(payload))+2+sigB64Size)
	out = enc.AppendEncode(out, hdr)
	out = append(out, '.')
	out = enc.AppendEncode(out, payload)
	if len(out)+1+sigB64Size > MaxTokenSize {
		return "", fmt.Errorf("token: the token would be %d bytes, over the %d-byte limit", len(out)+1+sigB64Size, MaxTokenSize)
	}
	if len(secret) == 0 {
		return "", ErrEmptySecret
	}
	h := hmac.New(sha256.New, secret)
	h.Write(out)
	var sum [sigSize]byte
	out = append(out, '.')
	out = enc.AppendEncode(out, h.Sum(sum[:0]))
	return string(out), nil
}

// NewJWTID returns a random UUID (version 4) for a jti claim.
func NewJWTID() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	const hexDigits = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexDigits[c>>4], hexDigits[c&15])
	}
	return string(out)
}

// claimWriter appends "name":value members to an open JSON object.
type claimWriter struct {
	buf   []byte
	names []string
}

func (w *claimWriter) key(name string) {
	if len(w.buf) > 1 {
		w.buf = append(w.buf, ',')
	}
	w.buf = appendJSONString(w.buf, name)
	w.buf = append(w.buf, ':')
	w.names = append(w.names, name)
}

func (w *claimWriter) has(name string) bool {
	for _, n := range w.names {
		if n == name {
			return true
		}
	}
	return false
}

func (w *claimWriter) str(name, v string) {
	w.key(name)
	w.buf = appendJSONString(w.buf, v)
}

func (w *claimWriter) strs(name string, vs []string) {
	w.key(name)
	w.buf = append(w.buf, '[')
	for i, v := range vs {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendJSONString(w.buf, v)
	}
	w.buf = append(w.buf, ']')
}

func (w *claimWriter) num(name string, v int64) {
	w.key(name)
	w.buf = strconv.AppendInt(w.buf, v, 10)
}

func (w *claimWriter) raw(name string, v []byte) {
	w.key(name)
	w.buf = append(w.buf, v...)
}

// appendJSONString appends s as a JSON string, escaping what JSON requires
// and replacing invalid UTF-8 with U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// compactObject checks that raw is one JSON object the verifier would
// accept (valid UTF-8, no lone surrogates, no duplicate names, not too
// deep) and returns it compacted.
func compactObject(name string, raw []byte) (json.RawMessage, error) {
	if err := strictObject(raw); err != nil {
		return nil, fmt.Errorf("token: %s must be a JSON object: %w", name, err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, fmt.Errorf("token: compact %s: %w", name, err)
	}
	return json.RawMessage(buf.Bytes()), nil
}

func upperASCII(s string) string {
	out := []byte(s)
	for i, c := range out {
		if c >= 'a' && c <= 'z' {
			out[i] = c - 32
		}
	}
	return string(out)
}
