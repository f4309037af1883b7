package replay

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
)

// Defaults of [MemoryConfig].
const (
	DefaultMaxEntries = 4 << 20
)

// MemoryConfig configures [NewMemory].
type MemoryConfig struct {
	// MaxEntries bounds the live entries (single-use keys plus revoked ids).
	// At the bound, new entries are refused with [ErrFull]; none is evicted.
	// Default 4 Mi entries (a few hundred MiB at worst); negative means no
	// bound.
	MaxEntries int
	// NowFunc is the clock. Default time.Now.
	NowFunc func() time.Time
}

func (c *MemoryConfig) setDefaults() {
	if c.MaxEntries == 0 {
		c.MaxEntries = DefaultMaxEntries
	}
	if c.NowFunc == nil {
		c.NowFunc = time.Now
	}
}

// Memory is the in-process [Store]: two unbounded otter caches with
// per-entry expiry. It is safe for concurrent use. Call [Memory.Close] to
// stop its clean-up goroutines.
type Memory struct {
	cfg     MemoryConfig
	seen    *otter.Cache[string, int64] // key → deadline (ns)
	revoked *otter.Cache[string, int64] // jti → deadline (ns)
	// anyRevoked is set before the first revocation is written: until
	// then Revoked answers without asking the cache, whose lookup reads
	// the clock.
	anyRevoked atomic.Bool
}

var _ Store = (*Memory)(nil)

// NewMemory returns an in-process store.
func NewMemory(cfg MemoryConfig) (*Memory, error) {
	cfg.setDefaults()
	clock := clockFunc(cfg.NowFunc)
	expiry := otter.ExpiryWritingFunc(func(e otter.Entry[string, int64]) time.Duration {
		return time.Duration(e.Value - clock.NowNano())
	})
	// No MaximumSize and no MaximumWeight: otter never evicts from an
	// unbounded cache, entries only expire. MaxEntries is enforced by
	// refusing writes in Seen and Revoke.
	seen, err := otter.New(&otter.Options[string, int64]{ExpiryCalculator: expiry, Clock: clock})
	if err != nil {
		return nil, fmt.Errorf("replay: new seen cache: %w", err)
	}
	revoked, err := otter.New(&otter.Options[string, int64]{ExpiryCalculator: expiry, Clock: clock})
	if err != nil {
		return nil, fmt.Errorf("replay: new revoked cache: %w", err)
	}
	return &Memory{cfg: cfg, seen: seen, revoked: revoked}, nil
}

func (m *Memory) full() bool {
	return m.cfg.MaxEntries > 0 && m.seen.EstimatedSize()+m.revoked.EstimatedSize() >= m.cfg.MaxEntries
}

// Seen implements [Store].
func (m *Memory) Seen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		ttl = time.Millisecond
	}
	deadline := m.cfg.NowFunc().Add(ttl).UnixNano()
	if _, ok := m.seen.GetIfPresent(key); ok {
		return false, nil
	}
	if m.full() {
		m.seen.CleanUp()
		if m.full() {
			return false, ErrFull
		}
	}
	_, first := m.seen.SetIfAbsent(key, deadline)
	return first, nil
}

// Revoke implements [Store].
func (m *Memory) Revoke(ctx context.Context, jti string, until time.Time) error {
	deadline := until.UnixNano()
	if deadline <= m.cfg.NowFunc().UnixNano() {
		return nil
	}
	if m.full() {
		m.revoked.CleanUp()
		if m.full() {
			return fmt.Errorf("revoke: %w", ErrFull)
		}
	}
	m.anyRevoked.Store(true)
	m.revoked.Compute(jti, func(old int64, found bool) (int64, otter.ComputeOp) {
		if found && old >= deadline {
			return old, otter.CancelOp
		}
		return deadline, otter.WriteOp
	})
	return nil
}

// Revoked implements [Store].
func (m *Memory) Revoked(ctx context.Context, jti string) (bool, error) {
	if !m.anyRevoked.Load() {
		return false, nil
	}
	_, ok := m.revoked.GetIfPresent(jti)
	return ok, nil
}

// Len returns the approximate number of live entries.
func (m *Memory) Len() int { return m.seen.EstimatedSize() + m.revoked.EstimatedSize() }

// Close stops the caches' clean-up goroutines. The store still answers
// afterwards, without proactive clean-up.
func (m *Memory) Close() error {
	m.seen.StopAllGoroutines()
	m.revoked.StopAllGoroutines()
	return nil
}

// clockFunc adapts a NowFunc to otter's Clock.
type clockFunc func() time.Time

func (f clockFunc) NowNano() int64 { return f().UnixNano() }

func (f clockFunc) Tick(d time.Duration) <-chan time.Time {
	return time.NewTicker(d).C // collected with the cache's goroutine (Go ≥ 1.23)
}
