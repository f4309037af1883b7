package portal

import "net/http"

// page is one page of the portal: its pattern, who may open it, and its
// handler.
type page struct {
	pattern string
	// guard lets the right visitors through to the handler: anyone,
	// requireAccount (signed in) or requireAdmin.
	guard   func(http.HandlerFunc) http.HandlerFunc
	handler http.HandlerFunc
}

// anyone lets every visitor through; the handler decides.
func anyone(h http.HandlerFunc) http.HandlerFunc { return h }

// pageRoutes lists every page of the portal and who may open it.
func (p *Portal) pageRoutes() []page {
	pages := []page{
		// Accounts: sign-up, sign-in, sign-out, the admin's list.
		{"GET /portal/signup", anyone, p.handleSignUpForm},
		{"POST /portal/signup", anyone, p.handleSignUp},
		{"GET /portal/signin", anyone, p.handleSignInForm},
		{"POST /portal/signin", anyone, p.handleSignIn},
		{"POST /portal/signout", anyone, p.handleSignOut},
		{"GET /portal/admin/accounts", p.requireAdmin, p.handleAdminAccounts},
		// The home page.
		{"GET /portal/{$}", anyone, p.handleDashboard},
		// API groups.
		{"GET /portal/groups", p.requireAccount, p.handleGroupIndex},
		{"GET /portal/admin/groups", p.requireAdmin, p.handleAdminGroups},
		{"POST /portal/admin/groups", p.requireAdmin, p.handleGroupCreate},
		{"POST /portal/admin/groups/{name}", p.requireAdmin, p.handleGroupUpdate},
		{"POST /portal/admin/groups/{name}/delete", p.requireAdmin, p.handleGroupDelete},
		// Access requests: the developer's and the admin's queue.
		{"GET /portal/requests", p.requireAccount, p.handleRequestIndex},
		{"GET /portal/requests/new", p.requireAccount, p.handleRequestNew},
		{"POST /portal/requests", p.requireAccount, p.handleRequestCreate},
		{"POST /portal/requests/{id}/withdraw", p.requireAccount, p.handleRequestWithdraw},
		{"GET /portal/admin/requests", p.requireAdmin, p.handleAdminRequests},
		{"POST /portal/admin/requests/{id}/decide", p.requireAdmin, p.handleRequestDecide},
		// Notifications.
		{"GET /portal/notifications", p.requireAccount, p.handleNotificationIndex},
		{"POST /portal/notifications/{id}/read", p.requireAccount, p.handleNotificationRead},
		{"POST /portal/notifications/read", p.requireAccount, p.handleNotificationReadAll},
		// Credentials and their secrets.
		{"GET /portal/credentials", p.requireAccount, p.handleCredentialIndex},
		{"GET /portal/credentials/new", p.requireAccount, p.handleCredentialNew},
		{"POST /portal/credentials", p.requireAccount, p.handleCredentialCreate},
		{"GET /portal/credentials/{id}", p.requireAccount, p.handleCredentialView},
		{"GET /portal/credentials/{id}/secret", p.requireAccount, p.handleSecretView},
		{"POST /portal/credentials/{id}/secret/done", p.requireAccount, p.handleSecretDone},
		{"POST /portal/credentials/{id}/rotate", p.requireAccount, p.handleCredentialRotate},
		{"POST /portal/credentials/{id}/revoke", p.requireAccount, p.handleCredentialRevoke},
		{"POST /portal/credentials/{id}/secrets/{kid}/retire", p.requireAccount, p.handleSecretRetire},
		{"GET /portal/admin/credentials", p.requireAdmin, p.handleAdminCredentials},
		// Tokens signed on a credential's page (mint.go).
		{"GET /portal/credentials/{id}/token", p.requireAccount, p.handleMintForm},
		{"POST /portal/credentials/{id}/token", p.requireAccount, p.handleMint},
		// The token playground.
		{"GET /portal/playground", p.requireAccount, p.handlePlayground},
		// The admin's audit log.
		{"GET /portal/admin/audit", p.requireAdmin, p.handleAuditIndex},
	}
	if p.rooms != nil {
		// The account's rooms (room.go).
		pages = append(pages,
			page{"GET /portal/rooms", p.requireAccount, p.handleRoomIndex},
			page{"GET /portal/rooms/{id}", p.requireAccount, p.handleRoomView},
			page{"POST /portal/rooms/{id}", p.requireAccount, p.handleRoomUpdate},
			page{"POST /portal/rooms/{id}/remove-peer", p.requireAccount, p.handleRoomRemovePeer},
			page{"POST /portal/rooms/{id}/end", p.requireAccount, p.handleRoomEnd},
		)
	}
	return pages
}
