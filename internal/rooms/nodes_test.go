package rooms_test

import (
	"context"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/keyward/keyward/internal/server"
	"github.com/keyward/keyward/internal/testenv"
)

// TestLeaseFollowsTheRoom runs one node on Redis (lease 1 s): the first
// join takes the room's lease and the node renews it while the room is
// live; the last leave releases it; a lease another node took sends the
// room's peers to reconnect (1012 ROOM_MOVED); a lease of a node that is
// gone is dropped by the first join that finds it so; closing the node
// releases the leases it holds.
func TestLeaseFollowsTheRoom(t *testing.T) {
	t.Parallel()
	addr, _ := testenv.Redis(t)
	b := setup(t, func(c *server.Config) {
		c.Redis = "redis://" + addr + "/0"
		c.Rooms.LeaseTTL = time.Second
	})
	rc := goredis.NewClient(&goredis.Options{Addr: addr})
	t.Cleanup(func() { rc.Close() })
	ctx := context.Background()
	lease := func(room string) string {
		v, err := rc.Get(ctx, "keyward:rooms:lease:"+room).Result()
		if err != nil && err != goredis.Nil {
			t.Fatal(err)
		}
		return v
	}

	room := b.room(t, "leased", 0)
	c := b.join(t, b.app(t, room, "alice", "host"))
	owner := lease(room)
	if !strings.HasSuffix(owner, " "+b.url) {
		t.Fatalf("lease = %q, want this node's id and %s", owner, b.url)
	}
	// Three times the TTL on, the node still holds it: it renews.
	for range 3 {
		ttl, err := rc.PTTL(ctx, "keyward:rooms:lease:"+room).Result()
		if err != nil || ttl <= 0 {
			t.Fatalf("lease TTL %v, %v", ttl, err)
		}
		<-time.After(time.Second)
		if got := lease(room); got != owner {
			t.Fatalf("lease %q after a TTL, want %q still", got, owner)
		}
	}
	c.send(map[string]any{"type": "leave"})
	c.closed()
	waitUntil(t, "the last leave releases the lease", func() bool { return lease(room) == "" })

	// Another node took the lease (this one's expired while Redis was out
	// of reach): the peers here are sent to reconnect.
	room2 := b.room(t, "stolen", 0)
	c2 := b.join(t, b.app(t, room2, "bob", "host"))
	if err := rc.Set(ctx, "keyward:rooms:lease:"+room2, "0123456789abcdef01234567 http://127.0.0.1:9", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if left := c2.expect("leave"); left["reason"] != "ROOM_MOVED" || left["can_reconnect"] != true {
		t.Fatalf("leave = %v, want ROOM_MOVED, can_reconnect", left)
	}
	if code := c2.closed(); code != 1012 {
		t.Fatalf("closed %d, want 1012", code)
	}
	rc.Del(ctx, "keyward:rooms:lease:"+room2)

	// A room held by a node that answers no join: while that node is
	// subscribed in Redis it keeps the room (503, try again); once it is
	// not (a dead process), the join that finds it so drops the lease and
	// the next join takes the room.
	room4 := b.room(t, "orphan", 0)
	const ghost = "fedcba9876543210fedcba98"
	if err := rc.Set(ctx, "keyward:rooms:lease:"+room4, ghost+" http://127.0.0.1:9", 0).Err(); err != nil {
		t.Fatal(err)
	}
	sub := rc.Subscribe(ctx, "keyward:bus:rooms."+ghost)
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	tok := b.app(t, room4, "dave", "host")
	if _, st, code := b.dial(t, tokQuery(tok)); st != 503 || code != "UNAVAILABLE" {
		t.Fatalf("join of a room whose node does not answer: %d %s, want 503 UNAVAILABLE", st, code)
	}
	if lease(room4) == "" {
		t.Fatal("the lease of a node still subscribed was dropped")
	}
	sub.Close()
	waitUntil(t, "the ghost's subscription ends", func() bool {
		m, err := rc.PubSubNumSub(ctx, "keyward:bus:rooms."+ghost).Result()
		return err == nil && m["keyward:bus:rooms."+ghost] == 0
	})
	if _, st, code := b.dial(t, tokQuery(tok)); st != 503 || code != "UNAVAILABLE" {
		t.Fatalf("join of a room whose node is gone: %d %s, want 503 UNAVAILABLE", st, code)
	}
	if v := lease(room4); v != "" {
		t.Fatalf("lease %q of a gone node, want it dropped", v)
	}
	b.join(t, tok)
	if lease(room4) != owner {
		t.Fatalf("lease %q, want this node's", lease(room4))
	}

	// A graceful stop lets the rooms move at once.
	room3 := b.room(t, "closing", 0)
	b.join(t, b.app(t, room3, "carol", "host"))
	if lease(room3) == "" {
		t.Fatal("no lease for a live room")
	}
	b.srv.Close()
	if v := lease(room3); v != "" {
		t.Fatalf("lease %q after Close, want none", v)
	}
}

// waitUntil polls cond until it holds, failing after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
