package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// sqliteBackend is a Queue on SQLite through database/sql.
type sqliteBackend struct {
	sqlExec
	db     *sql.DB
	client *river.Client[*sql.Tx]
}

func openSQLite(ctx context.Context, cfg Config, rc *river.Config) (_ *sqliteBackend, err error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+cfg.SQLitePath+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("jobs: open %s: %w", cfg.SQLitePath, err)
	}
	// River's SQLite driver asks for one connection: SQLite allows one
	// writer, and River's maintenance runs in parallel.
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("jobs: open %s: %w", cfg.SQLitePath, err)
	}
	drv := riversqlite.New(db)
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("jobs: river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("jobs: river migrate: %w", err)
	}
	b := &sqliteBackend{sqlExec: sqlExec{db}, db: db}
	if err := applyMigrations(ctx, db, SQLite, cfg.Migrations); err != nil {
		return nil, err
	}
	b.client, err = river.NewClient(drv, rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	return b, nil
}

func (b *sqliteBackend) inTx(ctx context.Context, fn func(Tx) error) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("jobs: begin: %w", err)
	}
	if err := fn(&sqliteTx{sqlExec: sqlExec{tx}, tx: tx, client: b.client}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("jobs: commit: %w", err)
	}
	return nil
}

func (b *sqliteBackend) insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	res, err := b.client.Insert(ctx, args, opts)
	if err != nil {
		return 0, fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return res.Job.ID, nil
}

func (b *sqliteBackend) start(ctx context.Context) error {
	return b.client.Start(context.WithoutCancel(ctx))
}

func (b *sqliteBackend) stop(ctx context.Context, cancel bool) error {
	if cancel {
		return b.client.StopAndCancel(ctx)
	}
	return b.client.Stop(ctx)
}

func (b *sqliteBackend) cancel(ctx context.Context, id int64) error {
	_, err := b.client.JobCancel(ctx, id)
	return err
}

func (b *sqliteBackend) close() { b.db.Close() }

type sqliteTx struct {
	sqlExec
	tx     *sql.Tx
	client *river.Client[*sql.Tx]
}

func (t *sqliteTx) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	res, err := t.client.InsertTx(ctx, t.tx, args, opts)
	if err != nil {
		return 0, fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return res.Job.ID, nil
}

// sqlQuerier is what *sql.DB and *sql.Tx share.
type sqlQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sqlExec is an Executor on database/sql.
type sqlExec struct{ q sqlQuerier }

func (e sqlExec) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := e.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (e sqlExec) QueryRow(ctx context.Context, query string, args ...any) Row {
	return sqlRow{e.q.QueryRowContext(ctx, query, args...)}
}

func (e sqlExec) QueryInt64s(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := e.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

type sqlRow struct{ r *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoRows
	}
	return err
}
