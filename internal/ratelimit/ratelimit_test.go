package ratelimit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/keyward/keyward/internal/ratelimit"
	"github.com/keyward/keyward/internal/testenv"
)

func TestLimiters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	newLimiters := map[string]func(t *testing.T) ratelimit.Limiter{
		"memory": func(t *testing.T) ratelimit.Limiter { return ratelimit.NewMemory(ratelimit.MemoryConfig{}) },
		"redis": func(t *testing.T) ratelimit.Limiter {
			addr, prefix := testenv.Redis(t)
			c := goredis.NewClient(&goredis.Options{Addr: addr})
			t.Cleanup(func() { c.Close() })
			l, err := ratelimit.NewRedis(ratelimit.RedisConfig{Client: c, Prefix: prefix})
			if err != nil {
				t.Fatalf("NewRedis: %v", err)
			}
			return l
		},
	}
	for name, newLimiter := range newLimiters {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Run("BurstThenRefuse", func(t *testing.T) {
				t.Parallel()
				l := newLimiter(t)
				lim := ratelimit.Limit{Rate: 0.5, Burst: 3}
				for i := range 3 {
					d, err := l.Allow(ctx, "k", lim)
					if err != nil || !d.Allowed {
						t.Fatalf("Allow #%d = %+v, %v; want allowed", i, d, err)
					}
				}
				d, err := l.Allow(ctx, "k", lim)
				if err != nil || d.Allowed {
					t.Fatalf("Allow #4 = %+v, %v; want refused", d, err)
				}
				if d.RetryAfter <= 0 || d.RetryAfter > 2*time.Second {
					t.Fatalf("Allow #4 RetryAfter = %v, want in (0, 2s]", d.RetryAfter)
				}
				if d, err := l.Allow(ctx, "other", lim); err != nil || !d.Allowed {
					t.Fatalf("Allow(other) = %+v, %v; want allowed (own bucket)", d, err)
				}
			})
			t.Run("Refills", func(t *testing.T) {
				t.Parallel()
				l := newLimiter(t)
				lim := ratelimit.Limit{Rate: 20, Burst: 1}
				if d, _ := l.Allow(ctx, "k", lim); !d.Allowed {
					t.Fatal("Allow #1 refused")
				}
				deadline := time.Now().Add(5 * time.Second)
				for {
					d, err := l.Allow(ctx, "k", lim)
					if err != nil {
						t.Fatalf("Allow: %v", err)
					}
					if d.Allowed {
						break
					}
					if time.Now().After(deadline) {
						t.Fatal("bucket never refilled")
					}
					time.Sleep(d.RetryAfter)
				}
			})
			t.Run("InvalidLimit", func(t *testing.T) {
				t.Parallel()
				l := newLimiter(t)
				if _, err := l.Allow(ctx, "k", ratelimit.Limit{}); !errors.Is(err, ratelimit.ErrInvalidLimit) {
					t.Fatalf("Allow with zero Limit: err = %v, want ErrInvalidLimit", err)
				}
			})
		})
	}
}

func TestMemoryFakeClock(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Unix(1_700_000_000, 0))
	l := ratelimit.NewMemory(ratelimit.MemoryConfig{NowFunc: clock.Now})
	lim := ratelimit.Limit{Rate: 1, Burst: 2}
	ctx := context.Background()
	tests := []struct {
		advance time.Duration
		want    bool
	}{
		{0, true}, {0, true}, {0, false}, {500 * time.Millisecond, false}, {500 * time.Millisecond, true}, {0, false}, {10 * time.Second, true}, {0, true}, {0, false},
	}
	for i, tt := range tests {
		clock.Advance(tt.advance)
		d, err := l.Allow(ctx, "k", lim)
		if err != nil || d.Allowed != tt.want {
			t.Fatalf("step %d (+%v): Allow = %+v, %v; want allowed=%v", i, tt.advance, d, err, tt.want)
		}
	}
}

func TestMemoryBoundsKeys(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Unix(1_700_000_000, 0))
	l := ratelimit.NewMemory(ratelimit.MemoryConfig{NowFunc: clock.Now, MaxKeys: 64})
	lim := ratelimit.Limit{Rate: 100, Burst: 1}
	for i := range 10000 {
		clock.Advance(time.Millisecond)
		if _, err := l.Allow(context.Background(), string(rune('a'+i%26))+string(rune(i)), lim); err != nil {
			t.Fatalf("Allow: %v", err)
		}
	}
	if n := l.Len(); n > 64+64 {
		t.Fatalf("Len() = %d after 10000 keys with MaxKeys 64, want about 64", n)
	}
}
