package token

import (
	"time"
)

// MaxTokenSize is the largest token, in bytes, that [Parse] accepts.
const MaxTokenSize = 8 << 10

// MaxDepth is how deeply objects and arrays may nest inside a claim such as
// arg or params. The payload object itself is depth 1.
const MaxDepth = 16

const (
	maxDecoded  = MaxTokenSize * 3 / 4 // decoded header + payload can never exceed this
	maxOpenKeys = 256                  // member names held for duplicate checks on the open path
	sigSize     = 32
	sigB64Size  = 43
)

// The claims and header fields the scanner records.
const (
	cIss = iota
	cAccessKey
	cAPIKey
	cIat
	cNbf
	cExp
	cJti
	cMtd
	cURL
	cArg
	cID
	cQSH
	cVersion
	cParams
	cType
	cRoomID
	cUserID
	cRole
	cPermissions
	cRoles
	cRoomIDV2
	cParticipantID
	cSub
	numClaims
)

// The header fields follow the claims in the same table.
const (
	hAlg = numClaims + iota
	hTyp
	hKid
	hCrit
	numFields
)

var fieldNames = [numFields]string{
	cIss: "iss", cAccessKey: "access_key", cAPIKey: "apikey", cIat: "iat", cNbf: "nbf",
	cExp: "exp", cJti: "jti", cMtd: "mtd", cURL: "url", cArg: "arg", cID: "id", cQSH: "qsh",
	cVersion: "version", cParams: "params", cType: "type", cRoomID: "room_id",
	cUserID: "user_id", cRole: "role", cPermissions: "permissions", cRoles: "roles",
	cRoomIDV2: "roomId", cParticipantID: "participantId", cSub: "sub",
	hAlg: "alg", hTyp: "typ", hKid: "kid", hCrit: "crit",
}

// kind is the JSON type of a recorded value.
type kind uint8

const (
	kAbsent kind = iota
	kString
	kNumber
	kObject
	kArray
	kBool
	kNull
)

func (k kind) String() string {
	return [...]string{"absent", "string", "number", "object", "array", "boolean", "null"}[k]
}

// span locates bytes inside Claims.mem. For strings it is the unescaped
// text; for other values, the raw JSON.
type span struct {
	off, n uint16
}

type field struct {
	kind  kind
	val   span
	num   int64 // for numbers: the value in whole seconds
	numOK bool  // num holds a value in range
}

// Permission bits of the apikey profile.
const (
	permAllowJoin = 1 << iota
	permAskJoin
	permAllowMod
)

// Role bits of the apikey profile.
const (
	roleRTC = 1 << iota
	roleCrawler
)

// Claims holds one parsed token: its header, claims and signature. It is
// large (about 20 KiB) because it owns every byte it refers to, which is what
// lets [Parse] and [Verifier.Verify] run without allocating. Reuse one
// Claims per goroutine or through a sync.Pool; the zero value is ready to
// use, and each Parse resets it.
//
// The []byte accessors return views into the Claims: they stay valid until
// the next Parse on the same Claims. The string accessors return copies.
type Claims struct {
	raw    [MaxTokenSize]byte
	mem    [2 * maxDecoded]byte // decoded header, decoded payload, then the unescape arena
	sig    [sigSize]byte
	mac    [sigSize]byte // scratch for the computed MAC
	rawLen int           // bytes of raw in use (the signing input: header.payload)
	hdr    span
	pay    span
	arena  int // next free byte of mem for unescaped strings

	fields  [numFields]field
	profile Profile
	perms   uint8
	roles   uint8
	badElem uint8 // which array (cPermissions/cRoles) held an unknown or non-string value, +1
	did     span
	msgid   span
	hasDID  bool
	hasMsg  bool
	parsed  bool

	// scanner state
	keys    [maxOpenKeys]span
	nkeys   int
	inHdr   bool
	claimID int // the top-level claim being scanned, or -1
}

// Profile returns the profile the token claims to be, as far as its key
// claim and type show: App or Management for access_key (by type), APIKey
// for apikey, QSH for iss with qsh, Request for iss without. It is 0 when
// no key claim is present. The claim is untrusted until Verify succeeds.
func (c *Claims) Profile() Profile { return c.profile }

// KeyBytes returns the untrusted key (the iss, access_key or apikey claim
// of the token's profile) without copying, for looking up its secrets.
func (c *Claims) KeyBytes() []byte {
	switch c.profile {
	case Request, QSH:
		return c.str(cIss)
	case Management, App:
		return c.str(cAccessKey)
	case APIKey:
		return c.str(cAPIKey)
	}
	return nil
}

// Key returns a copy of [Claims.KeyBytes].
func (c *Claims) Key() string { return string(c.KeyBytes()) }

