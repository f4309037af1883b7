// Package envelope writes keyward's JSON response envelope (DESIGN §3) for
// every response, success and error, and holds the one table that maps an
// error code to an HTTP status.
//
// # Shape
//
//	{"id":"sl.encoding.start","ver":"3.0","ets":1700000000000,
//	 "params":{"resmsgid":"<uuid>","msgid":"<params.msgid of the token, or null>",
//	           "status":"successful|failed","err":"","errmsg":""},
//	 "query":"…"}
//
// id is the API id of the route (from [Write]'s argument, or the route's id
// carried in the request context by the auth middleware), ets the time in
// milliseconds, resmsgid a fresh UUID (version 4), msgid the params.msgid of
// the verified token or null. API-specific fields sit at the top level beside
// params: [Write] splices the members of its fields argument, which must
// marshal to a JSON object and must not use the names id, ver, ets or params.
//
// # Error codes
//
// [Error] is the only way an error response is written. It finds the code of
// the error, maps the code to a status through [Status], and writes the
// code in params.err and a message that is safe to show in params.errmsg.
// Errors that carry no code are reported as INTERNAL with a generic message
// and logged with their full text; nothing else is ever echoed, so a token,
// a secret or a driver message cannot reach the client.
//
//	code                    status  meaning
//	TOKEN_MISSING           401     no token
//	TOKEN_MALFORMED         401     not a strict compact JWS; a body "data" that is not a string
//	TOKEN_TOO_LARGE         401     token over 8 KiB
//	TOKEN_ALG               401     alg not HS256, typ not JWT, crit present
//	TOKEN_SIGNATURE         401     signature does not match
//	TOKEN_UNKNOWN_KEY       401     unknown key, or kid names no active secret
//	TOKEN_CLAIM_MISSING     401     a required claim is absent
//	TOKEN_CLAIM_INVALID     401     a claim has the wrong type or value
//	TOKEN_EXPIRED           401     exp passed (beyond the leeway)
//	TOKEN_NOT_YET_VALID     401     nbf (or iat of a long-lived token) in the future
//	TOKEN_STALE             401     iat outside the request window
//	TOKEN_LIFETIME          401     exp further ahead than allowed
//	TOKEN_BINDING           401     mtd, url, qsh or id do not match the request
//	TOKEN_REPLAYED          401     a single-use token used again
//	TOKEN_REVOKED           401     credential or jti revoked
//	TOKEN_CONFLICT          401     two different tokens in one request
//	TOKEN_PROFILE           403     a valid token of a profile the route refuses
//	GROUP_NOT_GRANTED       403     the credential lacks the route's API group
//	PERMISSION_DENIED       403     role, permission or account role lacking
//	BAD_REQUEST             400     the request is malformed (a body that is not a JSON object)
//	UNAUTHORIZED            401     not signed in (non-token authentication)
//	FORBIDDEN               403     proven, but not allowed (non-token authorisation)
//	NOT_FOUND               404     no such route or object
//	METHOD_NOT_ALLOWED      405     the route exists, the method does not
//	REQUEST_TIMEOUT         408     the client sent its body too slowly
//	CONFLICT                409     the action conflicts with the current state
//	BODY_TOO_LARGE          413     the body is over the route's limit
//	UNSUPPORTED_MEDIA_TYPE  415     a form-encoded or otherwise unsupported body
//	RATE_LIMITED            429     the credential's rate limit is spent (Retry-After says when to retry)
//	INTERNAL                500     a fault of keyward; details only in the server's log
//	BAD_GATEWAY             502     the upstream of a gateway route failed
//	UNAVAILABLE             503     a dependency (store, Redis) is down; keyward fails closed
//	GATEWAY_TIMEOUT         504     the upstream of a gateway route did not answer in time
//
// The token codes are [token.Code] values and take their status from
// [token.Code.Status]. Every 401 response also carries
// WWW-Authenticate: Bearer error="invalid_token", error_description="…"
// with the safe reason.
//
// # Where codes come from
//
// [Error] looks, in order, for a [*CodedError] in the error's chain, then
// for any error implementing [Coder] (so another package's error type joins
// the table by adding one method, without importing this package), then for
// a [*token.Error], an [*http.MaxBytesError] (BODY_TOO_LARGE) and
// [context.DeadlineExceeded] (GATEWAY_TIMEOUT); anything else is INTERNAL.
package envelope
