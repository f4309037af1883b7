package bus_test

import (
	"context"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/keyward/keyward/internal/bus"
	"github.com/keyward/keyward/internal/testenv"
)

// node is one bus and what its topic saw.
type node struct {
	b      *bus.Bus
	mu     sync.Mutex
	events []string
}

func (n *node) snapshot() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.events...)
}

// TestNoticesAndResync runs two buses on a Redis of the test's own: a
// notice published by one reaches both; each topic is resynced at start,
// and again after its subscription is cut, before later notices.
func TestNoticesAndResync(t *testing.T) {
	t.Parallel()
	rp := testenv.StartRedis(t)
	ctx := context.Background()
	start := func() *node {
		client := goredis.NewClient(&goredis.Options{Addr: rp.Addr})
		t.Cleanup(func() { client.Close() })
		b, err := bus.New(bus.Config{Client: client, Prefix: "t:", PingInterval: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		n := &node{b: b}
		b.Handle("keys", bus.Handler{
			Message: func(p string) { n.mu.Lock(); n.events = append(n.events, "msg "+p); n.mu.Unlock() },
			Resync: func(context.Context) error {
				n.mu.Lock()
				n.events = append(n.events, "resync")
				n.mu.Unlock()
				return nil
			},
		})
		if err := b.Start(ctx); err != nil {
			t.Fatalf("Start: %v", err)
		}
		t.Cleanup(func() { b.Close() })
		return n
	}
	a, b := start(), start()
	seen := func(n *node, want ...string) bool {
		n.mu.Lock()
		defer n.mu.Unlock()
		if len(n.events) != len(want) {
			return false
		}
		for i := range want {
			if n.events[i] != want[i] {
				return false
			}
		}
		return true
	}
	wait := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: a saw %q, b saw %q", what, a.snapshot(), b.snapshot())
			}
		}
	}
	if !seen(a, "resync") || !seen(b, "resync") || !a.b.Connected() {
		t.Fatal("Start returned before the first resync")
	}
	if err := a.b.Publish(ctx, "keys", "k1"); err != nil {
		t.Fatal(err)
	}
	wait("notice delivered to both", func() bool { return seen(a, "resync", "msg k1") && seen(b, "resync", "msg k1") })

	admin := goredis.NewClient(&goredis.Options{Addr: rp.Addr})
	defer admin.Close()
	if err := admin.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatalf("CLIENT KILL TYPE pubsub: %v", err)
	}
	wait("resync after the subscription was cut", func() bool {
		return seen(a, "resync", "msg k1", "resync") && seen(b, "resync", "msg k1", "resync")
	})
	if err := b.b.Publish(ctx, "keys", "k2"); err != nil {
		t.Fatal(err)
	}
	wait("notice after the resync", func() bool {
		return seen(a, "resync", "msg k1", "resync", "msg k2") && seen(b, "resync", "msg k1", "resync", "msg k2")
	})
}
