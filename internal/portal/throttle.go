package portal

import (
	"sync"
	"time"
)

// ThrottleConfig tunes sign-in throttling. Failures are counted per account
// (the email typed) and, with higher limits, per client address; both are
// kept in this process's memory.
type ThrottleConfig struct {
	// MaxFailures is how many failed sign-ins are allowed within Window
	// before further attempts are refused without checking the password.
	// 0 means 5 per account and 20 per address.
	MaxFailures int
	// Window is the period failures are counted over. 0 means 15 minutes.
	Window time.Duration
	// Lockout is how long attempts are refused after MaxFailures; it
	// doubles with each further lockout in a row, up to MaxLockout. 0 means
	// one minute.
	Lockout time.Duration
	// MaxLockout bounds the doubling. 0 means 15 minutes.
	MaxLockout time.Duration
}

func (c ThrottleConfig) withDefaults(perAddress bool) ThrottleConfig {
	if c.MaxFailures <= 0 {
		c.MaxFailures = 5
		if perAddress {
			c.MaxFailures = 20
		}
	} else if perAddress {
		c.MaxFailures *= 4
	}
	if c.Window <= 0 {
		c.Window = 15 * time.Minute
	}
	if c.Lockout <= 0 {
		c.Lockout = time.Minute
	}
	if c.MaxLockout <= 0 {
		c.MaxLockout = 15 * time.Minute
	}
	if c.MaxLockout < c.Lockout {
		c.MaxLockout = c.Lockout
	}
	return c
}

// maxThrottleEntries bounds a throttle's memory; past it, entries that no
// longer matter are swept, and if that is not enough the oldest go.
const maxThrottleEntries = 100_000

// throttle counts failures per key in a fixed window and locks a key out
// once it has too many.
type throttle struct {
	cfg ThrottleConfig
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*throttleEntry
}

type throttleEntry struct {
	windowStart time.Time
	failures    int
	lockouts    int
	lockedUntil time.Time
}

func newThrottle(cfg ThrottleConfig, now func() time.Time) *throttle {
	return &throttle{cfg: cfg, now: now, entries: map[string]*throttleEntry{}}
}

// wait returns how long key must wait before its next attempt; 0 means it
// may try now.
func (t *throttle) wait(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[key]
	if e == nil {
		return 0
	}
	if d := e.lockedUntil.Sub(t.now()); d > 0 {
		return d
	}
	return 0
}

// fail records a failed attempt by key, locking it out when it reaches the
// limit.
func (t *throttle) fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	e := t.entries[key]
	if e == nil {
		if len(t.entries) >= maxThrottleEntries {
			t.sweep(now)
		}
		e = &throttleEntry{windowStart: now}
		t.entries[key] = e
	}
	if now.Sub(e.windowStart) > t.cfg.Window {
		e.windowStart, e.failures = now, 0
		if now.Sub(e.lockedUntil) > t.cfg.Window {
			e.lockouts = 0
		}
	}
	e.failures++
	if e.failures >= t.cfg.MaxFailures {
		d := t.cfg.Lockout << min(e.lockouts, 16)
		if d > t.cfg.MaxLockout || d <= 0 {
			d = t.cfg.MaxLockout
		}
		e.lockedUntil = now.Add(d)
		e.lockouts++
		e.failures = 0
		e.windowStart = now
	}
}

// succeed forgets key's failures.
func (t *throttle) succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, key)
}

// sweep drops entries that are neither locked nor inside their window, and
// if the map is still full, arbitrary ones. Called with t.mu held.
func (t *throttle) sweep(now time.Time) {
	for k, e := range t.entries {
		if now.After(e.lockedUntil) && now.Sub(e.windowStart) > t.cfg.Window {
			delete(t.entries, k)
		}
	}
	for k := range t.entries {
		if len(t.entries) < maxThrottleEntries*9/10 {
			break
		}
		delete(t.entries, k)
	}
}
