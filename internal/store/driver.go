package store

import (
	"context"
	"database/sql"

	"github.com/keyward/keyward/internal/migrate"
)

// Driver is one SQL dialect under the [Store]. Implementations: sqlitestore
// and pgstore. The schema is the dialect's own (its migrations); the queries
// are the store's, written once with $N placeholders.
//
// API is not stable. DO NOT IMPLEMENT outside keyward.
type Driver interface {
	// Name returns the dialect's name: "sqlite" or "postgres".
	Name() string

	// ReadDB returns the pool used for reads outside write transactions.
	ReadDB() *sql.DB

	// BeginWrite starts a read-write transaction. On SQLite it takes the
	// write lock at once (BEGIN IMMEDIATE on the single writer connection),
	// so a transaction never fails half-way with SQLITE_BUSY.
	BeginWrite(ctx context.Context) (*sql.Tx, error)

	// ForUpdate returns the clause that locks the rows a SELECT reads until
	// the transaction ends (" FOR UPDATE"), or "" where the write lock is
	// already exclusive.
	ForUpdate() string

	// InterpretError translates a driver error into a *credential.Error
	// where one applies — sql.ErrNoRows to ENOTFOUND, a unique violation to
	// ECONFLICT, a foreign key violation to ECONFLICT — keeping the driver
	// error as the cause, and returns any other error unchanged.
	InterpretError(err error) error

	// Migrate applies the pending migrations of other parts' schemas kept
	// in this database (the store's own are applied when it opens).
	Migrate(ctx context.Context, sets ...migrate.Set) error

	// Close closes the database.
	Close() error
}
