// Package pgstore is the PostgreSQL dialect of package store, on pgx/v5
// through its database/sql driver.
//
// Several keyward nodes may share one database. Migrations take a
// PostgreSQL session lock, so nodes that start together migrate once; write
// transactions run at READ COMMITTED and lock the rows they change
// ([DB.ForUpdate]), and the change feed's counter row orders change numbers
// by commit.
package pgstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/migrate"
	"github.com/keyward/keyward/internal/store"
)

var _ store.Driver = (*DB)(nil)

// Config configures [Open].
type Config struct {
	// URL is the PostgreSQL connection string, such as
	// "postgres://user@host:5432/keyward?sslmode=disable". Required.
	URL string

	// MaxConns is the largest number of open connections. 0 means 10.
	MaxConns int

	// ConnMaxLifetime closes connections older than this. 0 means 30 min.
	ConnMaxLifetime time.Duration
}

// DB is an open PostgreSQL database. It implements [store.Driver].
type DB struct {
	db *sql.DB
}

// Open connects to cfg.URL and brings the schema up to date, each migration
// in a transaction, under a session lock.
func Open(ctx context.Context, cfg *Config) (*DB, error) {
	if cfg.URL == "" {
		return nil, errors.New("pgstore: Config.URL is required")
	}
	conns := cfg.MaxConns
	if conns == 0 {
		conns = 10
	}
	life := cfg.ConnMaxLifetime
	if life == 0 {
		life = 30 * time.Minute
	}
	sqlDB, err := sql.Open("pgx", cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	sqlDB.SetConnMaxLifetime(life)
	db := &DB{db: sqlDB}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("pgstore: connect: %w", err)
	}
	if err := db.Migrate(ctx, store.Migrations); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// Migrate implements [store.Driver] under a session lock.
func (db *DB) Migrate(ctx context.Context, sets ...migrate.Set) error {
	if err := migrate.Up(ctx, db.db, migrate.Postgres, sets...); err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	return nil
}

// Name implements [store.Driver].
func (db *DB) Name() string { return "postgres" }

// ReadDB implements [store.Driver].
func (db *DB) ReadDB() *sql.DB { return db.db }

// BeginWrite implements [store.Driver].
func (db *DB) BeginWrite(ctx context.Context) (*sql.Tx, error) { return db.db.BeginTx(ctx, nil) }

// ForUpdate implements [store.Driver].
func (db *DB) ForUpdate() string { return " FOR UPDATE" }

// Close implements [store.Driver].
func (db *DB) Close() error { return db.db.Close() }

// InterpretError implements [store.Driver].
func (db *DB) InterpretError(err error) error { return interpretError(err) }

// PostgreSQL error codes (SQLSTATE) that map to credential errors.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
	checkViolation      = "23514"
	notNullViolation    = "23502"
)

// interpretError translates PostgreSQL errors into credential errors.
func interpretError(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return &credential.Error{Code: credential.ENOTFOUND, Message: "Not found.", Err: err}
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch pgErr.Code {
		case uniqueViolation:
			return &credential.Error{Code: credential.ECONFLICT, Message: "It already exists.", Err: err}
		case foreignKeyViolation:
			return &credential.Error{Code: credential.ECONFLICT, Message: "It is still referred to, or refers to something that does not exist.", Err: err}
		case checkViolation, notNullViolation:
			return &credential.Error{Code: credential.EINVALID, Message: "A value is not allowed.", Err: err}
		}
	}
	return err
}
