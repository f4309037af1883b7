package credential

import (
	"context"
	"regexp"
	"time"
)

// CredentialStatus is the state of a [Credential].
type CredentialStatus string

// Credential states. Revocation is final.
const (
	CredentialActive  CredentialStatus = "active"
	CredentialRevoked CredentialStatus = "revoked"
)

// Secret sizes and limits.
const (
	// SecretBytes is the number of random bytes in a generated secret. The
	// secret is shown as their lower-case hex encoding, and that text is the
	// HMAC key clients sign with.
	SecretBytes = 32
	// KeyBytes is the number of random bytes in a credential key, shown as
	// 24 hex characters.
	KeyBytes = 12
	// MaxActiveSecrets is how many secrets a credential may have active at
	// once: the current one and, during a rotation, the previous one.
	MaxActiveSecrets = 2
	// DefaultRotationOverlap is how long the previous secret keeps working
	// after a rotation, unless the caller says otherwise.
	DefaultRotationOverlap = 24 * time.Hour
	// NoOverlap, as [RotateSecretParams.Overlap], ends the current secret
	// at the rotation: what an explicit zero overlap asks for.
	NoOverlap time.Duration = -1
)

// Credential is a key and its secrets, owned by an account and granted a set
// of API groups. It never carries secret material: that is in [Secret] (once,
// at creation or rotation) and [KeyInfo] (for the verifier).
type Credential struct {
	// ID is the credential's unique id.
	ID int64 `json:"id"`
	// Key is the public key, 24 lower-case hex characters; it is the "iss",
	// "access_key" or "apikey" claim of tokens. Unique.
	Key string `json:"key"`
	// Name is the credential's name (the seed's "username").
	Name string `json:"name"`
	// Notes are free text.
	Notes string `json:"notes"`
	// OwnerID is the owning account.
	OwnerID int64 `json:"owner_id"`
	// Groups are the granted API groups, sorted.
	Groups []string `json:"groups"`
	// Status is active or revoked.
	Status CredentialStatus `json:"status"`
	// Secrets describe the credential's secrets, newest first, without
	// their material.
	Secrets []SecretInfo `json:"secrets"`
	// CreatedAt is when the credential was created.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when it was last changed.
	UpdatedAt time.Time `json:"updated_at"`
	// RevokedAt is when it was revoked; zero if it is not.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	// LastUsedAt is when a token signed with it was last accepted, to the
	// precision of the verifier's batching; zero if never.
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

// SecretInfo describes one secret of a credential, without its material.
type SecretInfo struct {
	// KID identifies the secret; tokens may name it in their "kid" header.
	KID string `json:"kid"`
	// CreatedAt is when the secret was made.
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when the secret stops working; zero means never. A
	// rotation gives the previous secret an expiry.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// RetiredAt is when the secret was retired by hand; zero if it was not.
	RetiredAt time.Time `json:"retired_at,omitzero"`
}

// Active reports whether the secret works at now.
func (s *SecretInfo) Active(now time.Time) bool {
	return s.RetiredAt.IsZero() && (s.ExpiresAt.IsZero() || now.Before(s.ExpiresAt))
}

// Secret is secret material, returned exactly once: when a credential is
// created and when it is rotated. Never log it.
type Secret struct {
	// Key is the credential's public key.
	Key string `json:"key"`
	// KID identifies this secret.
	KID string `json:"kid"`
	// Value is the secret: 64 lower-case hex characters. Clients use this
	// text as the HS256 key.
	Value string `json:"secret"`
}

// String returns a redacted form of s so that a stray log line never shows
// the secret.
func (s *Secret) String() string {
	return "credential.Secret{Key:" + s.Key + " KID:" + s.KID + " Value:REDACTED}"
}

// Validation limits of credential fields.
var keyRE = regexp.MustCompile(`^[0-9a-f]{24}$`)

// ValidateKey reports whether key has the form of a credential key. It
// returns EINVALID.
func ValidateKey(key string) error {
	if !keyRE.MatchString(key) {
		return Errorf(EINVALID, "Credential key must be 24 lower-case hex characters.")
	}
	return nil
}

// Validate reports whether c's user-given fields are well formed. It returns
// EINVALID.
func (c *Credential) Validate() error {
	if err := validateCredentialText(c.Name, c.Notes); err != nil {
		return err
	}
	return ValidateCredentialGroups(c.Groups)
}

func validateCredentialText(name, notes string) error {
	if name == "" {
		return Errorf(EINVALID, "Credential name is required.")
	}
	if len(name) > 200 {
		return Errorf(EINVALID, "Credential name is longer than 200 characters.")
	}
	if len(notes) > 2000 {
		return Errorf(EINVALID, "Credential notes are longer than 2000 characters.")
	}
	if err := ValidateLine("Credential name", name); err != nil {
		return err
	}
	return ValidateLines("Credential notes", notes)
}

// CreateCredentialParams are the inputs of
// [CredentialService.CreateCredential].
type CreateCredentialParams struct {
	// OwnerID is the owning account; 0 means the actor. Only admins may
	// create credentials for another account.
	OwnerID int64
	// Name is the credential's name (the seed's "username"). Required.
	Name string
	// Notes are free text.
	Notes string
	// Groups are the API groups to grant. Each must exist (EINVALID) and,
	// unless the actor is an admin, be among the owner's approved groups
	// (EFORBIDDEN).
	Groups []string
}

// Validate reports whether p is well formed. It returns EINVALID.
func (p *CreateCredentialParams) Validate() error {
	if err := validateCredentialText(p.Name, p.Notes); err != nil {
		return err
	}
	return ValidateCredentialGroups(p.Groups)
}

// UpdateCredentialParams are the inputs of
// [CredentialService.UpdateCredential]. Nil fields are left unchanged.
type UpdateCredentialParams struct {
	// ID is the credential to change.
	ID int64
	// Name is the new name.
	Name *string
	// Notes are the new notes.
	Notes *string
	// Groups are the new granted groups, under the same rules as at
	// creation.
	Groups *[]string
}

// RotateSecretParams are the inputs of [CredentialService.RotateSecret].
type RotateSecretParams struct {
	// ID is the credential.
	ID int64
	// Overlap is how long the current secret keeps working. 0 means the
	// store's configured default ([DefaultRotationOverlap] unless changed);
	// a negative value ([NoOverlap]) ends the current secret at once.
	Overlap time.Duration
}

// RetireSecretParams are the inputs of [CredentialService.RetireSecret].
type RetireSecretParams struct {
	// ID is the credential.
	ID int64
	// KID is the secret to end now.
	KID string
}

// CredentialFilter selects credentials in
// [CredentialService.FindCredentials].
type CredentialFilter struct {
	Page
	// OwnerID keeps only this account's credentials. For developers it is
	// always their own account.
	OwnerID int64
	// Status keeps only credentials in this state, when set.
	Status CredentialStatus
}

// CredentialList is a page of credentials.
type CredentialList struct {
	// Credentials are the credentials of this page, newest first.
	Credentials []*Credential `json:"credentials"`
	// NextCursor continues the list; empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// CredentialService manages credentials. Developers act only on their own
// credentials; another account's credential is ENOTFOUND to them, the same
// answer as an unknown id, so ids tell nothing about what exists. Admins act
// on any. Every method returns ENOTFOUND for an unknown id and
// EUNAUTHORIZED without an actor.
type CredentialService interface {
	// CreateCredential creates a credential and its first secret, which is
	// returned this once. Returns EINVALID for bad input or an unknown group,
	// EFORBIDDEN for a group the owner was not approved for, or when a
	// developer names another account as the owner.
	CreateCredential(ctx context.Context, params *CreateCredentialParams) (*Credential, *Secret, error)

	// FindCredentialByID returns one credential.
	FindCredentialByID(ctx context.Context, id int64) (*Credential, error)

	// FindCredentials lists credentials; developers see only their own.
	FindCredentials(ctx context.Context, filter *CredentialFilter) (*CredentialList, error)

	// UpdateCredential changes name, notes or groups. Returns ECONFLICT for
	// a revoked credential.
	UpdateCredential(ctx context.Context, params *UpdateCredentialParams) (*Credential, error)

	// RotateSecret adds a new secret, returned this once, and gives the
	// current one an expiry. Returns ECONFLICT for a revoked credential or
	// while a previous rotation's overlap is still running (retire the old
	// secret first).
	RotateSecret(ctx context.Context, params *RotateSecretParams) (*Credential, *Secret, error)

	// RetireSecret ends one secret now. Returns ENOTFOUND for an unknown kid
	// and ECONFLICT for the last active secret (revoke the credential
	// instead) or an already ended one.
	RetireSecret(ctx context.Context, params *RetireSecretParams) (*Credential, error)

	// RevokeCredential revokes a credential and all its secrets, for good.
	// Returns ECONFLICT if it is already revoked.
	RevokeCredential(ctx context.Context, id int64) (*Credential, error)

	// DeleteCredential deletes a credential and its secrets. Its audit
	// entries and usage counts stay.
	DeleteCredential(ctx context.Context, id int64) error
}
