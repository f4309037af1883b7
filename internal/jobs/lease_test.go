package jobs

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/keyward/keyward/internal/testenv"
)

type holdArgs struct{}

func (holdArgs) Kind() string { return "keyward_jobs_hold_test" }

type holdWorker struct{ river.WorkerDefaults[holdArgs] }

func (holdWorker) Work(context.Context, *river.Job[holdArgs]) error { return nil }

// TestLeaseHeldUntilRecorded: a worker has returned but River has not yet
// recorded the job's end (its completer is slow). The node is alive, so no
// sweeper may hand the job out again, however long the recording takes;
// once it is recorded, the lease goes.
func TestLeaseHeldUntilRecorded(t *testing.T) {
	t.Parallel()
	for _, db := range []struct {
		name string
		cfg  func(t *testing.T) Config
	}{
		{"SQLite", func(t *testing.T) Config { return Config{SQLitePath: filepath.Join(t.TempDir(), "jobs.db")} }},
		{"Postgres", func(t *testing.T) Config { return Config{PostgresURL: testenv.Postgres(t)} }},
	} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			cfg := db.cfg(t)
			workers := river.NewWorkers()
			river.AddWorker(workers, holdWorker{})
			cfg.Workers = workers
			cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			cfg.HeartbeatInterval = 50 * time.Millisecond
			cfg.LeaseTimeout = 300 * time.Millisecond
			q, err := Open(ctx, cfg)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { q.Close() })
			id, err := q.Insert(ctx, holdArgs{}, nil)
			if err != nil {
				t.Fatalf("Insert: %v", err)
			}
			// The queue is not started: the job is fetched, worked and
			// recorded by hand, with the real sweeper running.
			if _, err := q.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1 WHERE id = $1`, id); err != nil {
				t.Fatalf("fetch the job: %v", err)
			}
			q.holdStop = make(chan struct{})
			sctx, stopSweeper := context.WithCancel(ctx)
			q.sweeperDone = make(chan struct{})
			go q.sweep(sctx)
			defer func() {
				stopSweeper()
				<-q.sweeperDone
				close(q.holdStop)
				q.holders.Wait()
			}()
			m := &leaseMiddleware{q: q}
			if err := m.Work(ctx, &rivertype.JobRow{ID: id}, func(context.Context) error { return nil }); err != nil {
				t.Fatalf("Work: %v", err)
			}

			// River takes four lease timeouts to record the end.
			time.Sleep(4 * cfg.LeaseTimeout)
			var state string
			if err := q.QueryRow(ctx, `SELECT state FROM river_job WHERE id = $1`, id).Scan(&state); err != nil {
				t.Fatal(err)
			}
			if state != "running" {
				t.Fatalf("the job of a live node whose worker returned was handed out again before River recorded its end: state %q", state)
			}

			// River records it (any state but running will do here).
			if _, err := q.Exec(ctx, `UPDATE river_job SET state = 'available' WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				var n int64
				if err := q.QueryRow(ctx, sqlNoLease, id).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the lease outlived the job's recorded end")
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
