// Package portal is keyward's developer portal: server-rendered pages under
// /portal/ where developers sign up, request access to API groups, follow
// their requests and notifications, generate, rotate and revoke
// credentials, watch their usage and try tokens out; and where admins
// decide requests and look after accounts, groups, credentials and the
// audit log.
//
// # Wiring
//
//	p, err := portal.New(portal.Config{
//		Services:     st,                 // *store.Store
//		Logger:       log,
//		PublicURL:    cfg.PublicURL,      // https turns Secure on
//		SessionStore: sessions,           // portal.NewSQLSessionStore(ctx, st.Driver())
//		Sealer:       sealer,             // the store's master-key sealer
//	})
//	mux.Handle("/portal/", p.Handler())
//	mux.Handle("GET /{$}", http.RedirectHandler("/portal/", http.StatusFound))
//
// # Pages
//
// Pages are html/template files parsed once by [New], rendered into a
// buffer and sent with Cache-Control: no-store. Static files are embedded
// and served under content-hashed names (/portal/assets/style.<hash>.css)
// that may be cached for a year. Every page works without JavaScript; the
// one small script only adds copy buttons and confirmations. Authorisation
// lives in the credential services: the portal puts the signed-in account in
// the context as the actor, and a developer opening another's credential
// gets the store's 403. Admin pages also check the role up front.
//
// Errors go through one renderer that uses the management API's codes and
// answers JSON (the API envelope) or HTML as Accept prefers.
//
// # Security
//
//   - Every state-changing request passes [net/http.CrossOriginProtection]
//     (Sec-Fetch-Site, else Origin against Host) and must carry the
//     session's CSRF token; the session cookie is SameSite=Strict and
//     HttpOnly, and Secure with the __Host- prefix when [Config.Secure].
//   - Responses carry a Content-Security-Policy without inline script or
//     style, nosniff, Referrer-Policy: same-origin, frame-ancestors 'none',
//     and Strict-Transport-Security over TLS.
//   - Sign-in renews the session token (no session fixation) and the CSRF
//     token. Passwords are checked by the store (argon2id).
//   - Sign-in is throttled per account and per client address, in this
//     process's memory ([ThrottleConfig]): with several nodes each counts
//     on its own, so the effective limit is the per-node limit times the
//     number of nodes. The per-account lock lets someone who knows an
//     email lock its owner out for a while; it is short and grows only with
//     repeated lockouts for that reason. Sign-ups are limited per address.
//   - A new secret is shown exactly once: the form that makes it keeps it,
//     sealed with [Config.Sealer], in the session and redirects (303) to a
//     page that takes it out of the session as it renders it. A reload finds
//     it gone (410). No other page, log line or audit entry holds it.
//   - Logs name accounts by id and addresses; never a password, a secret, a
//     session token or a CSRF token.
//
// # Sessions
//
// Sessions are github.com/alexedwards/scs/v2. The default store is in
// memory: fine for one node, but sessions end at a restart and several
// nodes need sticky sessions. [SQLSessionStore] keeps them in the
// credential database (table portal_sessions) so any node serves any
// session; it stores only hashes of session tokens.
package portal
