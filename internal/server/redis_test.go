package server_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/server"
	"github.com/keyward/keyward/internal/testenv"
	"github.com/keyward/keyward/token"
)

// commandCalls returns the number of calls of every command Redis has
// served, from INFO commandstats, leaving out INFO itself and PING (the
// subscription's keep-alive).
func commandCalls(t *testing.T, rc *goredis.Client) int64 {
	t.Helper()
	info, err := rc.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatalf("INFO commandstats: %v", err)
	}
	var n int64
	for _, line := range strings.Split(info, "\n") {
		// cmdstat_exists:calls=12,usec=…
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") || name == "cmdstat_info" || name == "cmdstat_ping" {
			continue
		}
		calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		v, err := strconv.ParseInt(calls, 10, 64)
		if err != nil {
			t.Fatalf("commandstats line %q: %v", line, err)
		}
		n += v
	}
	return n
}

// onOwnRedis starts a node on a Redis of the test's own and returns the
// Redis, the node, and an admin client that has made one call (the node's
// caches are warm).
func onOwnRedis(t *testing.T) (*testenv.RedisProcess, *server.Server, *client.Client) {
	t.Helper()
	rp := testenv.StartRedis(t)
	srv := mustStartWith(t, func(c *server.Config) { c.Redis = "redis://" + rp.Addr + "/0" })
	c := adminClient(t, srv)
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	return rp, srv, c
}

// TestNoRedisCallPerReusableToken sends many requests with one management
// token (it has a jti) to a node on a Redis of the test's own, and counts
// the commands Redis served meanwhile: a reusable token must not cost a
// Redis round trip per request.
func TestNoRedisCallPerReusableToken(t *testing.T) {
	t.Parallel()
	rp, _, c := onOwnRedis(t)
	ctx := context.Background()
	rc := goredis.NewClient(&goredis.Options{Addr: rp.Addr})
	defer rc.Close()
	const n = 200
	before := commandCalls(t, rc)
	for range n {
		if _, err := c.Me(ctx); err != nil {
			t.Fatal(err)
		}
	}
	calls := commandCalls(t, rc) - before
	t.Logf("%d requests with one management token: %d Redis commands", n, calls)
	if calls >= n/10 {
		t.Fatalf("%d requests with one management token made %d Redis commands, want none per request", n, calls)
	}
}

// TestRedisDownRefusesOnlySingleUse stops the node's Redis: management
// calls and read routes go on; single-use routes are refused with 503 and
// a message that names Redis.
func TestRedisDownRefusesOnlySingleUse(t *testing.T) {
	t.Parallel()
	rp, _, c := onOwnRedis(t)
	ctx := context.Background()
	rp.Stop()
	if _, err := c.Me(ctx); err != nil {
		t.Errorf("GET /v1/me with Redis stopped: %v, want it served", err)
	}
	if _, err := c.ListCredentials(ctx, nil); err != nil {
		t.Errorf("GET /v1/credentials with Redis stopped: %v, want it served", err)
	}
	// A read route of the Encoding API: a query of no job is 4xx, not 503.
	_, err := c.Call(ctx, "POST", "/v3/sl/query", map[string]any{"query": "nope"}, token.Request)
	var ce *client.Error
	if errors.As(err, &ce) && ce.HTTPStatus == 503 {
		t.Errorf("POST /v3/sl/query with Redis stopped: %v, want it served", err)
	}
	// The single-use route needs Redis to claim the token.
	_, err = c.Call(ctx, "POST", "/v3/sl/encoding", map[string]any{"src": "https://example.test/a.wav", "artist": "a"}, token.Request)
	if !errors.As(err, &ce) || ce.HTTPStatus != 503 || !strings.Contains(ce.Message, "Redis") {
		t.Fatalf("POST /v3/sl/encoding with Redis stopped: %v, want 503 naming Redis", err)
	}
	t.Logf("single-use refusal: %s", ce.Message)
}
