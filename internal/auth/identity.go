package auth

import (
	"context"
	"encoding/json"
	"time"

	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/token"
)

// Identity is who a verified request comes from and what its token says.
// Everything in it is copied out of the pooled token claims, so it stays
// valid for as long as the handler keeps it. Groups is shared with the key
// cache: do not modify it.
type Identity struct {
	// Key is the credential's public key.
	Key string
	// CredentialID is the credential's id.
	CredentialID int64
	// AccountID is the owning account's id.
	AccountID int64
	// OwnerRole is the owner's role, [RoleAdmin] or [RoleDeveloper].
	OwnerRole string
	// Groups are the credential's API groups (shared; read only).
	Groups []string

	// Profile is the token's profile.
	Profile token.Profile
	// JTI is the jti claim, or "".
	JTI string
	// IssuedAt, NotBefore and ExpiresAt are the token's dates; zero when
	// absent.
	IssuedAt, NotBefore, ExpiresAt time.Time
	// Arg is the raw JSON of arg (request profile): the API's parameters.
	Arg json.RawMessage
	// Params is the raw JSON of params (qsh profile), or nil.
	Params json.RawMessage
	// MsgID and DID are params.msgid and params.did (qsh profile), or "".
	MsgID, DID string
	// APIID is the id claim (qsh profile), or "".
	APIID string
	// RoomID, UserID and Role are room_id, user_id and role (app profile;
	// roomId and participantId for apikey), or "".
	RoomID, UserID, Role string
	// Permissions and Roles are the apikey permissions and roles; nil for
	// other profiles.
	Permissions, Roles []string

	meta   envelope.Meta // the envelope's view, carried in the same allocation
	jtiKey string        // the revocation key of JTI, made once per verification
}

// IsAdmin reports whether the credential's owner is an admin.
func (id *Identity) IsAdmin() bool { return id.OwnerRole == RoleAdmin }

// HasGroup reports whether the credential grants group.
func (id *Identity) HasGroup(group string) bool {
	for _, g := range id.Groups {
		if g == group {
			return true
		}
	}
	return false
}

// fill copies what the API needs out of c, which goes back to the pool.
func (id *Identity) fill(k *Key, c *token.Claims) {
	id.Key = k.Key
	id.CredentialID = k.CredentialID
	id.AccountID = k.AccountID
	id.OwnerRole = k.OwnerRole
	id.Groups = k.Groups
	id.Profile = c.Profile()
	if b := c.JWTIDBytes(); len(b) > 0 {
		id.JTI = string(b)
		id.jtiKey = jtiKey(k.Key, id.JTI)
	}
	id.IssuedAt, id.NotBefore, id.ExpiresAt = c.IssuedAt(), c.NotBefore(), c.Expires()
	switch id.Profile {
	case token.Request:
		id.Arg = clone(c.Arg())
	case token.QSH:
		id.Params = clone(c.Params())
		id.MsgID, id.DID, id.APIID = c.MsgID(), c.DID(), c.APIID()
	case token.App:
		id.RoomID, id.UserID, id.Role = c.RoomID(), c.UserID(), c.Role()
	case token.APIKey:
		id.RoomID, id.UserID = c.RoomID(), c.UserID()
		id.Permissions, id.Roles = c.Permissions(), c.Roles()
	}
	id.meta.MsgID = id.MsgID
}

func clone(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(nil), b...)
}

type identityKey struct{}

// identityContext carries an Identity and the envelope's view of it in the
// allocation of the Identity itself: the door makes one per request.
type identityContext struct {
	context.Context
	id Identity
}

func newIdentityContext(parent context.Context) *identityContext {
	return &identityContext{Context: parent}
}

// Value answers the identity's and the envelope's keys and asks the parent
// for every other.
func (c *identityContext) Value(key any) any {
	switch key {
	case identityKey{}:
		return &c.id
	case envelope.MetaKey:
		return &c.id.meta
	}
	return c.Context.Value(key)
}

// NewContext returns a copy of ctx that carries id. Handlers get it from
// [FromContext]; tests of handlers may use this to skip the middleware.
func NewContext(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// FromContext returns the identity the middleware verified, if any.
func FromContext(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(*Identity)
	return id, ok
}
