// Package sqlitestore is the SQLite dialect of package store, keyward's
// embedded default, on modernc.org/sqlite (pure Go, no cgo).
//
// # Durability
//
// The database runs in WAL mode with synchronous=FULL: every transaction is
// on disk when its commit returns, so neither kill -9 nor a power cut loses a
// credential that a caller was told exists. (NORMAL would survive kill -9 but
// could lose the last commits on power loss; credential writes are rare, so
// the fsync per commit costs nothing that matters. Usage counters and
// last-used times are written in batches for the same reason.)
//
// # Concurrency
//
// SQLite allows one writer at a time. Open keeps two pools: a writer pool of
// exactly one connection whose transactions start with BEGIN IMMEDIATE, so a
// write transaction takes the lock up front and never fails half-way with
// SQLITE_BUSY, and a read pool (query_only) whose readers run beside the
// writer thanks to WAL. busy_timeout covers other processes on the same file
// (a backup, the sqlite3 shell). An in-memory database (Path ":memory:")
// uses one connection for both.
//
// Foreign keys are enforced on every connection.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/migrate"
	"github.com/keyward/keyward/internal/store"
)

var _ store.Driver = (*DB)(nil)

// Config configures [Open].
type Config struct {
	// Path is the database file, created if missing, or ":memory:" for a
	// private in-memory database (tests). Required. It must not contain
	// '?'.
	Path string

	// BusyTimeout is how long a connection waits for another process's
	// lock before failing. 0 means 10 s.
	BusyTimeout time.Duration

	// MaxReadConns is the size of the read pool. 0 means 4.
	MaxReadConns int
}

// DB is an open SQLite database. It implements [store.Driver].
type DB struct {
	write, read *sql.DB
	path        string
}

// Open opens (creating if needed) the database at cfg.Path and brings its
// schema up to date, each migration in a transaction.
func Open(ctx context.Context, cfg *Config) (*DB, error) {
	if cfg.Path == "" {
		return nil, errors.New("sqlitestore: Config.Path is required")
	}
	if strings.ContainsRune(cfg.Path, '?') {
		return nil, fmt.Errorf("sqlitestore: path %q must not contain '?'", cfg.Path)
	}
	busy := cfg.BusyTimeout
	if busy == 0 {
		busy = 10 * time.Second
	}
	readers := cfg.MaxReadConns
	if readers == 0 {
		readers = 4
	}
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(busy.Milliseconds(), 10))
	q.Set("_foreign_keys", "1")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")

	wq := url.Values{}
	for k, v := range q {
		wq[k] = v
	}
	wq.Set("_txlock", "immediate")
	write, err := sql.Open("sqlite", cfg.Path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	db := &DB{write: write, read: write, path: cfg.Path}
	if cfg.Path != ":memory:" {
		q.Set("_query_only", "1")
		if db.read, err = sql.Open("sqlite", cfg.Path+"?"+q.Encode()); err != nil {
			write.Close()
			return nil, fmt.Errorf("sqlitestore: open read pool: %w", err)
		}
		db.read.SetMaxOpenConns(readers)
	}
	if err := db.Migrate(ctx, store.Migrations); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Migrate implements [store.Driver] on the writer connection.
func (db *DB) Migrate(ctx context.Context, sets ...migrate.Set) error {
	if err := migrate.Up(ctx, db.write, migrate.SQLite, sets...); err != nil {
		return fmt.Errorf("sqlitestore: %w", err)
	}
	return nil
}

// Name implements [store.Driver].
func (db *DB) Name() string { return "sqlite" }

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// ReadDB implements [store.Driver].
func (db *DB) ReadDB() *sql.DB { return db.read }

// BeginWrite implements [store.Driver]: BEGIN IMMEDIATE on the writer
// connection.
func (db *DB) BeginWrite(ctx context.Context) (*sql.Tx, error) { return db.write.BeginTx(ctx, nil) }

// ForUpdate implements [store.Driver]. SQLite has no row locks; the
// immediate write transaction already excludes other writers.
func (db *DB) ForUpdate() string { return "" }

// Checkpoint copies the WAL into the database file and truncates it, so the
// file alone is a complete copy (before a backup, say).
func (db *DB) Checkpoint(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("sqlitestore: checkpoint: %w", err)
	}
	return nil
}

// Close implements [store.Driver].
func (db *DB) Close() error {
	var err error
	if db.read != db.write {
		err = db.read.Close()
	}
	return errors.Join(err, db.write.Close())
}

// InterpretError implements [store.Driver].
func (db *DB) InterpretError(err error) error { return interpretError(err) }

// interpretError translates SQLite errors into credential errors.
func interpretError(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return &credential.Error{Code: credential.ENOTFOUND, Message: "Not found.", Err: err}
	}
	if se, ok := errors.AsType[*sqlite.Error](err); ok {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &credential.Error{Code: credential.ECONFLICT, Message: "It already exists.", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &credential.Error{Code: credential.ECONFLICT, Message: "It is still referred to, or refers to something that does not exist.", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return &credential.Error{Code: credential.EINVALID, Message: "A value is not allowed.", Err: err}
		}
	}
	return err
}
