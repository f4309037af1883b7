// Package storetest is the conformance suite of package store: one set of
// tests that every [store.Driver] must pass, run against SQLite always and
// against PostgreSQL when one answers (see internal/testenv).
//
// A dialect's test calls [Exercise] with a function that returns a fresh,
// migrated, empty database for each test.
package storetest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/seal"
	"github.com/keyward/keyward/internal/store"
	"github.com/keyward/keyward/internal/testenv"
)

// OpenFunc returns a fresh, migrated, empty database for one test; the
// driver is closed by the test (through [store.Store.Close]).
type OpenFunc func(tb testing.TB) store.Driver

// NewClock returns the suite's clock, stopped at a fixed instant, for
// [store.Config.NowFunc].
func NewClock() *testenv.Clock {
	return testenv.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

// Sent is one call of a [Notifier].
type Sent struct {
	// To is the recipient.
	To *credential.Account
	// Notification is what was sent.
	Notification *credential.Notification
}

// Notifier records what it is asked to send.
type Notifier struct {
	mu   sync.Mutex
	sent []Sent
}

// Notify implements [credential.Notifier].
func (n *Notifier) Notify(ctx context.Context, to *credential.Account, msg *credential.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, Sent{To: to, Notification: msg})
	return nil
}

// Sent returns a copy of what was sent so far.
func (n *Notifier) Sent() []Sent {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Sent(nil), n.sent...)
}

// TestMasterKey is the master key the suite seals with.
var TestMasterKey = bytes.Repeat([]byte("keyward-test-master-key!"), 2)

// MustSealer returns a Sealer for [TestMasterKey].
func MustSealer(tb testing.TB) *seal.Sealer {
	tb.Helper()
	s, err := seal.New(TestMasterKey)
	if err != nil {
		tb.Fatalf("seal.New: %v", err)
	}
	return s
}

// MustNew opens a Store on d with the test sealer, clock and notifier, and
// closes it when tb ends.
func MustNew(tb testing.TB, d store.Driver, clock *testenv.Clock, notifier credential.Notifier) *store.Store {
	tb.Helper()
	cfg := &store.Config{Sealer: MustSealer(tb), Notifier: notifier}
	if clock != nil {
		cfg.NowFunc = clock.Now
	}
	st, err := store.New(context.Background(), d, cfg)
	if err != nil {
		tb.Fatalf("store.New: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}
