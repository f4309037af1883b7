package errcode

import "github.com/keyward/keyward/token"

// The token codes: who is calling is not proven (401), or the proven token
// is not allowed here (403). They are [token.Code] values, made by the token
// package and by the door's route policy.
const (
	TokenMissing      = string(token.CodeMissing)
	TokenMalformed    = string(token.CodeMalformed)
	TokenTooLarge     = string(token.CodeTooLarge)
	TokenAlg          = string(token.CodeAlg)
	TokenSignature    = string(token.CodeSignature)
	TokenUnknownKey   = string(token.CodeUnknownKey)
	TokenClaimMissing = string(token.CodeClaimMissing)
	TokenClaimInvalid = string(token.CodeClaimInvalid)
	TokenExpired      = string(token.CodeExpired)
	TokenNotYetValid  = string(token.CodeNotYetValid)
	TokenStale        = string(token.CodeStale)
	TokenLifetime     = string(token.CodeLifetime)
	TokenBinding      = string(token.CodeBinding)
	TokenReplayed     = string(token.CodeReplayed)
	TokenRevoked      = string(token.CodeRevoked)
	TokenConflict     = string(token.CodeConflict)
	TokenProfile      = string(token.CodeProfile)
	GroupNotGranted   = string(token.CodeGroupNotGranted)
	PermissionDenied  = string(token.CodePermissionDenied)
)

// The request codes: what every API, the portal and the gateway answer
// beside the token codes.
const (
	BadRequest           = "BAD_REQUEST"
	InvalidArgument      = "INVALID_ARGUMENT"
	Unauthorized         = "UNAUTHORIZED"
	Forbidden            = "FORBIDDEN"
	NotFound             = "NOT_FOUND"
	MethodNotAllowed     = "METHOD_NOT_ALLOWED"
	RequestTimeout       = "REQUEST_TIMEOUT"
	Conflict             = "CONFLICT"
	BodyTooLarge         = "BODY_TOO_LARGE"
	UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	RateLimited          = "RATE_LIMITED"
	Internal             = "INTERNAL"
	BadGateway           = "BAD_GATEWAY"
	Unavailable          = "UNAVAILABLE"
	GatewayTimeout       = "GATEWAY_TIMEOUT"
)

// The rooms codes (DESIGN §9): why joining a room or acting on one failed.
const (
	RoomNotFound  = "ROOM_NOT_FOUND"
	RoomDisabled  = "ROOM_DISABLED"
	RoomFull      = "ROOM_FULL"
	RoomNotActive = "ROOM_NOT_ACTIVE"
	RoleUnknown   = "ROLE_UNKNOWN"
	PeerNotFound  = "PEER_NOT_FOUND"
	ResumeInvalid = "RESUME_INVALID"
)

// Entry is one row of the table.
type Entry struct {
	// Code is the stable upper-case code, params.err of the envelope.
	Code string
	// Status is the HTTP status every response with Code has.
	Status int
	// Meaning says in a few words when the code is sent.
	Meaning string
}

// table is the one table of codes, in the order the docs list them.
var table = []Entry{
	{TokenMissing, 401, "no token"},
	{TokenMalformed, 401, `not a strict compact JWS of JSON objects; a body "data" that is not a string`},
	{TokenTooLarge, 401, "token over 8 KiB"},
	{TokenAlg, 401, "alg not HS256, typ not JWT, crit present"},
	{TokenSignature, 401, "signature does not match"},
	{TokenUnknownKey, 401, "unknown key, or kid names no active secret"},
	{TokenClaimMissing, 401, "a required claim is absent"},
	{TokenClaimInvalid, 401, "a claim has the wrong type or value"},
	{TokenExpired, 401, "exp passed (beyond the leeway)"},
	{TokenNotYetValid, 401, "nbf (or iat of a long-lived token) in the future"},
	{TokenStale, 401, "iat outside the request window"},
	{TokenLifetime, 401, "exp further ahead than allowed"},
	{TokenBinding, 401, "mtd, url, qsh or id do not match the request"},
	{TokenReplayed, 401, "a single-use token used again"},
	{TokenRevoked, 401, "credential or jti revoked"},
	{TokenConflict, 401, "two different tokens in one request"},
	{TokenProfile, 403, "a valid token of a profile the route refuses"},
	{GroupNotGranted, 403, "the credential lacks the route's API group"},
	{PermissionDenied, 403, "role, permission or account role lacking"},

	{BadRequest, 400, "the request is malformed (a body that is not a JSON object, say)"},
	{InvalidArgument, 400, "a parameter is malformed or names something that does not exist"},
	{Unauthorized, 401, "not signed in (non-token authentication)"},
	{Forbidden, 403, "proven, but not allowed (non-token authorisation)"},
	{NotFound, 404, "no such route or object"},
	{MethodNotAllowed, 405, "the route exists, the method does not"},
	{RequestTimeout, 408, "the client sent its body too slowly"},
	{Conflict, 409, "the action conflicts with the current state"},
	{BodyTooLarge, 413, "the body is over the route's limit"},
	{UnsupportedMediaType, 415, "a form-encoded or otherwise unsupported body"},
	{RateLimited, 429, "the rate limit is spent (Retry-After says when to retry)"},
	{Internal, 500, "a fault of keyward; details only in the server's log"},
	{BadGateway, 502, "an upstream (gateway route, song download) failed"},
	{Unavailable, 503, "a dependency (store, Redis) is down; keyward fails closed"},
	{GatewayTimeout, 504, "an upstream (gateway route, song download) did not answer in time"},

	{RoomNotFound, 404, "no such room for this account"},
	{RoomDisabled, 403, "the room is disabled"},
	{RoomFull, 409, "the room has max_peers peers already"},
	{RoomNotActive, 404, "the room has no live session"},
	{RoleUnknown, 403, "the token's role is not in the room's template"},
	{PeerNotFound, 404, "no such peer in the room's live session"},
	{ResumeInvalid, 401, "a resume token that is malformed, forged, expired or of a removed peer"},
}

// statuses indexes table by code.
var statuses = func() map[string]int {
	m := make(map[string]int, len(table))
	for _, e := range table {
		if _, dup := m[e.Code]; dup {
			panic("errcode: " + e.Code + " is in the table twice")
		}
		m[e.Code] = e.Status
	}
	return m
}()

// Table returns a copy of the table, in the order the docs list it.
func Table() []Entry { return append([]Entry(nil), table...) }

// Known reports whether code is in the table.
func Known(code string) bool {
	_, ok := statuses[code]
	return ok
}

// Status returns the HTTP status of code, or 500 for a code the table does
// not know.
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return 500
}
