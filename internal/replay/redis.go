package replay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/keyward/keyward/internal/bus"
)

// Defaults of [RedisConfig].
const (
	DefaultRedisPrefix  = "keyward:"
	DefaultRedisTimeout = 500 * time.Millisecond
)

// RedisConfig configures [NewRedis].
type RedisConfig struct {
	// Client is the Redis connection, shared with other users. Required.
	Client goredis.UniversalClient
	// Prefix starts every key this store writes ("PREFIXreplay:…",
	// "PREFIXjti:…"). Default "keyward:".
	Prefix string
	// Timeout bounds each call. Default 500 ms: the door answers 503 rather
	// than hang when Redis is slow.
	Timeout time.Duration
	// Bus, when set, keeps the revoked ids in a local set: [Redis.Revoke]
	// announces each revocation on the bus's "jti" topic, every node adds it
	// to its set, and the set is reloaded from Redis when the bus
	// (re)subscribes. [Redis.Revoked] then answers from memory, with no
	// Redis call, and keeps answering while Redis is down (from what it
	// knew). Without a Bus, Revoked asks Redis every time. Register before
	// the bus starts.
	Bus *bus.Bus
	// MaxRevoked bounds the local set of revoked ids (see
	// [MemoryConfig.MaxEntries]). Default [DefaultMaxEntries].
	MaxRevoked int
}

func (c *RedisConfig) setDefaults() {
	if c.Prefix == "" {
		c.Prefix = DefaultRedisPrefix
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultRedisTimeout
	}
}

func (c *RedisConfig) validate() error {
	if c.Client == nil {
		return errors.New("replay: RedisConfig.Client is required")
	}
	if c.Timeout < 0 {
		return errors.New("replay: RedisConfig.Timeout must not be negative")
	}
	return nil
}

// Redis is the [Store] shared by every node using the same Redis and
// prefix. Single-use keys are written with SET NX PX, revocations with
// SET PXAT (kept at the later deadline by a small script).
type Redis struct {
	cfg     RedisConfig
	revoked *Memory // with a Bus: the revoked ids known to this node
	// overflow is set when the local set could not hold a revocation:
	// Revoked asks Redis again until a reload fits.
	overflow atomic.Bool
}

// jtiTopic is the bus topic of revocations: "DEADLINE_MS NAME".
const jtiTopic = "jti"

var _ Store = (*Redis)(nil)

// NewRedis returns a store on cfg.Client.
func NewRedis(cfg RedisConfig) (*Redis, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Redis{cfg: cfg}
	if cfg.Bus != nil {
		m, err := NewMemory(MemoryConfig{MaxEntries: cfg.MaxRevoked})
		if err != nil {
			return nil, err
		}
		s.revoked = m
		cfg.Bus.Handle(jtiTopic, bus.Handler{Message: s.onRevoked, Resync: s.loadRevoked})
	}
	return s, nil
}

// Close stops the local set's clean-up; the store still answers.
func (s *Redis) Close() error {
	if s.revoked != nil {
		return s.revoked.Close()
	}
	return nil
}

// onRevoked adds an announced revocation to the local set.
func (s *Redis) onRevoked(payload string) {
	ms, name, ok := strings.Cut(payload, " ")
	if !ok {
		return
	}
	deadline, err := strconv.ParseInt(ms, 10, 64)
	if err != nil || name == "" {
		return
	}
	if err := s.revoked.Revoke(context.Background(), name, time.UnixMilli(deadline)); err != nil {
		s.overflow.Store(true) // ErrFull: fall back to asking Redis
	}
}

// loadRevoked reads every revocation kept in Redis into the local set.
func (s *Redis) loadRevoked(ctx context.Context) error {
	prefix := s.cfg.Prefix + "jti:"
	var cursor uint64
	for {
		keys, next, err := s.cfg.Client.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return fmt.Errorf("replay: load revocations: scan: %w", err)
		}
		if len(keys) > 0 {
			pipe := s.cfg.Client.Pipeline()
			cmds := make([]*goredis.DurationCmd, len(keys))
			for i, k := range keys {
				cmds[i] = pipe.PExpireTime(ctx, k)
			}
			if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
				return fmt.Errorf("replay: load revocations: expiry: %w", err)
			}
			for i, k := range keys {
				// PEXPIRETIME: the deadline since the epoch; -1 (none) or -2
				// (gone) are skipped: every revocation is written with one.
				if at := cmds[i].Val(); at > 0 {
					if err := s.revoked.Revoke(ctx, strings.TrimPrefix(k, prefix), time.UnixMilli(at.Milliseconds())); err != nil {
						s.overflow.Store(true)
						return fmt.Errorf("replay: load revocations: %w", err)
					}
				}
			}
		}
		if cursor = next; cursor == 0 {
			s.overflow.Store(false)
			return nil
		}
	}
}

// Seen implements [Store].
func (s *Redis) Seen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	err := s.cfg.Client.SetArgs(ctx, s.cfg.Prefix+"replay:"+key, "1", goredis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, goredis.Nil):
		return false, nil
	default:
		return false, fmt.Errorf("replay: redis set nx: %w", err)
	}
}

// revokeScript sets KEYS[1] to expire at ARGV[1] (ms) unless it already
// expires later.
var revokeScript = goredis.NewScript(`
local cur = redis.call('PEXPIRETIME', KEYS[1])
if cur >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], '1', 'PXAT', ARGV[1])
return 1
`)

// Revoke implements [Store].
func (s *Redis) Revoke(ctx context.Context, jti string, until time.Time) error {
	if !until.After(time.Now()) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := revokeScript.Run(ctx, s.cfg.Client, []string{s.cfg.Prefix + "jti:" + jti}, until.UnixMilli()).Err(); err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("replay: redis revoke: %w", err)
	}
	if s.revoked == nil {
		return nil
	}
	// Held here at once, and on the other nodes when the notice arrives
	// (or at their next resync, if it is lost).
	if err := s.revoked.Revoke(ctx, jti, until); err != nil {
		s.overflow.Store(true) // ErrFull: fall back to asking Redis
	}
	if err := s.cfg.Bus.Publish(ctx, jtiTopic, strconv.FormatInt(until.UnixMilli(), 10)+" "+jti); err != nil {
		return fmt.Errorf("replay: announce revocation: %w", err)
	}
	return nil
}

// Revoked implements [Store]. With a Bus it answers from the local set,
// without a Redis call (unless the set overflowed).
func (s *Redis) Revoked(ctx context.Context, jti string) (bool, error) {
	if s.revoked != nil && !s.overflow.Load() {
		return s.revoked.Revoked(ctx, jti)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	n, err := s.cfg.Client.Exists(ctx, s.cfg.Prefix+"jti:"+jti).Result()
	if err != nil {
		return false, fmt.Errorf("replay: redis exists: %w", err)
	}
	return n > 0, nil
}

// Ping checks that Redis answers, for readiness probes.
func (s *Redis) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := s.cfg.Client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("replay: redis ping: %w", err)
	}
	return nil
}
