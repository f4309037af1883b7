// Package ratelimit is the per-credential token bucket of the door: each key
// holds up to Burst tokens, refilled at Rate per second, and each request
// takes one. A request that finds the bucket empty is refused with the time
// until a token is back, which the auth middleware sends as Retry-After on a
// 429.
//
// [Memory] keeps the buckets in-process (one node); [Redis] keeps them in
// Redis, updated by one Lua script per request with Redis's own clock, so
// that every node shares one bucket per credential.
package ratelimit

import (
	"context"
	"errors"
	"time"
)

// ErrInvalidLimit is returned for a [Limit] with a non-positive Rate or
// Burst.
var ErrInvalidLimit = errors.New("ratelimit: rate and burst must be positive")

// Limit is a token bucket's shape.
type Limit struct {
	// Rate is the refill rate, in tokens per second.
	Rate float64
	// Burst is the bucket's size: the requests allowed at once after a
	// quiet spell.
	Burst int
}

// Enabled reports whether l limits anything: a zero Limit does not.
func (l Limit) Enabled() bool { return l.Rate > 0 && l.Burst > 0 }

func (l Limit) validate() error {
	if !l.Enabled() {
		return ErrInvalidLimit
	}
	return nil
}

// Decision is a limiter's answer.
type Decision struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Remaining is the whole tokens left after this request.
	Remaining int
	// RetryAfter is, when refused, how long until a token is back.
	RetryAfter time.Duration
}

// Limiter takes one token from key's bucket.
type Limiter interface {
	// Allow takes a token from the bucket of key, shaped by l. An error
	// means the limiter could not decide (Redis down): the caller chooses
	// whether to fail open or closed.
	Allow(ctx context.Context, key string, l Limit) (Decision, error)
}
