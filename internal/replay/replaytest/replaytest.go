// Package replaytest is the conformance suite every [replay.Store] must
// pass. Call [Exercise] from the implementation's tests with a function that
// returns a fresh, empty store for each subtest.
package replaytest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/replay"
)

// Exercise runs the suite. newStore returns a store of the subtest's own
// (its own key prefix, say), so that subtests run in parallel.
func Exercise(t *testing.T, newStore func(t *testing.T) replay.Store) {
	t.Helper()
	ctx := context.Background()

	t.Run("SeenFirstThenReplay", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for i, want := range []bool{true, false, false} {
			got, err := s.Seen(ctx, "k1", time.Minute)
			if err != nil {
				t.Fatalf("Seen(k1) #%d: %v", i, err)
			}
			if got != want {
				t.Fatalf("Seen(k1) #%d = %v, want %v", i, got, want)
			}
		}
		got, err := s.Seen(ctx, "k2", time.Minute)
		if err != nil || !got {
			t.Fatalf("Seen(k2) = %v, %v; want true, nil", got, err)
		}
	})

	t.Run("SeenExpires", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if first, err := s.Seen(ctx, "short", 50*time.Millisecond); err != nil || !first {
			t.Fatalf("Seen(short) = %v, %v; want true, nil", first, err)
		}
		eventually(t, 5*time.Second, func() bool {
			first, err := s.Seen(ctx, "short", 50*time.Millisecond)
			if err != nil {
				t.Fatalf("Seen(short) after expiry: %v", err)
			}
			return first
		})
	})

	t.Run("SeenConcurrentOneWinner", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		const n = 32
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				first, err := s.Seen(ctx, "race", time.Minute)
				if err != nil {
					t.Errorf("Seen(race): %v", err)
				}
				if first {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if got := wins.Load(); got != 1 {
			t.Fatalf("concurrent Seen(race): %d first uses, want 1", got)
		}
	})

	t.Run("RevokeAndRevoked", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if got, err := s.Revoked(ctx, "j1"); err != nil || got {
			t.Fatalf("Revoked(j1) before Revoke = %v, %v; want false, nil", got, err)
		}
		if err := s.Revoke(ctx, "j1", time.Now().Add(time.Hour)); err != nil {
			t.Fatalf("Revoke(j1): %v", err)
		}
		if got, err := s.Revoked(ctx, "j1"); err != nil || !got {
			t.Fatalf("Revoked(j1) = %v, %v; want true, nil", got, err)
		}
		if got, err := s.Revoked(ctx, "j2"); err != nil || got {
			t.Fatalf("Revoked(j2) = %v, %v; want false, nil", got, err)
		}
	})

	t.Run("RevokePastIsNoop", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if err := s.Revoke(ctx, "old", time.Now().Add(-time.Minute)); err != nil {
			t.Fatalf("Revoke(old, past): %v", err)
		}
		if got, err := s.Revoked(ctx, "old"); err != nil || got {
			t.Fatalf("Revoked(old) = %v, %v; want false, nil", got, err)
		}
	})

	t.Run("RevokeExpiresAndNeverShortens", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if err := s.Revoke(ctx, "j", time.Now().Add(150*time.Millisecond)); err != nil {
			t.Fatalf("Revoke(j, +150ms): %v", err)
		}
		if err := s.Revoke(ctx, "long", time.Now().Add(time.Hour)); err != nil {
			t.Fatalf("Revoke(long, +1h): %v", err)
		}
		if err := s.Revoke(ctx, "long", time.Now().Add(100*time.Millisecond)); err != nil {
			t.Fatalf("Revoke(long, +100ms): %v", err)
		}
		eventually(t, 5*time.Second, func() bool {
			got, err := s.Revoked(ctx, "j")
			if err != nil {
				t.Fatalf("Revoked(j): %v", err)
			}
			return !got
		})
		if got, err := s.Revoked(ctx, "long"); err != nil || !got {
			t.Fatalf("Revoked(long) after a shorter Revoke = %v, %v; want true, nil", got, err)
		}
	})

	t.Run("KeysAreOpaque", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for _, k := range []string{"", " ", "a:b", "ü", "x\x00y", fmt.Sprint(make([]byte, 300))} {
			if first, err := s.Seen(ctx, k, time.Minute); err != nil || !first {
				t.Fatalf("Seen(%q) = %v, %v; want true, nil", k, first, err)
			}
			if first, err := s.Seen(ctx, k, time.Minute); err != nil || first {
				t.Fatalf("Seen(%q) again = %v, %v; want false, nil", k, first, err)
			}
		}
	})
}

// eventually polls cond until it holds or wait passes.
func eventually(t *testing.T, wait time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
