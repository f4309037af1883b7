package pgstore_test

import (
	"context"
	"sync"
	"testing"

	"github.com/keyward/keyward/internal/store"
	"github.com/keyward/keyward/internal/store/pgstore"
	"github.com/keyward/keyward/internal/store/storetest"
	"github.com/keyward/keyward/internal/testenv"
)

// MustOpen opens the database at url and closes it when tb ends.
func MustOpen(tb testing.TB, url string) *pgstore.DB {
	tb.Helper()
	db, err := pgstore.Open(context.Background(), &pgstore.Config{URL: url, MaxConns: 4})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestExercise(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(tb testing.TB) store.Driver {
		return MustOpen(tb, testenv.Postgres(tb))
	})
}

// TestConcurrentStart starts several nodes on one empty database at once:
// the migrations run once, and exactly one node creates the admin.
func TestConcurrentStart(t *testing.T) {
	t.Parallel()
	url := testenv.Postgres(t)
	const nodes = 4
	var wg sync.WaitGroup
	results := make([]*store.EnsureAdminResult, nodes)
	errs := make([]error, nodes)
	for i := range nodes {
		wg.Go(func() {
			db, err := pgstore.Open(context.Background(), &pgstore.Config{URL: url, MaxConns: 2})
			if err != nil {
				errs[i] = err
				return
			}
			st, err := store.New(context.Background(), db, &store.Config{Sealer: storetest.MustSealer(t)})
			if err != nil {
				db.Close()
				errs[i] = err
				return
			}
			defer st.Close()
			results[i], errs[i] = st.EnsureAdmin(context.Background(), nil)
		})
	}
	wg.Wait()
	created := 0
	for i := range nodes {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
		if results[i].Created {
			created++
		}
		if results[i].Account.ID != results[0].Account.ID {
			t.Errorf("node %d sees admin %d, node 0 sees %d", i, results[i].Account.ID, results[0].Account.ID)
		}
	}
	if created != 1 {
		t.Errorf("%d nodes created an admin, want exactly 1", created)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
	}{
		{"no url", ""},
		{"nothing listens", "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if db, err := pgstore.Open(context.Background(), &pgstore.Config{URL: tt.url}); err == nil {
				db.Close()
				t.Errorf("Open(%q) = nil error, want an error", tt.url)
			}
		})
	}
}
