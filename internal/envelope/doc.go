// Package envelope writes keyward's JSON response envelope (DESIGN §3) for
// every response, success and error, and maps every error to its code and
// HTTP status.
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
// the error, takes its status from the one table of codes (package errcode,
// copied into the README), and writes the code in params.err and a message
// that is safe to show in params.errmsg. Errors that carry no code are
// reported as INTERNAL with a generic message and logged with their full
// text; nothing else is ever echoed, so a token, a secret or a driver message
// cannot reach the client. Every 401 response also carries
// WWW-Authenticate: Bearer error="invalid_token", error_description="…"
// with the safe reason, and an error with a retry delay Retry-After.
//
// # Where codes come from
//
// [Error] looks, in order, for an [*errcode.Error] in the error's chain, then
// for a [*token.Error], an [*http.MaxBytesError] (BODY_TOO_LARGE) and
// [context.DeadlineExceeded] (GATEWAY_TIMEOUT); anything else is INTERNAL.
package envelope
