package auth

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/keyward/keyward/token"
)

// ErrKeyNotFound is what a [KeySource] returns (or wraps) for a key it does
// not know.
var ErrKeyNotFound = errors.New("auth: key not found")

// Owner roles of a [Key].
const (
	RoleAdmin     = "admin"
	RoleDeveloper = "developer"
)

// KeySource is the door's view of the credential store. The lead adapts
// the store to it; this interface is an internal seam, not for outside
// implementation.
type KeySource interface {
	// LookupKey returns the credential whose public key is key, with its
	// usable secrets. It returns an error wrapping [ErrKeyNotFound] (or nil,
	// nil) for an unknown key; a revoked credential comes back with Active
	// false. Any other error means the store could not answer: the request
	// is refused with 503.
	LookupKey(ctx context.Context, key string) (*Key, error)

	// ChangesSince returns the keys whose [Key] changed after change number
	// seq (revocation, rotation, secret retirement, group or owner-role
	// changes, creation, deletion) and the number of the last change
	// returned (seq when there is none). The cache calls it again while it
	// returns keys.
	ChangesSince(ctx context.Context, seq int64) (keys []string, newSeq int64, err error)

	// LatestChange returns the newest change number, where a cache that
	// starts empty begins polling.
	LatestChange(ctx context.Context) (int64, error)
}

// Key is a credential as the door sees it. A Key returned by a
// [KeySource] is kept in the cache and shared by concurrent requests: it
// must not be modified afterwards.
type Key struct {
	// Key is the public key (the iss, access_key or apikey claim).
	Key string
	// CredentialID is the credential's id.
	CredentialID int64
	// AccountID is the owning account's id.
	AccountID int64
	// OwnerRole is the owner's role, [RoleAdmin] or [RoleDeveloper]. Admin
	// keys pass every group check.
	OwnerRole string
	// Active is false for a revoked credential; its tokens get
	// TOKEN_REVOKED.
	Active bool
	// Groups are the API groups granted.
	Groups []string
	// Secrets are the usable secrets, newest first.
	Secrets []Secret
}

// Secret is one secret of a [Key].
type Secret struct {
	// KID names the secret in a token's kid header; "" for none.
	KID string
	// Secret is the HMAC key.
	Secret []byte
	// NotAfter is when the secret stops working; zero means never. The cache
	// enforces it by itself: retirement need not be announced on the change
	// feed.
	NotAfter time.Time
}

// HasGroup reports whether k grants group.
func (k *Key) HasGroup(group string) bool {
	for _, g := range k.Groups {
		if g == group {
			return true
		}
	}
	return false
}

// Defaults of [KeyCacheConfig].
const (
	DefaultPollInterval = time.Second
	DefaultKeyTTL       = 5 * time.Minute
	DefaultNegativeTTL  = 2 * time.Second
	DefaultMaxStale     = 15 * time.Second
	DefaultMaxKeys      = 100_000
)

// KeyCacheConfig configures [NewKeyCache].
type KeyCacheConfig struct {
	// Source is the credential store. Required.
	Source KeySource
	// PollInterval is how often the change feed is read. Default 1 s.
	// Changes not announced by [KeyCache.Invalidate] (a node without the
	// bus) reach this node within about this interval.
	PollInterval time.Duration
	// TTL bounds how long a key stays cached even without a change. Default
	// 5 min.
	TTL time.Duration
	// NegativeTTL is how long an unknown key is remembered as unknown, so a
	// flood of made-up keys does not reach the store. Default 2 s.
	NegativeTTL time.Duration
	// MaxStale is how long the cache trusts itself without a successful
	// poll. Past it, every lookup goes to the store (fail closed: a
	// revocation the cache may have missed is honoured). Default 15 s, or
	// three PollIntervals when that is longer.
	MaxStale time.Duration
	// MaxKeys bounds the cached keys; past it an arbitrary entry is dropped
	// (a cache miss only costs a lookup). Default 100 000.
	MaxKeys int
	// Logger receives poll errors. Default slog.Default().
	Logger *slog.Logger
	// NowFunc is the clock. Default time.Now.
	NowFunc func() time.Time
}

