package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/riverqueue/river"

	"github.com/keyward/keyward/internal/jobs"
	"github.com/keyward/keyward/internal/migrate"
	"github.com/keyward/keyward/internal/testenv"
)

// testArgs is the job of these tests: record Name in jobs_test_done.
type testArgs struct {
	Name string `json:"name"`
}

func (testArgs) Kind() string { return "keyward_jobs_test" }

// testWorker records its job, or, when hang is set, blocks until its
// context ends (a worker that the test kills).
type testWorker struct {
	river.WorkerDefaults[testArgs]
	q       atomic.Pointer[jobs.Queue]
	hang    bool
	started chan string
}

func (w *testWorker) Work(ctx context.Context, job *river.Job[testArgs]) error {
	if w.started != nil {
		select {
		case w.started <- job.Args.Name:
		default:
		}
	}
	if w.hang {
		<-ctx.Done()
		return ctx.Err()
	}
	_, err := w.q.Load().Exec(ctx, `INSERT INTO jobs_test_done (name, attempt) VALUES ($1, $2)`, job.Args.Name, int64(job.Attempt))
	return err
}

const testSchema = "-- +goose Up\nCREATE TABLE jobs_test_done (name TEXT NOT NULL, attempt BIGINT NOT NULL);\n"

var testMigrations = []migrate.Set{{Name: "jobstest", FS: fstest.MapFS{
	"migration/sqlite/00001_done.sql":   {Data: []byte(testSchema)},
	"migration/postgres/00001_done.sql": {Data: []byte(testSchema)},
}}}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// mustOpen opens a queue with a testWorker on the database of cfg.
func mustOpen(t *testing.T, cfg jobs.Config, hang bool) (*jobs.Queue, *testWorker) {
	t.Helper()
	w := &testWorker{hang: hang, started: make(chan string, 16)}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	cfg.Workers = workers
	cfg.Migrations = testMigrations
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase = 50 * time.Millisecond
	}
	if cfg.HeartbeatInterval == 0 {
		cfg.HeartbeatInterval = 100 * time.Millisecond
		cfg.LeaseTimeout = time.Second
	}
	cfg.PollInterval = 50 * time.Millisecond
	q, err := jobs.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("jobs.Open: %v", err)
	}
	w.q.Store(q)
	return q, w
}

// waitDone waits until name is recorded and returns the attempt it took.
func waitDone(t *testing.T, q *jobs.Queue, name string, timeout time.Duration) int64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var attempt int64
		err := q.QueryRow(context.Background(), `SELECT attempt FROM jobs_test_done WHERE name = $1`, name).Scan(&attempt)
		if err == nil {
			return attempt
		}
		if !errors.Is(err, jobs.ErrNoRows) {
			t.Fatalf("query done: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %q not done after %s", name, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type dbCase struct {
	name string
	cfg  func(t *testing.T) jobs.Config
}

func databases() []dbCase {
	return []dbCase{
		{"SQLite", func(t *testing.T) jobs.Config {
			return jobs.Config{SQLitePath: filepath.Join(t.TempDir(), "jobs.db")}
		}},
		{"Postgres", func(t *testing.T) jobs.Config {
			return jobs.Config{PostgresURL: testenv.Postgres(t)}
		}},
	}
}

func TestQueue(t *testing.T) {
	t.Parallel()
	for _, db := range databases() {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()

			t.Run("InsertTxAndWork", func(t *testing.T) {
				t.Parallel()
				cfg := db.cfg(t)
				q, _ := mustOpen(t, cfg, false)
				defer q.Close()
				ctx := context.Background()
				if err := q.Start(ctx); err != nil {
					t.Fatalf("Start: %v", err)
				}
				defer q.Stop(ctx)
				// A rolled-back transaction enqueues nothing.
				boom := errors.New("boom")
				err := q.InTx(ctx, func(tx jobs.Tx) error {
					if _, err := tx.Insert(ctx, testArgs{Name: "rolled-back"}, nil); err != nil {
						return err
					}
					return boom
				})
				if !errors.Is(err, boom) {
					t.Fatalf("InTx = %v, want boom", err)
				}
				err = q.InTx(ctx, func(tx jobs.Tx) error {
					_, err := tx.Insert(ctx, testArgs{Name: "committed"}, nil)
					return err
				})
				if err != nil {
					t.Fatalf("InTx: %v", err)
				}
				waitDone(t, q, "committed", 15*time.Second)
				var n int64
				q.QueryRow(ctx, `SELECT COUNT(*) FROM jobs_test_done WHERE name = 'rolled-back'`).Scan(&n)
				if n != 0 {
					t.Fatalf("a job of a rolled-back transaction ran")
				}
			})

			t.Run("StopMidJobThenRestart", func(t *testing.T) {
				t.Parallel()
				cfg := db.cfg(t)
				ctx := context.Background()
				q1, w1 := mustOpen(t, cfg, true)
				if err := q1.Start(ctx); err != nil {
					t.Fatalf("Start: %v", err)
				}
				if _, err := q1.Insert(ctx, testArgs{Name: "survivor"}, nil); err != nil {
					t.Fatalf("Insert: %v", err)
				}
				select {
				case <-w1.started:
				case <-time.After(15 * time.Second):
					t.Fatalf("job never started")
				}
				if err := q1.StopAndCancel(ctx); err != nil {
					t.Fatalf("StopAndCancel: %v", err)
				}
				q1.Close()
				q2, _ := mustOpen(t, cfg, false)
				defer q2.Close()
				if err := q2.Start(ctx); err != nil {
					t.Fatalf("Start again: %v", err)
				}
				defer q2.Stop(ctx)
				waitDone(t, q2, "survivor", 15*time.Second)
			})

			t.Run("KilledProcess", func(t *testing.T) {
				t.Parallel()
				testKilledProcess(t, db.cfg(t))
			})
		})
	}
}

