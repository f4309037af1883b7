package credential

import (
	"context"
	"time"
)

// KeyInfo is what the token verifier needs to know about a key: who owns it,
// what it may reach and the secrets to check signatures with. It carries
// secret material: keep it in memory only, never log or serialise it.
type KeyInfo struct {
	// CredentialID is the credential's id.
	CredentialID int64
	// Key is the public key.
	Key string
	// OwnerID is the owning account.
	OwnerID int64
	// OwnerRole is the owner's role; admin credentials may use the
	// management API.
	OwnerRole Role
	// Status is active or revoked. A revoked credential has no secrets.
	Status CredentialStatus
	// Groups are the granted API groups, sorted.
	Groups []string
	// Secrets are the usable secrets, newest first.
	Secrets []KeySecret
}

// KeySecret is one usable secret of a [KeyInfo].
type KeySecret struct {
	// KID identifies the secret.
	KID string
	// Secret is the HMAC key: the bytes of the secret text handed to the
	// client.
	Secret []byte
	// NotAfter is when the secret stops working; zero means never. A cache
	// must stop using the secret at NotAfter by itself: expiry is not
	// announced on the change feed.
	NotAfter time.Time
}

// HasGroup reports whether k grants group.
func (k *KeyInfo) HasGroup(group string) bool {
	for _, g := range k.Groups {
		if g == group {
			return true
		}
	}
	return false
}

// KeyUse records that a credential was used, for [KeyService.TouchLastUsed].
type KeyUse struct {
	// CredentialID is the credential used.
	CredentialID int64
	// At is when it was used.
	At time.Time
}

// UsageRow is a count of requests by credential, route, status and minute.
type UsageRow struct {
	// CredentialID is the credential that signed the requests.
	CredentialID int64 `json:"credential_id"`
	// Route is the API id or route of the requests.
	Route string `json:"route"`
	// Status is the HTTP status answered.
	Status int `json:"status"`
	// Minute is the start of the minute, in UTC.
	Minute time.Time `json:"minute"`
	// Count is the number of requests.
	Count int64 `json:"count"`
}

// UsageFilter selects usage in [KeyService.FindUsage].
type UsageFilter struct {
	// CredentialID keeps only this credential's usage; 0 means all the
	// actor's credentials (all credentials for admins).
	CredentialID int64
	// OwnerID keeps only credentials of this account (admins only; a
	// developer always sees their own).
	OwnerID int64
	// Since and Until bound the minutes, Since inclusive and Until
	// exclusive; zero means unbounded.
	Since, Until time.Time
	// Limit is the largest number of rows; 0 means 1000, at most 10000.
	Limit int
}

// KeyService is the verifier's view of the store: fast key lookup, the
// change feed that keeps every node's cache fresh, and usage bookkeeping.
// These methods need no actor.
type KeyService interface {
	// LookupKey returns the credential with key and its usable secrets,
	// decrypted. Returns ENOTFOUND for an unknown key; a revoked credential
	// is returned with Status revoked and no secrets.
	LookupKey(ctx context.Context, key string) (*KeyInfo, error)

	// ChangesSince returns the keys whose [KeyInfo] changed after change
	// number seq (revocation, rotation, retirement, group or owner role
	// changes, deletion), deduplicated, and the number of the last change
	// returned (seq itself when there is none). At most 1000 changes are
	// read per call: call again with newSeq while keys come back. Change
	// numbers commit in order, so a poller never skips one.
	ChangesSince(ctx context.Context, seq int64) (keys []string, newSeq int64, err error)

	// LatestChange returns the number of the newest change, where a cache
	// that starts empty can begin polling.
	LatestChange(ctx context.Context) (int64, error)

	// TouchLastUsed records uses of credentials; the newest time per
	// credential wins and times never move backwards. Unknown ids are
	// ignored. Meant to be called with a batch every few seconds.
	TouchLastUsed(ctx context.Context, uses []KeyUse) error

	// RecordUsage adds rows to the usage counters (minute-truncated,
	// summed with existing counts).
	RecordUsage(ctx context.Context, rows []UsageRow) error

	// FindUsage returns usage counts, newest minute first. Developers see
	// only their own credentials'.
	FindUsage(ctx context.Context, filter *UsageFilter) ([]*UsageRow, error)
}
