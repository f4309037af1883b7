package replay_test

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/keyward/keyward/internal/bus"
	"github.com/keyward/keyward/internal/replay"
	"github.com/keyward/keyward/internal/replay/replaytest"
	"github.com/keyward/keyward/internal/testenv"
)

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
	clock := testenv.NewClock(time.Unix(1_700_000_000, 0))
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

// redisWithBus returns a store on Redis at addr with prefix, keeping its
// revoked ids in a local set fed by a bus of its own (a node of its own).
func redisWithBus(tb testing.TB, addr, prefix string) (*replay.Redis, *bus.Bus) {
	tb.Helper()
	client := goredis.NewClient(&goredis.Options{Addr: addr})
	tb.Cleanup(func() { client.Close() })
	b, err := bus.New(bus.Config{Client: client, Prefix: prefix, PingInterval: 200 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := replay.NewRedis(replay.RedisConfig{Client: client, Prefix: prefix, Bus: b})
	if err != nil {
		tb.Fatalf("NewRedis: %v", err)
	}
	if err := b.Start(context.Background()); err != nil {
		tb.Fatalf("bus Start: %v", err)
	}
	tb.Cleanup(func() { b.Close(); s.Close() })
	return s, b
}

func TestRedisWithBus(t *testing.T) {
	t.Parallel()
	replaytest.Exercise(t, func(t *testing.T) replay.Store {
		addr, prefix := testenv.Redis(t)
		s, _ := redisWithBus(t, addr, prefix)
		return s
	})
}

// TestRedisRevokedFromMemory revokes on one node and checks that another
// learns it from the bus, from Redis at start, and after it missed a
// notice while its subscription was down; and that Revoked costs no Redis
// command, so it keeps answering with Redis gone.
func TestRedisRevokedFromMemory(t *testing.T) {
	t.Parallel()
	rp := testenv.StartRedis(t)
	ctx := context.Background()
	const prefix = "kw:"
	a, _ := redisWithBus(t, rp.Addr, prefix)
	until := time.Now().Add(time.Hour)
	if err := a.Revoke(ctx, "before-b", until); err != nil {
		t.Fatal(err)
	}
	b, bb := redisWithBus(t, rp.Addr, prefix)
	if got, _ := b.Revoked(ctx, "before-b"); !got {
		t.Fatal("a node started after a revocation does not know it: want it loaded at start")
	}
	if err := a.Revoke(ctx, "after-b", until); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the other node learns a revocation from the bus", func() bool {
		got, _ := b.Revoked(ctx, "after-b")
		return got
	})

	// A revocation whose notice b never gets: written to Redis directly
	// while b's subscription is cut. b must find it when it resubscribes.
	admin := goredis.NewClient(&goredis.Options{Addr: rp.Addr})
	defer admin.Close()
	resyncs := bb.Resyncs()
	if err := admin.Set(ctx, prefix+"jti:missed", "1", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if err := admin.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatalf("CLIENT KILL TYPE pubsub: %v", err)
	}
	eventually(t, 10*time.Second, "the other node resyncs after losing its subscription", func() bool {
		return bb.Resyncs() > resyncs
	})
	if got, _ := b.Revoked(ctx, "missed"); !got {
		t.Fatal("a revocation missed while unsubscribed is not known after the resync")
	}

	// Revoked asks nothing of Redis: it answers with Redis stopped.
	rp.Stop()
	for _, jti := range []string{"before-b", "after-b", "missed"} {
		if got, err := b.Revoked(ctx, jti); err != nil || !got {
			t.Errorf("Revoked(%s) with Redis stopped = %v, %v; want true, nil", jti, got, err)
		}
	}
	if got, err := b.Revoked(ctx, "never"); err != nil || got {
		t.Errorf("Revoked(never) with Redis stopped = %v, %v; want false, nil", got, err)
	}
	if _, err := b.Seen(ctx, "single-use", time.Minute); err == nil {
		t.Error("Seen with Redis stopped = nil error, want one (single use fails closed)")
	}
}

func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
