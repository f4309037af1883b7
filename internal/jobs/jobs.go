package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/keyward/keyward/internal/migrate"
)

// Defaults of [Config].
const (
	DefaultMaxWorkers        = 4
	DefaultMaxAttempts       = 5
	DefaultJobTimeout        = 15 * time.Minute
	DefaultHeartbeatInterval = 2 * time.Second
	DefaultLeaseTimeout      = 20 * time.Second
)

// ErrNoRows is returned by [Row.Scan] when a query matched nothing, on
// either database.
var ErrNoRows = errors.New("jobs: no rows")

// Dialect names the database under a [Queue].
type Dialect string

// Dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Row is one result row; Scan returns [ErrNoRows] when there was none.
type Row interface {
	Scan(dest ...any) error
}

// Executor runs SQL on the jobs database. Queries use $1, $2, … on both
// dialects; keep to types both drivers scan alike (TEXT into string,
// BIGINT into int64, DOUBLE PRECISION into float64).
type Executor interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	// QueryRow runs a query expected to return at most one row.
	QueryRow(ctx context.Context, sql string, args ...any) Row
	// QueryInt64s runs a query whose rows are one BIGINT each.
	QueryInt64s(ctx context.Context, sql string, args ...any) ([]int64, error)
}

// Tx is a transaction on the jobs database: statements and job inserts in
// it commit or roll back together.
type Tx interface {
	Executor
	// Insert enqueues a job in the transaction and returns River's job id.
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error)
}

// Config configures a [Queue].
type Config struct {
	// PostgresURL selects PostgreSQL (postgres://…). Empty selects SQLite
	// at SQLitePath.
	PostgresURL string
	// SQLitePath is the SQLite file of the queue; keyward uses DATA/jobs.db.
	SQLitePath string
	// Workers are the job kinds this node works. Nil makes an insert-only
	// queue.
	Workers *river.Workers
	// Migrations are the callers' schemas (e.g. the Encoding API's), applied
	// after River's migrations and the queue's own when the queue opens.
	// The set name "jobs" is the queue's.
	Migrations []migrate.Set
	// MaxWorkers is how many jobs this node works at once. Default
	// [DefaultMaxWorkers].
	MaxWorkers int
	// MaxAttempts is how many times a job is tried. Default
	// [DefaultMaxAttempts].
	MaxAttempts int
	// JobTimeout cancels a job's context after this long. Default
	// [DefaultJobTimeout].
	JobTimeout time.Duration
	// RescueAfter is when River's own rescuer retries a job still running
	// (a fallback behind the leases). Default JobTimeout + 1 minute.
	RescueAfter time.Duration
	// HeartbeatInterval is how often a running job's lease is renewed.
	// Default [DefaultHeartbeatInterval].
	HeartbeatInterval time.Duration
	// LeaseTimeout is how old a lease may get before its job is taken to be
	// orphaned and made available again. Default [DefaultLeaseTimeout];
	// must exceed 2 × HeartbeatInterval.
	LeaseTimeout time.Duration
	// RetryBase and RetryMax shape the backoff between attempts: RetryBase ×
	// 2^(attempt-1), at most RetryMax, ±10%. Defaults 1s and 1 minute.
	RetryBase, RetryMax time.Duration
	// PollInterval is how often idle workers look for jobs (SQLite has no
	// notifications; PostgreSQL is notified and polls only as a fallback).
	// Default 200ms on SQLite, 1s on PostgreSQL.
	PollInterval time.Duration
	// ID names this node; it must differ between live nodes. Default the
	// host name and a random suffix.
	ID string
	// Logger receives River's and the sweeper's logs. Default slog.Default().
	Logger *slog.Logger
	// NowFunc is the clock of the leases. Default time.Now.
	NowFunc func() time.Time
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.MaxWorkers == 0 {
		c.MaxWorkers = DefaultMaxWorkers
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.RescueAfter == 0 {
		c.RescueAfter = c.JobTimeout + time.Minute
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if c.LeaseTimeout == 0 {
		c.LeaseTimeout = DefaultLeaseTimeout
	}
	if c.RetryBase == 0 {
		c.RetryBase = time.Second
	}
	if c.RetryMax == 0 {
		c.RetryMax = time.Minute
	}
	if c.PollInterval == 0 {
		c.PollInterval = time.Second
		if c.PostgresURL == "" {
			c.PollInterval = 200 * time.Millisecond
		}
	}
	if c.ID == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		rand.Read(b)
		c.ID = fmt.Sprintf("%s-%s", host, hex.EncodeToString(b))
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.NowFunc == nil {
		c.NowFunc = time.Now
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.PostgresURL == "" && c.SQLitePath == "":
		return errors.New("jobs: PostgresURL or SQLitePath is required")
	case c.MaxWorkers < 1:
		return errors.New("jobs: MaxWorkers must be positive")
	case c.MaxAttempts < 1:
		return errors.New("jobs: MaxAttempts must be positive")
	case c.RescueAfter < c.JobTimeout:
		return errors.New("jobs: RescueAfter must be at least JobTimeout")
	case c.LeaseTimeout <= 2*c.HeartbeatInterval:
		return errors.New("jobs: LeaseTimeout must exceed twice HeartbeatInterval")
	}
	return nil
}

// backend is what each dialect provides.
type backend interface {
	Executor
	inTx(ctx context.Context, fn func(Tx) error) error
	insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error)
	start(ctx context.Context) error
	stop(ctx context.Context, cancel bool) error
	cancel(ctx context.Context, id int64) error
	close()
}

// Queue is the job queue of one node.
type Queue struct {
	cfg     Config
	dialect Dialect
	b       backend

	mu          sync.Mutex
	stopSweeper context.CancelFunc
	sweeperDone chan struct{}
	started     bool

	// holders are the goroutines holding the leases of jobs whose workers
	// returned until River records their end; holdStop tells them River
	// has stopped.
	holders  sync.WaitGroup
	holdStop chan struct{}
}

// Open opens the database, runs River's migrations and the callers', and
// builds the River client. It does not start working jobs: call
// [Queue.Start].
func Open(ctx context.Context, cfg Config) (*Queue, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	q := &Queue{cfg: cfg}
	rc := q.riverConfig()
	var err error
	if cfg.PostgresURL != "" {
		q.dialect = Postgres
		q.b, err = openPostgres(ctx, cfg, rc)
	} else {
		q.dialect = SQLite
		q.b, err = openSQLite(ctx, cfg, rc)
	}
	if err != nil {
		return nil, err
	}
	return q, nil
}

func (q *Queue) riverConfig() *river.Config {
	cfg := q.cfg
	rc := &river.Config{
		ID:                   cfg.ID,
		Logger:               cfg.Logger.With("component", "river"),
		MaxAttempts:          cfg.MaxAttempts,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		RetryPolicy:          &backoff{base: cfg.RetryBase, max: cfg.RetryMax},
		FetchPollInterval:    cfg.PollInterval,
		FetchCooldown:        min(50*time.Millisecond, cfg.PollInterval),
		PollOnly:             cfg.PostgresURL == "",
	}
	if cfg.Workers != nil {
		rc.Workers = cfg.Workers
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}}
		rc.Middleware = []rivertype.Middleware{&leaseMiddleware{q: q}}
	}
	return rc
}

