package replay

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
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
	cfg RedisConfig
}

var _ Store = (*Redis)(nil)

// NewRedis returns a store on cfg.Client.
func NewRedis(cfg RedisConfig) (*Redis, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Redis{cfg: cfg}, nil
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
	return nil
}

// Revoked implements [Store].
func (s *Redis) Revoked(ctx context.Context, jti string) (bool, error) {
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
