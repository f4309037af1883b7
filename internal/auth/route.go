package auth

import (
	"errors"
	"fmt"
	"slices"

	"github.com/keyward/keyward/internal/ratelimit"
	"github.com/keyward/keyward/token"
)

// Route is the policy of one route (DESIGN §2).
type Route struct {
	// APIID is the route's API id, e.g. "sl.encoding.start". It is the
	// response envelope's id, the id a qsh token must name, and the route's
	// label in metrics and usage counts. Required.
	APIID string
	// Group is the API group a credential must be granted (admin keys pass);
	// "" means any verified credential.
	Group string
	// Profiles are the token profiles the route accepts; a valid token of
	// another gets 403 TOKEN_PROFILE. Required. A route that accepts
	// token.Request reads {"data": token} bodies.
	Profiles token.Profiles
	// SingleUse makes request and qsh tokens single-use on this route (the
	// routes that change state): a second use within the token's window gets
	// 401 TOKEN_REPLAYED. Other profiles are unaffected (they are reusable
	// until exp and revoked by jti).
	SingleUse bool
	// AdminOnly requires the credential's owner to be an admin (403
	// PERMISSION_DENIED otherwise); for the management API.
	AdminOnly bool
	// Roles, when not empty, are the app-token roles allowed (403
	// PERMISSION_DENIED for another role). Other profiles are unaffected.
	Roles []string
	// Permission, when set, is the apikey permission required (allow_join,
	// ask_join or allow_mod). Other profiles are unaffected.
	Permission string
	// MaxBody bounds a body read for a token; 0 means Config.MaxBody.
	MaxBody int64
	// RateLimit overrides Config.RateLimit for this route when not nil; a
	// pointer to a zero Limit turns limiting off here.
	RateLimit *ratelimit.Limit
}

// Validate reports whether r is complete.
func (r *Route) Validate() error {
	var errs []error
	if r.APIID == "" {
		errs = append(errs, errors.New("APIID is required"))
	}
	if r.Profiles&token.AllProfiles == 0 {
		errs = append(errs, errors.New("Profiles is empty"))
	}
	if r.Permission != "" && !slices.Contains([]string{"allow_join", "ask_join", "allow_mod"}, r.Permission) {
		errs = append(errs, fmt.Errorf("unknown apikey permission %q", r.Permission))
	}
	if r.MaxBody < 0 {
		errs = append(errs, errors.New("MaxBody must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("auth: route %q: %w", r.APIID, err)
	}
	return nil
}

// bodyTokens reports whether the route reads {"data": token} bodies.
func (r *Route) bodyTokens() bool { return r.Profiles.Has(token.Request) }

// authorize applies the route's 403 rules to a verified token.
func (r *Route) authorize(k *Key, id *Identity) error {
	if r.Group != "" && k.OwnerRole != RoleAdmin && !k.HasGroup(r.Group) {
		return errGroup
	}
	if r.AdminOnly && k.OwnerRole != RoleAdmin {
		return errAdminOnly
	}
	if len(r.Roles) > 0 && id.Profile == token.App && !slices.Contains(r.Roles, id.Role) {
		return errRole
	}
	if r.Permission != "" && id.Profile == token.APIKey && !slices.Contains(id.Permissions, r.Permission) {
		return errPermission
	}
	return nil
}

var (
	errGroup      = &token.Error{Code: token.CodeGroupNotGranted, Reason: "the credential is not granted this API group"}
	errAdminOnly  = &token.Error{Code: token.CodePermissionDenied, Reason: "this API needs an admin credential"}
	errRole       = &token.Error{Code: token.CodePermissionDenied, Claim: "role", Reason: "role not allowed here"}
	errPermission = &token.Error{Code: token.CodePermissionDenied, Claim: "permissions", Reason: "permission lacking"}
)
