// Package replay remembers single-use tokens and revoked token ids (jti), so
// that the auth middleware can refuse a token presented twice and a token
// revoked before its expiry.
//
// Two implementations share the [Store] interface: [Memory], in-process (the
// default, one node), and [Redis], shared by every node that points at the
// same Redis, so that a token used on one node is refused on all of them.
// Both are exercised by one conformance suite, replay/replaytest.
//
// # Never forget a write
//
// A replay store that silently drops an entry lets a token be used twice, so
// neither implementation may evict before an entry's time is up. [Memory]
// is an otter cache without a size bound (otter never evicts from an
// unbounded cache; entries leave only when they expire) guarded by a count
// of entries: past [MemoryConfig.MaxEntries] it refuses new entries with
// [ErrFull] instead of evicting old ones, and the middleware answers 503.
// [Redis] uses SET NX PX, which is atomic; keyward's Redis must run without
// an eviction policy (maxmemory-policy noeviction, the default), or
// volatile-* policies may drop replay keys under memory pressure.
//
// Failing closed is the caller's duty: every error of a Store means "not
// known to be safe", never "first use".
package replay

import (
	"context"
	"errors"
	"time"
)

// ErrFull is returned by [Memory.Seen] and [Memory.Revoke] when the store
// holds MaxEntries live entries: it refuses rather than forget one.
var ErrFull = errors.New("replay: store full")

// Store remembers single-use keys and revoked token ids. Implementations are
// safe for concurrent use.
type Store interface {
	// Seen records key for ttl and reports whether this is its first use:
	// true the first time, false while a previous record is alive. The check
	// and the record are one atomic step, across every node sharing the
	// store. A non-positive ttl is treated as one millisecond. An error
	// (ErrFull, a network error) means the answer is unknown: refuse the
	// request.
	Seen(ctx context.Context, key string, ttl time.Duration) (first bool, err error)

	// Revoke marks token id jti revoked until until (the token's exp); a
	// later until extends it, an earlier one does not shorten it. An until in
	// the past records nothing.
	Revoke(ctx context.Context, jti string, until time.Time) error

	// Revoked reports whether jti is revoked. An error means unknown: refuse
	// the request.
	Revoked(ctx context.Context, jti string) (bool, error)
}
