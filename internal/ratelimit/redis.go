package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
	// Client is the Redis connection. Required.
	Client goredis.UniversalClient
	// Prefix starts every key ("PREFIXrl:KEY"). Default "keyward:".
	Prefix string
	// Timeout bounds each call. Default 500 ms.
	Timeout time.Duration
}

// Redis is the [Limiter] shared by every node on the same Redis and prefix.
type Redis struct {
	cfg RedisConfig
}

var _ Limiter = (*Redis)(nil)

// NewRedis returns a Redis limiter.
func NewRedis(cfg RedisConfig) (*Redis, error) {
	if cfg.Client == nil {
		return nil, errors.New("ratelimit: RedisConfig.Client is required")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultRedisPrefix
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultRedisTimeout
	}
	return &Redis{cfg: cfg}, nil
}

// bucketScript is the token bucket in one atomic step, on Redis's clock.
// KEYS[1] is the bucket (a hash of t, the last update in µs, and n, the
// tokens); ARGV are the rate (tokens/s) and the burst. It returns
// {allowed, remaining, retry_after_µs}.
var bucketScript = goredis.NewScript(`
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local v = redis.call('HMGET', KEYS[1], 't', 'n')
local tokens = burst
if v[1] then
  local last = tonumber(v[1])
  tokens = tonumber(v[2])
  if now > last then tokens = math.min(burst, tokens + (now - last) * rate / 1000000) end
end
local allowed, retry = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) * 1000000 / rate)
end
redis.call('HSET', KEYS[1], 't', now, 'n', string.format('%.6f', tokens))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, math.floor(tokens), retry}
`)

// Allow implements [Limiter].
func (r *Redis) Allow(ctx context.Context, key string, l Limit) (Decision, error) {
	if err := l.validate(); err != nil {
		return Decision{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	res, err := bucketScript.Run(ctx, r.cfg.Client, []string{r.cfg.Prefix + "rl:" + key},
		strconv.FormatFloat(l.Rate, 'f', -1, 64), l.Burst).Int64Slice()
	if err != nil {
		return Decision{}, fmt.Errorf("ratelimit: redis bucket: %w", err)
	}
	if len(res) != 3 {
		return Decision{}, fmt.Errorf("ratelimit: redis bucket: %d values, want 3", len(res))
	}
	d := Decision{Allowed: res[0] == 1, Remaining: int(res[1])}
	if !d.Allowed {
		d.RetryAfter = max(time.Duration(res[2])*time.Microsecond, time.Millisecond)
	}
	return d, nil
}
