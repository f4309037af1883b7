package token

import (
	"errors"
	"fmt"
)

// Code is a stable, upper-case error code. Codes are part of keyward's public
// contract: clients match on them, and they never change meaning. The HTTP
// status each one maps to is given by [Code.Status].
type Code string

// The codes the token package returns. The table in the package
// documentation lists them with their statuses. The codes after
// CodeProfile are not produced by this package but by the route policy
// that sits on top of it; they are declared here so that every layer shares
// one table.
const (
	// CodeMissing: the request carries no token.
	CodeMissing Code = "TOKEN_MISSING"
	// CodeMalformed: not a compact JWS with a JSON object header and payload
	// (wrong segment count, bad base64, padding, whitespace, bad JSON,
	// duplicate names, too deep nesting, non-object payload).
	CodeMalformed Code = "TOKEN_MALFORMED"
	// CodeTooLarge: the token exceeds [MaxTokenSize].
	CodeTooLarge Code = "TOKEN_TOO_LARGE"
	// CodeAlg: the header's alg is not exactly HS256, or typ is not JWT, or
	// crit is present.
	CodeAlg Code = "TOKEN_ALG"
	// CodeSignature: the signature does not match.
	CodeSignature Code = "TOKEN_SIGNATURE"
	// CodeUnknownKey: the key (iss, access_key or apikey) or the kid names no
	// known secret.
	CodeUnknownKey Code = "TOKEN_UNKNOWN_KEY"
	// CodeClaimMissing: a claim the profile requires is absent.
	CodeClaimMissing Code = "TOKEN_CLAIM_MISSING"
	// CodeClaimInvalid: a claim has the wrong JSON type or a value the
	// profile does not allow (a string exp, type "foo", version 3, an
	// unknown permission, qsh "context-qsh").
	CodeClaimInvalid Code = "TOKEN_CLAIM_INVALID"
	// CodeExpired: exp is in the past, beyond the leeway.
	CodeExpired Code = "TOKEN_EXPIRED"
	// CodeNotYetValid: nbf (or iat, for long-lived profiles) is in the
	// future, beyond the leeway.
	CodeNotYetValid Code = "TOKEN_NOT_YET_VALID"
	// CodeStale: a request-bound token's iat is outside the allowed window.
	CodeStale Code = "TOKEN_STALE"
	// CodeLifetime: exp lies further ahead than the profile's maximum
	// lifetime.
	CodeLifetime Code = "TOKEN_LIFETIME"
	// CodeBinding: the token does not match the request it came with (mtd,
	// url, qsh or id).
	CodeBinding Code = "TOKEN_BINDING"
	// CodeProfile: a valid token of a profile the route does not accept
	// (403).
	CodeProfile Code = "TOKEN_PROFILE"

	// CodeReplayed: a single-use token was presented a second time.
	CodeReplayed Code = "TOKEN_REPLAYED"
	// CodeRevoked: the credential or the token's jti has been revoked.
	CodeRevoked Code = "TOKEN_REVOKED"
	// CodeConflict: the request carries two different tokens.
	CodeConflict Code = "TOKEN_CONFLICT"
	// CodeGroupNotGranted: the credential lacks the route's API group (403).
	CodeGroupNotGranted Code = "GROUP_NOT_GRANTED"
	// CodePermissionDenied: the token's role or permissions do not allow the
	// action (403).
	CodePermissionDenied Code = "PERMISSION_DENIED"
)

// Status returns the HTTP status a code maps to: 403 when the caller is
// proven but not allowed, 401 for everything else.
func (c Code) Status() int {
	switch c {
	case CodeProfile, CodeGroupNotGranted, CodePermissionDenied:
		return 403
	default:
		return 401
	}
}

// Error is the one error type of the token package. Its message is safe to
// show to the caller: it never contains the token, a secret, or a claim
// value beyond its name.
type Error struct {
	// Code is the stable code.
	Code Code
	// Claim names the claim or header field at fault, if any.
	Claim string
	// Reason is a short English explanation.
	Reason string
}

// Error returns "token: CODE: reason".
func (e *Error) Error() string {
	if e.Claim != "" {
		return fmt.Sprintf("token: %s: %s: %s", e.Code, e.Claim, e.Reason)
	}
	return fmt.Sprintf("token: %s: %s", e.Code, e.Reason)
}

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, token.ErrExpired) matches every expiry error whatever its
// reason.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// CodeOf returns the code of err if it is or wraps an [*Error], and "" if
// not.
func CodeOf(err error) Code {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return ""
}

// Sentinel errors to match with errors.Is; one per code.
var (
	ErrMissing          = &Error{Code: CodeMissing, Reason: "no token"}
	ErrMalformed        = &Error{Code: CodeMalformed, Reason: "malformed token"}
	ErrTooLarge         = &Error{Code: CodeTooLarge, Reason: "token too large"}
	ErrAlg              = &Error{Code: CodeAlg, Reason: "algorithm not allowed"}
	ErrSignature        = &Error{Code: CodeSignature, Reason: "signature mismatch"}
	ErrUnknownKey       = &Error{Code: CodeUnknownKey, Reason: "unknown key"}
	ErrClaimMissing     = &Error{Code: CodeClaimMissing, Reason: "required claim missing"}
	ErrClaimInvalid     = &Error{Code: CodeClaimInvalid, Reason: "claim invalid"}
	ErrExpired          = &Error{Code: CodeExpired, Reason: "token expired"}
	ErrNotYetValid      = &Error{Code: CodeNotYetValid, Reason: "token not yet valid"}
	ErrStale            = &Error{Code: CodeStale, Reason: "iat outside the allowed window"}
	ErrLifetime         = &Error{Code: CodeLifetime, Reason: "lifetime too long"}
	ErrBinding          = &Error{Code: CodeBinding, Reason: "token does not match the request"}
	ErrProfile          = &Error{Code: CodeProfile, Reason: "token profile not accepted here"}
	ErrReplayed         = &Error{Code: CodeReplayed, Reason: "token already used"}
	ErrRevoked          = &Error{Code: CodeRevoked, Reason: "revoked"}
	ErrConflict         = &Error{Code: CodeConflict, Reason: "two different tokens"}
	ErrGroupNotGranted  = &Error{Code: CodeGroupNotGranted, Reason: "API group not granted"}
	ErrPermissionDenied = &Error{Code: CodePermissionDenied, Reason: "permission denied"}
)

// Preallocated errors for the hot path, so that a rejection allocates no
// more than an acceptance does.
var (
	errSegments      = &Error{Code: CodeMalformed, Reason: "a token has three base64url segments separated by dots"}
	errBase64Header  = &Error{Code: CodeMalformed, Claim: "header", Reason: "invalid base64url"}
	errBase64Payload = &Error{Code: CodeMalformed, Claim: "payload", Reason: "invalid base64url"}
	errBase64Sig     = &Error{Code: CodeMalformed, Claim: "signature", Reason: "invalid base64url or not 32 bytes"}
	errNotParsed     = &Error{Code: CodeMalformed, Reason: "Verify called on claims that did not parse"}
)

func claimMissing(name string) *Error {
	return &Error{Code: CodeClaimMissing, Claim: name, Reason: "required by the profile"}
}

func claimInvalid(name, reason string) *Error {
	return &Error{Code: CodeClaimInvalid, Claim: name, Reason: reason}
}

func malformed(part, reason string) *Error {
	return &Error{Code: CodeMalformed, Claim: part, Reason: reason}
}
