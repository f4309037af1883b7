package replay_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/keyward/keyward/internal/replay"
	"github.com/keyward/keyward/internal/replay/replaytest"
	"github.com/keyward/keyward/internal/testenv"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func TestMemory(t *testing.T) {
	t.Parallel()
	replaytest.Exercise(t, func(t *testing.T) replay.Store {
		s, err := replay.NewMemory(replay.MemoryConfig{})
		if err != nil {
			t.Fatalf("NewMemory: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestRedis(t *testing.T) {
	t.Parallel()
	replaytest.Exercise(t, func(t *testing.T) replay.Store {
		return MustRedis(t)
	})
}

// MustRedis returns a Redis store with a key prefix of t's own.
func MustRedis(tb testing.TB) *replay.Redis {
	tb.Helper()
	addr, prefix := testenv.Redis(tb)
	client := goredis.NewClient(&goredis.Options{Addr: addr})
	tb.Cleanup(func() { client.Close() })
	s, err := replay.NewRedis(replay.RedisConfig{Client: client, Prefix: prefix})
	if err != nil {
		tb.Fatalf("NewRedis: %v", err)
	}
	return s
}

func TestMemoryRefusesWhenFull(t *testing.T) {
	t.Parallel()
	s, err := replay.NewMemory(replay.MemoryConfig{MaxEntries: 3})
	if err != nil {
		t.Fatalf("NewMemory: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		if first, err := s.Seen(ctx, k, time.Hour); err != nil || !first {
			t.Fatalf("Seen(%s) = %v, %v; want true, nil", k, first, err)
		}
	}
	if _, err := s.Seen(ctx, "d", time.Hour); !errors.Is(err, replay.ErrFull) {
		t.Fatalf("Seen(d) on a full store: err = %v, want ErrFull", err)
	}
	// A key already held still answers "seen": nothing was dropped.
	if first, err := s.Seen(ctx, "a", time.Hour); err != nil || first {
		t.Fatalf("Seen(a) on a full store = %v, %v; want false, nil", first, err)
	}
	if err := s.Revoke(ctx, "j", time.Now().Add(time.Hour)); !errors.Is(err, replay.ErrFull) {
		t.Fatalf("Revoke(j) on a full store: err = %v, want ErrFull", err)
	}
}

func TestMemoryFakeClock(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	advance := clock.Advance
	s, err := replay.NewMemory(replay.MemoryConfig{NowFunc: clock.Now})
	if err != nil {
		t.Fatalf("NewMemory: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	if first, _ := s.Seen(ctx, "k", time.Minute); !first {
		t.Fatal("Seen(k) #1 = false, want true")
	}
	advance(59 * time.Second)
	if first, _ := s.Seen(ctx, "k", time.Minute); first {
		t.Fatal("Seen(k) at +59s = true, want false (still inside ttl)")
	}
	advance(2 * time.Second)
	if first, _ := s.Seen(ctx, "k", time.Minute); !first {
		t.Fatal("Seen(k) at +61s = false, want true (ttl over)")
	}
}

func TestRedisDownFailsClosed(t *testing.T) {
	t.Parallel()
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer client.Close()
	s, err := replay.NewRedis(replay.RedisConfig{Client: client, Prefix: "x:"})
	if err != nil {
		t.Fatalf("NewRedis: %v", err)
	}
	ctx := context.Background()
	if first, err := s.Seen(ctx, "k", time.Minute); err == nil || first {
		t.Fatalf("Seen on a dead Redis = %v, %v; want false and an error", first, err)
	}
	if got, err := s.Revoked(ctx, "j"); err == nil || got {
		t.Fatalf("Revoked on a dead Redis = %v, %v; want false and an error", got, err)
	}
}
