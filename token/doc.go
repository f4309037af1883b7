/*
Package token signs and verifies the HS256 JSON Web Tokens of every style
keyward serves, with no I/O and no dependencies beyond the standard library.

This package is keyward's public, stable SDK: its exported API follows
semantic versioning. It is what keyward's own server uses on every request.

# Profiles

Every token is HS256 (the header's alg must be exactly "HS256"; "none",
HS384, RS256 and the rest are refused), typ is "JWT" or absent, kid is
optional and picks one of a key's secrets. A token is at most
[MaxTokenSize] bytes, a compact JWS with no padding or whitespace, and its
header and payload are JSON objects without duplicate member names at any
depth, nested at most [MaxDepth] deep. Dates are JSON numbers of seconds; a
string exp or nbf is an error, never "absent".

	profile     key claim    required                                      lifetime
	request     iss          iat, mtd, url, arg (object)                   |now−iat| ≤ Window; exp honoured
	qsh         iss          iat, id, qsh; version, params optional        as request; iat may be a decimal string of ms
	management  access_key   type "management", version 2, jti, iat, nbf,  exp − now ≤ MaxLifetime
	                         exp
	app         access_key   type "app", version 2, room_id, user_id,      as management
	                         role, jti, iat, nbf, exp
	apikey      apikey       permissions ⊆ {allow_join, ask_join,          exp required unless allowed
	                         allow_mod}; version 2 with roomId,
	                         participantId or roles (⊆ {rtc, crawler})

A request token is bound to its request: mtd equals the method and url the
path. A qsh token carries the SHA-256 of the request's canonical form
([CanonicalRequest]) and names the API it is for in id; "context-qsh" is
refused. The verifier also accepts the hash of the form that Ruby's
atlassian-jwt 0.2.1 (Debian's ruby-atlassian-jwt) writes: the values of a
repeated name in the order sent rather than sorted, a space in a name as
"+", names in byte order. Both forms bind the same request; the second is
computed only when the first does not match.

# Verifying

Verification is two steps, so that the secret is looked up by a key that is
not yet trusted, and nothing is trusted until the signature is checked:

	var c token.Claims                    // reuse it: it is large
	if err := token.Parse(&c, raw); err != nil { … }
	secrets := lookup(c.KeyBytes(), c.KeyIDBytes())
	if err := v.Verify(&c, secrets, token.AllProfiles, &token.Binding{…}); err != nil { … }

Parse and Verify allocate nothing for a valid token. MACs are compared with
hmac.Equal, in constant time.

# Errors

Every error is an [*Error] whose [Code] is stable and maps to one HTTP status:

	code                 status  meaning
	TOKEN_MISSING        401     no token
	TOKEN_MALFORMED      401     not a strict compact JWS of JSON objects
	TOKEN_TOO_LARGE      401     over MaxTokenSize
	TOKEN_ALG            401     alg not HS256, typ not JWT, crit present
	TOKEN_SIGNATURE      401     signature does not match
	TOKEN_UNKNOWN_KEY    401     unknown key, or kid names no active secret
	TOKEN_CLAIM_MISSING  401     a required claim is absent
	TOKEN_CLAIM_INVALID  401     a claim has the wrong type or value
	TOKEN_EXPIRED        401     exp passed (beyond the leeway)
	TOKEN_NOT_YET_VALID  401     nbf (or iat of a long-lived token) in the future
	TOKEN_STALE          401     iat outside the request window
	TOKEN_LIFETIME       401     exp further ahead than allowed
	TOKEN_BINDING        401     mtd, url, qsh or id do not match the request
	TOKEN_REPLAYED       401     a single-use token used again (route policy)
	TOKEN_REVOKED        401     credential or jti revoked (route policy)
	TOKEN_CONFLICT       401     two different tokens in one request (route policy)
	TOKEN_PROFILE        403     a valid token of a profile the route refuses
	GROUP_NOT_GRANTED    403     the credential lacks the route's API group
	PERMISSION_DENIED    403     role or permissions do not allow the action

Error messages never contain the token, a secret or a claim's value.
*/
package token
