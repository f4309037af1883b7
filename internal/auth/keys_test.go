package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/auth/authtest"
)

// gatedSource holds its first LookupKey, after it has read the key, until
// release is closed: a store read that is slow and began before a change.
type gatedSource struct {
	*authtest.Source
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (g *gatedSource) LookupKey(ctx context.Context, key string) (*auth.Key, error) {
	k, err := g.Source.LookupKey(ctx, key)
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.entered)
		<-g.release
	}
	return k, err
}

// TestLookupAfterInvalidateNeverJoinsAnOlderRead starts a lookup whose
// store read predates a revocation, invalidates the key, and looks it up
// again while the first read is still out: the second lookup must see the
// revocation, not share the first one's answer.
func TestLookupAfterInvalidateNeverJoinsAnOlderRead(t *testing.T) {
	t.Parallel()
	src := &gatedSource{
		Source:  authtest.NewSource(auth.Key{Key: "k1", CredentialID: 1, Active: true, Secrets: []auth.Secret{{Secret: []byte("0123456789abcdef0123456789abcdef")}}}),
		entered: make(chan struct{}), release: make(chan struct{}),
	}
	c, err := auth.NewKeyCache(auth.KeyCacheConfig{Source: src, PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	first := make(chan *auth.Key, 1)
	go func() {
		k, _, _ := c.Lookup(ctx, []byte("k1"))
		first <- k
	}()
	<-src.entered
	src.Revoke("k1")
	c.Invalidate("k1")
	second := make(chan *auth.Key, 1)
	go func() {
		k, _, err := c.Lookup(ctx, []byte("k1"))
		if err != nil {
			t.Errorf("Lookup after Invalidate: %v", err)
		}
		second <- k
	}()
	time.Sleep(20 * time.Millisecond) // give it time to join the first read, if it would
	close(src.release)
	<-first
	if k := <-second; k == nil || k.Active {
		t.Fatalf("Lookup that began after Invalidate returned %+v, want the revoked key", k)
	}
	if k, _, err := c.Lookup(ctx, []byte("k1")); err != nil || k.Active {
		t.Fatalf("Lookup afterwards = %+v, %v; want the revoked key (the older read must not be cached)", k, err)
	}
}