func (c *KeyCacheConfig) setDefaults() {
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.TTL == 0 {
		c.TTL = DefaultKeyTTL
	}
	if c.NegativeTTL == 0 {
		c.NegativeTTL = DefaultNegativeTTL
	}
	if c.MaxStale == 0 {
		c.MaxStale = max(DefaultMaxStale, 3*c.PollInterval)
	}
	if c.MaxKeys == 0 {
		c.MaxKeys = DefaultMaxKeys
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.NowFunc == nil {
		c.NowFunc = time.Now
	}
}

func (c *KeyCacheConfig) validate() error {
	switch {
	case c.Source == nil:
		return errors.New("auth: KeyCacheConfig.Source is required")
	case c.PollInterval < 0 || c.TTL < 0 || c.NegativeTTL < 0 || c.MaxStale < 0:
		return errors.New("auth: KeyCacheConfig durations must not be negative")
	case c.MaxStale < c.PollInterval:
		return errors.New("auth: KeyCacheConfig.MaxStale must be at least PollInterval")
	}
	return nil
}

// KeyCache is an in-memory cache in front of a [KeySource]. It reads the
// source's change feed every PollInterval and drops the keys that changed,
// so revocation and rotation reach this node within about one interval
// even when nobody calls [KeyCache.Invalidate] for them.
// It is safe for concurrent use; [KeyCache.Close] stops its poller.
type KeyCache struct {
	cfg    KeyCacheConfig
	seed   maphash.Seed
	shards [keyShards]keyShard
	group  singleflight.Group

	// epoch counts evictions by the poller; a lookup that overlapped one
	// does not store its (maybe stale) result.
	epoch    atomic.Uint64
	pollMu   sync.Mutex // guards seq and seqKnown
	seq      int64
	seqKnown bool
	lastPoll atomic.Int64 // ns of the last successful poll; 0 before the first

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

const keyShards = 32

type keyShard struct {
	mu sync.RWMutex
	m  map[string]*keyEntry
}

// keyEntry is a cached answer: a key, or "unknown" when key is nil.
type keyEntry struct {
	key      *Key
	secrets  []*token.Secret
	notAfter []int64 // ns, per secret; 0 never
	minAfter int64   // the earliest non-zero notAfter, or 0
	expires  int64   // ns
	epoch    uint64  // the cache's epoch when the load that made it began
}

// NewKeyCache returns a cache and starts its poller.
func NewKeyCache(cfg KeyCacheConfig) (*KeyCache, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &KeyCache{cfg: cfg, seed: maphash.MakeSeed(), stop: make(chan struct{}), done: make(chan struct{})}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*keyEntry)
	}
	c.pollMu.Lock()
	c.initSeq(context.Background())
	c.pollMu.Unlock()
	go c.run()
	return c, nil
}

func (c *KeyCache) shard(key []byte) *keyShard {
	return &c.shards[maphash.Bytes(c.seed, key)%keyShards]
}

// Lookup returns the key named by key and its secrets usable now, from the
// cache or the source. It returns an error wrapping [ErrKeyNotFound] for an
// unknown key, and the source's error when it cannot answer.
func (c *KeyCache) Lookup(ctx context.Context, key []byte) (*Key, []*token.Secret, error) {
	return c.lookupAt(ctx, key, c.cfg.NowFunc().UnixNano())
}

// lookupAt is Lookup at now (unix ns) by the cache's clock, read by the
// caller.
func (c *KeyCache) lookupAt(ctx context.Context, key []byte, now int64) (*Key, []*token.Secret, error) {
	fresh := now-c.lastPoll.Load() <= int64(c.cfg.MaxStale)
	if fresh {
		sh := c.shard(key)
		sh.mu.RLock()
		e := sh.m[string(key)]
		sh.mu.RUnlock()
		if e != nil && now < e.expires {
			return e.result(now)
		}
	}
	k := string(key)
	epoch := c.epoch.Load()
	v, err, _ := c.group.Do(k, func() (any, error) { return c.load(ctx, k, fresh) })
	if err != nil {
		return nil, nil, err
	}
	e := v.(*keyEntry)
	if e.epoch < epoch {
		// This lookup joined a load that began before an invalidation it
		// has seen: that load may have read the store before the change.
		if e, err = c.load(ctx, k, fresh); err != nil {
			return nil, nil, err
		}
	}
	return e.result(c.cfg.NowFunc().UnixNano())
}