// Dialect returns the database's dialect.
func (q *Queue) Dialect() Dialect { return q.dialect }

// NodeID returns this node's id.
func (q *Queue) NodeID() string { return q.cfg.ID }

// Exec runs a statement outside any transaction.
func (q *Queue) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	return q.b.Exec(ctx, sql, args...)
}

// QueryRow runs a query outside any transaction.
func (q *Queue) QueryRow(ctx context.Context, sql string, args ...any) Row {
	return q.b.QueryRow(ctx, sql, args...)
}

// QueryInt64s runs a query of one BIGINT column outside any transaction.
func (q *Queue) QueryInt64s(ctx context.Context, sql string, args ...any) ([]int64, error) {
	return q.b.QueryInt64s(ctx, sql, args...)
}

// InTx runs fn in a transaction, committed when fn returns nil. On SQLite
// the queue has one connection: fn must use only the Tx it is given.
func (q *Queue) InTx(ctx context.Context, fn func(Tx) error) error {
	return q.b.inTx(ctx, fn)
}

// Insert enqueues a job outside any transaction.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	return q.b.insert(ctx, args, opts)
}

// Cancel asks River to cancel the job: a job not yet running never runs;
// a running one has its context cancelled on PostgreSQL (on SQLite the
// worker must notice by itself).
func (q *Queue) Cancel(ctx context.Context, id int64) error { return q.b.cancel(ctx, id) }

// Start starts working jobs (when Config.Workers is set) and the lease
// sweeper. On SQLite it first makes every job a dead process left
// "running" available again.
func (q *Queue) Start(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		return errors.New("jobs: already started")
	}
	if q.cfg.Workers == nil {
		return errors.New("jobs: no workers configured")
	}
	if q.dialect == SQLite {
		n, err := q.rescue(ctx, sqlRunningJobs)
		if err != nil {
			return fmt.Errorf("jobs: rescue: %w", err)
		}
		if n > 0 {
			q.cfg.Logger.Info("jobs: made jobs of a previous process available again", "count", n)
		}
	}
	q.holdStop = make(chan struct{})
	if err := q.b.start(ctx); err != nil {
		return fmt.Errorf("jobs: start river: %w", err)
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	q.stopSweeper = cancel
	q.sweeperDone = make(chan struct{})
	go q.sweep(sctx)
	q.started = true
	return nil
}

// Stop stops fetching jobs and waits for running ones until ctx ends; then
// it cancels them (they are retried later, here or on another node).
func (q *Queue) Stop(ctx context.Context) error {
	return q.stop(ctx, false)
}

// StopAndCancel cancels running jobs at once and waits for their workers
// to return. The jobs are retried later.
func (q *Queue) StopAndCancel(ctx context.Context) error {
	return q.stop(ctx, true)
}

func (q *Queue) stop(ctx context.Context, cancel bool) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.started {
		return nil
	}
	q.started = false
	q.stopSweeper()
	<-q.sweeperDone
	err := q.b.stop(ctx, cancel)
	if err != nil && !cancel {
		// The graceful wait ran out: cancel what still runs.
		cctx, c := context.WithTimeout(context.Background(), 30*time.Second)
		defer c()
		err = errors.Join(err, q.b.stop(cctx, true))
	}
	close(q.holdStop)
	q.holders.Wait()
	return err
}

// Close closes the database. Stop the queue first.
func (q *Queue) Close() error {
	q.b.close()
	return nil
}

// backoff is the retry policy: base × 2^(attempt-1), capped, ±10%.
type backoff struct {
	base, max time.Duration
}

func (b *backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.base
	for i := 1; i < job.Attempt && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	var r [1]byte
	rand.Read(r[:])
	jitter := time.Duration(int64(d) / 10 * (int64(r[0]) - 128) / 128)
	return time.Now().Add(d + jitter)
}
