package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// migrationLock is the advisory lock that serialises migrations of nodes
// starting together.
const migrationLock = 0x6b65797761726431 // "keyward1"

// pgBackend is a Queue on PostgreSQL through a pgx pool.
type pgBackend struct {
	pgExec
	pool   *pgxpool.Pool
	client *river.Client[pgx.Tx]
}

func openPostgres(ctx context.Context, cfg Config, rc *river.Config) (_ *pgBackend, err error) {
	pool, err := pgxpool.New(ctx, cfg.PostgresURL)
	if err != nil {
		return nil, fmt.Errorf("jobs: open postgres: %w", err)
	}
	defer func() {
		if err != nil {
			pool.Close()
		}
	}()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: open postgres: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLock)); err != nil {
		return nil, fmt.Errorf("jobs: migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLock))
	drv := riverpgxv5.New(pool)
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("jobs: river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("jobs: river migrate: %w", err)
	}
	b := &pgBackend{pgExec: pgExec{pool}, pool: pool}
	sqlDB := stdlib.OpenDBFromPool(pool)
	err = applyMigrations(ctx, sqlDB, Postgres, cfg.Migrations)
	sqlDB.Close()
	if err != nil {
		return nil, err
	}
	b.client, err = river.NewClient(drv, rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	return b, nil
}

func (b *pgBackend) inTx(ctx context.Context, fn func(Tx) error) error {
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("jobs: begin: %w", err)
	}
	if err := fn(&pgTx{pgExec: pgExec{tx}, tx: tx, client: b.client}); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("jobs: commit: %w", err)
	}
	return nil
}

func (b *pgBackend) insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	res, err := b.client.Insert(ctx, args, opts)
	if err != nil {
		return 0, fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return res.Job.ID, nil
}

func (b *pgBackend) start(ctx context.Context) error {
	return b.client.Start(context.WithoutCancel(ctx))
}

func (b *pgBackend) stop(ctx context.Context, cancel bool) error {
	if cancel {
		return b.client.StopAndCancel(ctx)
	}
	return b.client.Stop(ctx)
}

func (b *pgBackend) cancel(ctx context.Context, id int64) error {
	_, err := b.client.JobCancel(ctx, id)
	return err
}

func (b *pgBackend) close() { b.pool.Close() }

type pgTx struct {
	pgExec
	tx     pgx.Tx
	client *river.Client[pgx.Tx]
}

func (t *pgTx) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	res, err := t.client.InsertTx(ctx, t.tx, args, opts)
	if err != nil {
		return 0, fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return res.Job.ID, nil
}

// pgQuerier is what *pgxpool.Pool and pgx.Tx share.
type pgQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// pgExec is an Executor on pgx.
type pgExec struct{ q pgQuerier }

func (e pgExec) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := e.q.Exec(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (e pgExec) QueryRow(ctx context.Context, sql string, args ...any) Row {
	return pgRow{e.q.QueryRow(ctx, sql, args...)}
}

func (e pgExec) QueryInt64s(ctx context.Context, sql string, args ...any) ([]int64, error) {
	rows, err := e.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

type pgRow struct{ r pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNoRows
	}
	return err
}
