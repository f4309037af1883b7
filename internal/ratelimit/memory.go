package ratelimit

import (
	"context"
	"hash/maphash"
	"math"
	"sync"
	"time"
)

// DefaultMaxKeys is the default of [MemoryConfig.MaxKeys].
const DefaultMaxKeys = 1 << 20

const shards = 64

// MemoryConfig configures [NewMemory].
type MemoryConfig struct {
	// MaxKeys bounds the buckets kept. Past it, buckets that have refilled
	// completely (which a fresh bucket would equal) are dropped first; if
	// none has, the oldest-touched half of a shard goes. Default 1 Mi.
	MaxKeys int
	// NowFunc is the clock. Default time.Now.
	NowFunc func() time.Time
}

// Memory is the in-process [Limiter]. It is safe for concurrent use.
type Memory struct {
	cfg    MemoryConfig
	seed   maphash.Seed
	shards [shards]shard
}

type shard struct {
	mu sync.Mutex
	m  map[string]*bucket
}

type bucket struct {
	tokens float64
	last   int64 // ns
}

var _ Limiter = (*Memory)(nil)

// NewMemory returns an in-process limiter.
func NewMemory(cfg MemoryConfig) *Memory {
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	m := &Memory{cfg: cfg, seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].m = make(map[string]*bucket)
	}
	return m
}

// Allow implements [Limiter].
func (m *Memory) Allow(_ context.Context, key string, l Limit) (Decision, error) {
	if err := l.validate(); err != nil {
		return Decision{}, err
	}
	now := m.cfg.NowFunc().UnixNano()
	sh := &m.shards[maphash.String(m.seed, key)%shards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	b := sh.m[key]
	if b == nil {
		if limit := m.cfg.MaxKeys/shards + 1; len(sh.m) >= limit {
			sh.prune(now, l, limit)
		}
		b = &bucket{tokens: float64(l.Burst), last: now}
		sh.m[key] = b
	}
	return b.take(now, l), nil
}

// Len returns the number of buckets held.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

func (b *bucket) take(now int64, l Limit) Decision {
	if el := now - b.last; el > 0 {
		b.tokens = math.Min(float64(l.Burst), b.tokens+float64(el)*l.Rate/1e9)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return Decision{Allowed: true, Remaining: int(b.tokens)}
	}
	wait := time.Duration((1 - b.tokens) / l.Rate * 1e9)
	return Decision{RetryAfter: max(wait, time.Millisecond)}
}

// prune drops the buckets that have refilled completely (a fresh bucket is
// the same), and if the shard still holds limit or more, those touched
// longer ago than the average.
func (sh *shard) prune(now int64, l Limit, limit int) {
	full := float64(l.Burst) / l.Rate * 1e9
	for k, b := range sh.m {
		if float64(now-b.last) >= full {
			delete(sh.m, k)
		}
	}
	if len(sh.m) < limit {
		return
	}
	var avg int64
	for _, b := range sh.m {
		avg += (now - b.last) / int64(len(sh.m))
	}
	for k, b := range sh.m {
		if now-b.last >= avg {
			delete(sh.m, k)
		}
	}
}