// testKilledProcess starts a child process that takes a job and hangs in
// it, kills it with SIGKILL, and checks that this process completes the
// job: on SQLite by restarting (the queue's start rescues it), on
// PostgreSQL by a second node already running (the lease sweep rescues it).
func testKilledProcess(t *testing.T, cfg jobs.Config) {
	ctx := context.Background()
	name := fmt.Sprintf("killed-%d", time.Now().UnixNano())
	var other *jobs.Queue
	if cfg.PostgresURL != "" {
		// The other node is up before the job exists, but cannot take it
		// while the child holds it.
		q, _ := mustOpen(t, cfg, false)
		other = q
		defer other.Close()
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(),
		"KEYWARD_JOBS_HELPER=1",
		"KEYWARD_JOBS_SQLITE="+cfg.SQLitePath,
		"KEYWARD_JOBS_POSTGRES="+cfg.PostgresURL,
		"KEYWARD_JOBS_NAME="+name,
	)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper: %v", err)
	}
	defer cmd.Process.Kill()
	started := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		var seen string
		for {
			n, err := out.Read(buf)
			seen += string(buf[:n])
			if containsLine(seen, "HELPER: job running") {
				close(started)
				io.Copy(io.Discard, out)
				return
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatalf("helper never ran the job")
	}
	if other != nil {
		if err := other.Start(ctx); err != nil {
			t.Fatalf("Start other node: %v", err)
		}
		defer other.Stop(ctx)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill helper: %v", err)
	}
	cmd.Wait()
	q := other
	if q == nil {
		q, _ = mustOpen(t, cfg, false)
		defer q.Close()
		if err := q.Start(ctx); err != nil {
			t.Fatalf("Start after kill: %v", err)
		}
		defer q.Stop(ctx)
	}
	waitDone(t, q, name, 30*time.Second)
}

func containsLine(s, line string) bool {
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		if s[:i] == line {
			return true
		}
		if i == len(s) {
			return false
		}
		s = s[i+1:]
	}
	return false
}

// TestHelperProcess is the child of testKilledProcess: it enqueues a job,
// works it by hanging, and waits to be killed.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("KEYWARD_JOBS_HELPER") != "1" {
		t.Skip("helper process only")
	}
	cfg := jobs.Config{SQLitePath: os.Getenv("KEYWARD_JOBS_SQLITE"), PostgresURL: os.Getenv("KEYWARD_JOBS_POSTGRES")}
	q, w := mustOpen(t, cfg, true)
	ctx := context.Background()
	if err := q.Start(ctx); err != nil {
		t.Fatalf("helper Start: %v", err)
	}
	if _, err := q.Insert(ctx, testArgs{Name: os.Getenv("KEYWARD_JOBS_NAME")}, nil); err != nil {
		t.Fatalf("helper Insert: %v", err)
	}
	<-w.started
	time.Sleep(300 * time.Millisecond) // let the lease be written
	fmt.Println("HELPER: job running")
	time.Sleep(time.Minute)
	t.Fatalf("helper was not killed")
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, cfg := range []jobs.Config{
		{},
		{SQLitePath: "x.db", HeartbeatInterval: time.Second, LeaseTimeout: time.Second},
		{SQLitePath: "x.db", JobTimeout: time.Hour, RescueAfter: time.Minute},
	} {
		if _, err := jobs.Open(context.Background(), cfg); err == nil {
			t.Errorf("Open(%+v) succeeded, want an error", cfg)
		}
	}
}
