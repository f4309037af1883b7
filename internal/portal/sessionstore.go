package portal

import (
	"context"
	"database/sql"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/migrate"
)

// SessionDB is the database a [SQLSessionStore] keeps sessions in. The
// store's dialects (store.Driver: sqlitestore.DB, pgstore.DB) implement it,
// so sessions live beside the credentials and every node sees them.
type SessionDB interface {
	// ReadDB returns the pool used for reads.
	ReadDB() *sql.DB
	// BeginWrite starts a read-write transaction.
	BeginWrite(ctx context.Context) (*sql.Tx, error)
	// Migrate applies a schema's pending migrations.
	Migrate(ctx context.Context, sets ...migrate.Set) error
}

//go:embed migration
var migrationFS embed.FS

// Migrations is the schema of the session store: the table
// portal_sessions. [NewSQLSessionStore] applies it.
var Migrations = migrate.Set{Name: "portal", FS: migrationFS}

// SQLSessionStore is an scs session store on the credential database, in
// the table portal_sessions ([Migrations]). One SQL text serves SQLite and
// PostgreSQL. The session manager hashes tokens before they reach it,
// so the table holds no usable session token; the data it holds never
// includes a secret in the clear (see [Config.Sealer]).
type SQLSessionStore struct {
	db  SessionDB
	now func() time.Time

	mu        sync.Mutex
	lastSweep time.Time
}

// sessionSweepInterval is how often a commit also deletes expired
// sessions.
const sessionSweepInterval = 5 * time.Minute

// NewSQLSessionStore returns a session store on db, bringing its table up
// to date ([Migrations]).
func NewSQLSessionStore(ctx context.Context, db SessionDB) (*SQLSessionStore, error) {
	if err := db.Migrate(ctx, Migrations); err != nil {
		return nil, fmt.Errorf("portal: session store: %w", err)
	}
	return &SQLSessionStore{db: db, now: time.Now}, nil
}

func (s *SQLSessionStore) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginWrite(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// FindCtx implements scs.CtxStore.
func (s *SQLSessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var data string
	err := s.db.ReadDB().QueryRowContext(ctx,
		`SELECT data FROM portal_sessions WHERE token = $1 AND expiry > $2`, token, s.now().UnixMilli()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("portal: find session: %w", err)
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, false, nil
	}
	return b, true, nil
}

// CommitCtx implements scs.CtxStore. Every few minutes it also deletes
// expired sessions.
func (s *SQLSessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	now := s.now()
	s.mu.Lock()
	sweep := now.Sub(s.lastSweep) > sessionSweepInterval
	if sweep {
		s.lastSweep = now
	}
	s.mu.Unlock()
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO portal_sessions (token, data, expiry) VALUES ($1, $2, $3)
			 ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
			token, base64.StdEncoding.EncodeToString(b), expiry.UnixMilli()); err != nil {
			return err
		}
		if sweep {
			_, err := tx.ExecContext(ctx, `DELETE FROM portal_sessions WHERE expiry <= $1`, now.UnixMilli())
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("portal: commit session: %w", err)
	}
	return nil
}

// DeleteCtx implements scs.CtxStore.
func (s *SQLSessionStore) DeleteCtx(ctx context.Context, token string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM portal_sessions WHERE token = $1`, token)
		return err
	})
	if err != nil {
		return fmt.Errorf("portal: delete session: %w", err)
	}
	return nil
}

// Find implements scs.Store.
func (s *SQLSessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (s *SQLSessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store.
func (s *SQLSessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}
