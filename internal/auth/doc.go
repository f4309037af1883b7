// Package auth is keyward's door: route policy and the HTTP middleware that
// verifies every request's token before a handler sees it (DESIGN §2).
//
// # Wiring
//
// Every service declares its routes as [Endpoint] values, each with its
// policy ([Route]; nil for a public endpoint), and [NewMux] mounts them all
// behind the door:
//
//	a, err := auth.New(auth.Config{Keys: store, Replay: redisStore, Limiter: limiter,
//		RateLimit: ratelimit.Limit{Rate: 50, Burst: 100}, Usage: usage, Metrics: metrics})
//	defer a.Close()
//	mux, err := auth.NewMux(a, auth.Endpoint{
//		ID: "sl.encoding.start", Pattern: "POST /v3/sl/encoding", Summary: "Start encoding",
//		Policy: &auth.Route{Group: "encoding", Profiles: token.ProfileSet(token.Request, token.QSH), SingleUse: true},
//		Handler: http.HandlerFunc(handleEncodingStart),
//	})
//
// Handlers read the caller from [FromContext] (a handler that accepts
// several profiles tells them apart by Identity.Profile) and answer through
// envelope.Write, which echoes the token's params.msgid. Requests no
// endpoint serves get 404 NOT_FOUND, or 405 METHOD_NOT_ALLOWED when the path
// is served for other methods, in the envelope.
//
// # What a request goes through
//
//  1. The token is taken from "Authorization: Bearer X" (a bare
//     "Authorization: X" only for apikey tokens), and, on routes that accept
//     request tokens, from a JSON body {"data": "X"}. Two different tokens
//     (two headers, or header and body) are 401 TOKEN_CONFLICT; the same
//     token twice is fine. None is 401 TOKEN_MISSING.
//  2. A body is read only on routes that accept request tokens, up to
//     Config.MaxBody (413 BODY_TOO_LARGE) within Config.BodyReadTimeout (408
//     REQUEST_TIMEOUT), and put back for the handler. Form-encoded and
//     multipart bodies are 415 UNSUPPORTED_MEDIA_TYPE (as are media types
//     other than JSON and text/plain). A body that is not one JSON object,
//     or has "data" twice, is 400 BAD_REQUEST: the request itself is broken.
//     A "data" that is not a string is 401 TOKEN_MALFORMED: the token is
//     there but is not a token.
//  3. token.Parse; the key is looked up in the [KeyCache] (unknown: 401
//     TOKEN_UNKNOWN_KEY; revoked credential: 401 TOKEN_REVOKED; store down:
//     503 UNAVAILABLE); the signature, profile, claims, times and the
//     binding to the request (method, path, query, the route's API id) are
//     checked by token.Verifier.Verify.
//  4. Route policy: the route's group must be granted (admin keys pass; 403
//     GROUP_NOT_GRANTED), AdminOnly, app roles and apikey permissions (403
//     PERMISSION_DENIED).
//  5. A token with a jti revoked through [Authenticator.RevokeToken] is 401
//     TOKEN_REVOKED.
//  6. The credential's rate limit: 429 RATE_LIMITED with Retry-After.
//  7. On SingleUse routes, request and qsh tokens are spent: a second use
//     while the token could still be accepted (iat + window + leeway) is 401
//     TOKEN_REPLAYED. The replay key is the jti when the token has one, else
//     a hash of the signature. If the replay store cannot answer, the
//     request is refused with 503 UNAVAILABLE: replay protection fails
//     closed.
//
// Every refusal goes through envelope.Error: the envelope, the stable code,
// the status of DESIGN §2 (401 unproven, 403 proven but not allowed) and
// WWW-Authenticate on 401.
//
// # Caching and revocation
//
// Keys are cached per node, and so are verified reusable tokens (whose
// trust hangs on the cached key). A change to a key reaches the caches
// three ways:
//
//   - On the node that made it, at once: the store calls back after its
//     commit and the wiring calls [KeyCache.Invalidate] before the API call
//     returns. A lookup that starts after Invalidate never answers from a
//     store read that began before it.
//   - On the other nodes, in milliseconds when they share Redis: the same
//     callback publishes the keys on the bus (internal/bus), and each node
//     invalidates them when the notice arrives.
//   - Always, as the fallback: the cache reads the store's change feed
//     every KeyCacheConfig.PollInterval (1 s) and drops the keys that
//     changed; a node whose bus subscription was lost reads the feed as
//     soon as it is back.
//
// Unknown keys are remembered for NegativeTTL (2 s). If the feed cannot be
// read for MaxStale (15 s), the cache stops trusting itself and every
// request asks the store.
//
// Revoked token ids (jti) are asked of the replay store. The Redis store
// keeps them in a local set fed by the same bus and reloaded from Redis
// whenever its subscription is made, so a reusable token costs no Redis
// call, and only single-use routes, which must claim their token with SET
// NX, fail (503 naming Redis) while Redis is down.
//
// # Allocation
//
// token.Claims is large (≈20 KiB), so it is pooled; everything the handler
// may keep is copied into the [Identity] first.
package auth