// load asks the source and caches the answer unless the poller evicted
// anything meanwhile.
func (c *KeyCache) load(ctx context.Context, key string, cache bool) (*keyEntry, error) {
	epoch := c.epoch.Load()
	k, err := c.cfg.Source.LookupKey(ctx, key)
	now := c.cfg.NowFunc().UnixNano()
	var e *keyEntry
	switch {
	case errors.Is(err, ErrKeyNotFound) || (err == nil && k == nil):
		e = &keyEntry{expires: now + int64(c.cfg.NegativeTTL)}
	case err != nil:
		return nil, fmt.Errorf("auth: look up key: %w", err)
	default:
		if e, err = newKeyEntry(k, now+int64(c.cfg.TTL)); err != nil {
			return nil, err
		}
	}
	e.epoch = epoch
	if cache {
		sh := c.shard([]byte(key))
		sh.mu.Lock()
		// Checked under the shard's lock, which Invalidate takes after
		// counting its eviction: an eviction either shows here or comes
		// after the store below and removes it.
		if c.epoch.Load() == epoch {
			if len(sh.m) >= c.cfg.MaxKeys/keyShards+1 {
				for k := range sh.m { // drop an arbitrary entry
					delete(sh.m, k)
					break
				}
			}
			sh.m[key] = e
		}
		sh.mu.Unlock()
	}
	return e, nil
}

func newKeyEntry(k *Key, expires int64) (*keyEntry, error) {
	e := &keyEntry{key: k, expires: expires}
	if !k.Active {
		return e, nil
	}
	for _, s := range k.Secrets {
		ts, err := token.NewSecret(s.KID, s.Secret)
		if err != nil {
			return nil, fmt.Errorf("auth: secret %q of credential %d: %w", s.KID, k.CredentialID, err)
		}
		var na int64
		if !s.NotAfter.IsZero() {
			na = s.NotAfter.UnixNano()
			if e.minAfter == 0 || na < e.minAfter {
				e.minAfter = na
			}
		}
		e.secrets = append(e.secrets, ts)
		e.notAfter = append(e.notAfter, na)
	}
	return e, nil
}

// result returns the entry's key and the secrets usable at now.
func (e *keyEntry) result(now int64) (*Key, []*token.Secret, error) {
	if e.key == nil {
		return nil, nil, ErrKeyNotFound
	}
	if e.minAfter == 0 || now < e.minAfter {
		return e.key, e.secrets, nil
	}
	live := make([]*token.Secret, 0, len(e.secrets))
	for i, s := range e.secrets {
		if e.notAfter[i] == 0 || now < e.notAfter[i] {
			live = append(live, s)
		}
	}
	return e.key, live, nil
}

// Invalidate drops key from the cache, so the next request reads the store.
// A lookup that starts after Invalidate returns never answers from a store
// read that began before it.
func (c *KeyCache) Invalidate(key string) {
	c.epoch.Add(1)
	sh := c.shard([]byte(key))
	sh.mu.Lock()
	delete(sh.m, key)
	sh.mu.Unlock()
}

// InvalidateAll empties the cache.
func (c *KeyCache) InvalidateAll() {
	c.epoch.Add(1)
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		clear(sh.m)
		sh.mu.Unlock()
	}
}

// Close stops the poller. Lookups still work, straight from the store once
// MaxStale has passed.
func (c *KeyCache) Close() error {
	c.once.Do(func() { close(c.stop) })
	<-c.done
	return nil
}

func (c *KeyCache) initSeq(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.PollInterval+time.Second)
	defer cancel()
	seq, err := c.cfg.Source.LatestChange(ctx)
	if err != nil {
		c.cfg.Logger.Warn("key cache: latest change", slog.Any("err", err))
		return false
	}
	c.seq, c.seqKnown = seq, true
	c.InvalidateAll() // anything cached before now may predate seq
	c.lastPoll.Store(c.cfg.NowFunc().UnixNano())
	return true
}

func (c *KeyCache) run() {
	defer close(c.done)
	t := time.NewTicker(c.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.Poll(context.Background())
		}
	}
}

// Poll reads the change feed once and drops the keys that changed. The
// poller calls it every PollInterval; tests may call it directly.
func (c *KeyCache) Poll(ctx context.Context) {
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	if !c.seqKnown {
		c.initSeq(ctx)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.PollInterval+time.Second)
	defer cancel()
	for range 100 { // at most 100 pages a tick
		keys, seq, err := c.cfg.Source.ChangesSince(ctx, c.seq)
		if err != nil {
			c.cfg.Logger.Warn("key cache: poll changes", slog.Any("err", err))
			return
		}
		for _, k := range keys {
			c.Invalidate(k)
		}
		c.seq = seq
		if len(keys) == 0 {
			break
		}
	}
	c.lastPoll.Store(c.cfg.NowFunc().UnixNano())
}
