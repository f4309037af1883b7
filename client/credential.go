package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// Statuses of a [Credential].
const (
	CredentialActive  = "active"
	CredentialRevoked = "revoked"
)

// Credential is a key with one or two secrets, granted API groups.
type Credential struct {
	// ID is the credential's id.
	ID int64 `json:"id"`
	// Key is the public key: a token's iss, access_key or apikey.
	Key string `json:"key"`
	// Name is the credential's name (the portal's "username").
	Name string `json:"name"`
	// Notes are free text.
	Notes string `json:"notes"`
	// OwnerID is the account the credential belongs to.
	OwnerID int64 `json:"owner_id"`
	// Groups are the API groups it may call.
	Groups []string `json:"groups"`
	// Status is [CredentialActive] or [CredentialRevoked].
	Status string `json:"status"`
	// Secrets describe its secrets; the secret values are never returned
	// after they are made.
	Secrets []SecretInfo `json:"secrets"`
	// CreatedAt is when the credential was made.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when it last changed.
	UpdatedAt time.Time `json:"updated_at"`
	// RevokedAt is when it was revoked, or the zero time.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	// LastUsedAt is when it last signed an accepted request, or the zero
	// time.
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

// SecretInfo describes one secret of a credential, without its value.
type SecretInfo struct {
	// KID is the secret's key id, the kid a token may name.
	KID string `json:"kid"`
	// CreatedAt is when the secret was made.
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when a rotated-out secret stops working, or the zero
	// time.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// RetiredAt is when it was retired, or the zero time.
	RetiredAt time.Time `json:"retired_at,omitzero"`
}

// Secret is a new secret, returned once by [Client.CreateCredential] and
// [Client.RotateCredential]. The server keeps only an encrypted copy and never
// shows it again: store it at once.
type Secret struct {
	// Key is the credential's key.
	Key string `json:"key"`
	// KID is the new secret's key id.
	KID string `json:"kid"`
	// Value is the secret itself.
	Value string `json:"secret"`
}

// String describes s without its value, so that a logged Secret leaks
// nothing.
func (s *Secret) String() string {
	return "client.Secret{Key:" + s.Key + " KID:" + s.KID + " Value:REDACTED}"
}

// GoString is String, for %#v.
func (s *Secret) GoString() string { return s.String() }

// ListCredentialsOptions filters [Client.ListCredentials].
type ListCredentialsOptions struct {
	PageOptions
	// Owner keeps only this account's credentials; 0 for all (admins) or
	// one's own (developers).
	Owner int64
	// Status keeps only credentials with this status; "" for all.
	Status string
}

// CredentialPage is one page of credentials.
type CredentialPage struct {
	// Credentials are the page's credentials.
	Credentials []*Credential `json:"credentials"`
	// NextCursor is the cursor of the next page, or "" on the last.
	NextCursor string `json:"next_cursor"`
}

// values is the query of opts.
func (o *ListCredentialsOptions) values() url.Values {
	q := o.PageOptions.values()
	setInt(q, "owner", o.Owner)
	setString(q, "status", o.Status)
	return q
}

func (p *CredentialPage) items() ([]*Credential, string) { return p.Credentials, p.NextCursor }

// ListCredentials returns one page of credentials (GET /v1/credentials).
// opts may be nil.
func (c *Client) ListCredentials(ctx context.Context, opts *ListCredentialsOptions) (*CredentialPage, error) {
	return listPage[CredentialPage](ctx, c, "/v1/credentials", opts)
}

// AllCredentials walks every page of [Client.ListCredentials] from
// opts.Cursor.
func (c *Client) AllCredentials(ctx context.Context, opts *ListCredentialsOptions) iter.Seq2[*Credential, error] {
	return walk(ctx, opts, c.ListCredentials, (*CredentialPage).items)
}

// CreateCredentialParams are the fields of a new credential.
type CreateCredentialParams struct {
	// Name is the credential's name. Required.
	Name string `json:"name"`
	// Notes are free text.
	Notes string `json:"notes"`
	// Groups are the API groups it may call. Required.
	Groups []string `json:"groups"`
	// Owner is the account it is for; 0 for the caller's own. Only admins
	// may name another account.
	Owner int64 `json:"owner,omitempty"`
}

// CreateCredential creates a credential and its first secret
// (POST /v1/credentials). The returned [Secret] is the only time the secret
// is shown.
func (c *Client) CreateCredential(ctx context.Context, params CreateCredentialParams) (*Credential, *Secret, error) {
	return c.credentialSecretCall(ctx, http.MethodPost, "/v1/credentials", params)
}

// GetCredential returns one credential (GET /v1/credentials/{id}).
func (c *Client) GetCredential(ctx context.Context, id int64) (*Credential, error) {
	return c.credentialCall(ctx, http.MethodGet, pathf("/v1/credentials/%s", id), nil)
}

// UpdateCredentialParams are the fields of a credential to change; nil ones
// are left as they are.
type UpdateCredentialParams struct {
	// Name, if not nil, renames the credential.
	Name *string `json:"name,omitempty"`
	// Notes, if not nil, replaces the notes.
	Notes *string `json:"notes,omitempty"`
	// Groups, if not nil, replaces the API groups.
	Groups *[]string `json:"groups,omitempty"`
}

// UpdateCredential changes a credential (PATCH /v1/credentials/{id}).
func (c *Client) UpdateCredential(ctx context.Context, id int64, params UpdateCredentialParams) (*Credential, error) {
	return c.credentialCall(ctx, http.MethodPatch, pathf("/v1/credentials/%s", id), params)
}

// NoOverlap, as [RotateCredentialParams.Overlap], ends the current secret
// at the rotation.
const NoOverlap time.Duration = -1

// RotateCredentialParams tune [Client.RotateCredential].
type RotateCredentialParams struct {
	// Overlap is how long the current secret keeps working beside the new
	// one. Default 0: the server's default (24 h). A negative value
	// ([NoOverlap]) ends the old secret at once (it is sent as "0s").
	Overlap time.Duration
}

// RotateCredential adds a new secret to a credential; the current one
// expires after the overlap (POST /v1/credentials/{id}/rotate). The returned
// [Secret] is the only time the new secret is shown.
func (c *Client) RotateCredential(ctx context.Context, id int64, params RotateCredentialParams) (*Credential, *Secret, error) {
	var body struct {
		Overlap string `json:"overlap,omitempty"`
	}
	switch {
	case params.Overlap > 0:
		body.Overlap = params.Overlap.String()
	case params.Overlap < 0:
		body.Overlap = "0s"
	}
	return c.credentialSecretCall(ctx, http.MethodPost, pathf("/v1/credentials/%s/rotate", id), body)
}

// RetireSecret stops one secret of a credential at once
// (POST /v1/credentials/{id}/secrets/{kid}/retire).
func (c *Client) RetireSecret(ctx context.Context, id int64, kid string) (*Credential, error) {
	return c.credentialCall(ctx, http.MethodPost, pathf("/v1/credentials/%s/secrets/%s/retire", id, kid), noBody)
}

// RevokeCredential revokes a credential: every token it signs is refused
// from now on, and it cannot be reinstated (POST /v1/credentials/{id}/revoke).
func (c *Client) RevokeCredential(ctx context.Context, id int64) (*Credential, error) {
	return c.credentialCall(ctx, http.MethodPost, pathf("/v1/credentials/%s/revoke", id), noBody)
}

// DeleteCredential deletes a credential (DELETE /v1/credentials/{id}).
func (c *Client) DeleteCredential(ctx context.Context, id int64) error {
	return c.do(ctx, http.MethodDelete, pathf("/v1/credentials/%s", id), nil, nil, nil)
}

func (c *Client) credentialCall(ctx context.Context, method, path string, in any) (*Credential, error) {
	return field[*Credential](ctx, c, method, path, in, "credential")
}

func (c *Client) credentialSecretCall(ctx context.Context, method, path string, in any) (*Credential, *Secret, error) {
	var out struct {
		Credential *Credential `json:"credential"`
		Secret     *Secret     `json:"secret"`
	}
	if err := c.do(ctx, method, path, nil, in, &out); err != nil {
		return nil, nil, err
	}
	return out.Credential, out.Secret, nil
}