// KeyIDBytes returns the header's kid without copying, or nil.
func (c *Claims) KeyIDBytes() []byte { return c.str(hKid) }

// KeyID returns the header's kid, or "".
func (c *Claims) KeyID() string { return string(c.str(hKid)) }

// Header returns the decoded header JSON.
func (c *Claims) Header() []byte { return c.bytes(c.hdr) }

// Payload returns the decoded payload JSON.
func (c *Claims) Payload() []byte { return c.bytes(c.pay) }

// Arg returns the raw JSON of the arg claim (request profile), or nil.
func (c *Claims) Arg() []byte { return c.rawOf(cArg, kObject) }

// Params returns the raw JSON of the params claim (qsh profile), or nil.
func (c *Claims) Params() []byte { return c.rawOf(cParams, kObject) }

// MsgIDBytes returns params.msgid without copying, or nil.
func (c *Claims) MsgIDBytes() []byte {
	if !c.hasMsg {
		return nil
	}
	return c.bytes(c.msgid)
}

// MsgID returns params.msgid, or "".
func (c *Claims) MsgID() string { return string(c.MsgIDBytes()) }

// DID returns params.did, or "".
func (c *Claims) DID() string {
	if !c.hasDID {
		return ""
	}
	return string(c.bytes(c.did))
}

// JWTIDBytes returns the jti claim without copying, or nil.
func (c *Claims) JWTIDBytes() []byte { return c.str(cJti) }

// JWTID returns the jti claim, or "".
func (c *Claims) JWTID() string { return string(c.str(cJti)) }

// Method returns the mtd claim.
func (c *Claims) Method() string { return string(c.str(cMtd)) }

// URL returns the url claim.
func (c *Claims) URL() string { return string(c.str(cURL)) }

// APIID returns the id claim (qsh profile).
func (c *Claims) APIID() string { return string(c.str(cID)) }

// QSH returns the qsh claim.
func (c *Claims) QSH() string { return string(c.str(cQSH)) }

// Type returns the type claim.
func (c *Claims) Type() string { return string(c.str(cType)) }

// RoomID returns room_id (app profile) or roomId (apikey profile).
func (c *Claims) RoomID() string {
	if b := c.str(cRoomID); b != nil {
		return string(b)
	}
	return string(c.str(cRoomIDV2))
}

// UserID returns user_id (app profile) or participantId (apikey profile).
func (c *Claims) UserID() string {
	if b := c.str(cUserID); b != nil {
		return string(b)
	}
	return string(c.str(cParticipantID))
}

// Role returns the role claim (app profile).
func (c *Claims) Role() string { return string(c.str(cRole)) }

// Permissions returns the apikey permissions; a token without the claim has
// ["allow_join"].
func (c *Claims) Permissions() []string {
	if c.fields[cPermissions].kind == kAbsent {
		return []string{"allow_join"}
	}
	var out []string
	for i, name := range []string{"allow_join", "ask_join", "allow_mod"} {
		if c.perms&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return out
}

// HasPermission reports whether an apikey token grants permission name.
func (c *Claims) HasPermission(name string) bool {
	var bit uint8
	switch name {
	case "allow_join":
		if c.fields[cPermissions].kind == kAbsent {
			return true
		}
		bit = permAllowJoin
	case "ask_join":
		bit = permAskJoin
	case "allow_mod":
		bit = permAllowMod
	}
	return c.perms&bit != 0
}

// Roles returns the apikey roles claim.
func (c *Claims) Roles() []string {
	var out []string
	for i, name := range []string{"rtc", "crawler"} {
		if c.roles&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return out
}

// IssuedAt returns iat, or the zero time when it is absent or not a date.
// Millisecond values of the qsh profile are converted.
func (c *Claims) IssuedAt() time.Time { return c.timeOf(cIat) }

// NotBefore returns nbf, or the zero time.
func (c *Claims) NotBefore() time.Time { return c.timeOf(cNbf) }

// Expires returns exp, or the zero time.
func (c *Claims) Expires() time.Time { return c.timeOf(cExp) }

func (c *Claims) timeOf(i int) time.Time {
	v, ok := c.date(i, c.profile == QSH && i == cIat)
	if !ok {
		return time.Time{}
	}
	return time.Unix(v, 0)
}

func (c *Claims) bytes(s span) []byte {
	return c.mem[s.off : int(s.off)+int(s.n) : int(s.off)+int(s.n)]
}

// str returns the unescaped value of a string field, or nil.
func (c *Claims) str(i int) []byte {
	f := &c.fields[i]
	if f.kind != kString {
		return nil
	}
	return c.bytes(f.val)
}

func (c *Claims) rawOf(i int, k kind) []byte {
	f := &c.fields[i]
	if f.kind != k {
		return nil
	}
	return c.bytes(f.val)
}
