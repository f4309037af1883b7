package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/seal"
)

// Compile-time checks that Store implements every service.
var (
	_ credential.AccountService      = (*Store)(nil)
	_ credential.GroupService        = (*Store)(nil)
	_ credential.RequestService      = (*Store)(nil)
	_ credential.CredentialService   = (*Store)(nil)
	_ credential.AuditService        = (*Store)(nil)
	_ credential.NotificationService = (*Store)(nil)
	_ credential.KeyService          = (*Store)(nil)
)

// Config configures a [Store].
type Config struct {
	// Sealer encrypts secrets at rest. Required.
	Sealer *seal.Sealer

	// Notifier sends notifications by email after their transaction
	// commits. Nil means in-app notifications only.
	Notifier credential.Notifier

	// Logger receives errors that happen after a commit (a failed email).
	// Nil discards them.
	Logger *slog.Logger

	// NowFunc returns the current time. Nil means time.Now. Tests set it to
	// control expiry.
	NowFunc func() time.Time

	// KeysChangedFunc, when set, is called after every commit that changed
	// what the door knows of some keys (the keys the change feed records:
	// revocation, rotation, retirement, group and role changes, deletion),
	// before the call that made the change returns. The door drops those
	// keys from its cache there, so that the change holds at once on this
	// node, and tells the other nodes. It must not call back into the
	// store's write methods.
	KeysChangedFunc func(ctx context.Context, keys []string)

	// RotationOverlap is how long the previous secret keeps working after a
	// rotation when the caller does not say. 0 means
	// [credential.DefaultRotationOverlap] (24 h).
	RotationOverlap time.Duration
}

func (c *Config) withDefaults() *Config {
	out := *c
	if out.Logger == nil {
		out.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if out.NowFunc == nil {
		out.NowFunc = time.Now
	}
	if out.RotationOverlap == 0 {
		out.RotationOverlap = credential.DefaultRotationOverlap
	}
	return &out
}

func (c *Config) validate() error {
	if c.Sealer == nil {
		return errors.New("store: Config.Sealer is required")
	}
	if c.RotationOverlap < 0 {
		return errors.New("store: Config.RotationOverlap must not be negative")
	}
	return nil
}

// Store implements the credential services over a [Driver]. It is safe for
// concurrent use.
type Store struct {
	d   Driver
	cfg *Config
}

// New returns a Store on d, whose migrations must have run (the dialects'
// Open does that). It checks that cfg.Sealer's master key is the one the
// database's secrets were sealed with, recording it on first use, so that a
// wrong key fails here rather than on every token. Closing the Store closes d.
func New(ctx context.Context, d Driver, cfg *Config) (*Store, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Store{d: d, cfg: cfg}
	if err := s.checkSealKey(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.d.Close() }

// Driver returns the store's driver, for health checks and tests.
func (s *Store) Driver() Driver { return s.d }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.d.ReadDB().PingContext(ctx) }

const sealCheckPlain = "keyward seal check v1"

var sealCheckAAD = []byte("store_meta:seal_check")

// checkSealKey compares the master key with the one recorded in the store.
func (s *Store) checkSealKey(ctx context.Context) error {
	sealed, err := s.cfg.Sealer.Seal([]byte(sealCheckPlain), sealCheckAAD)
	if err != nil {
		return fmt.Errorf("store: seal check: %w", err)
	}
	err = s.write(ctx, false, func(tx *txn) error {
		return tx.exec(ctx, "record seal check",
			`INSERT INTO store_meta (name, value) VALUES ('seal_check', $1) ON CONFLICT (name) DO NOTHING`, sealed)
	})
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	var stored []byte
	if err := s.d.ReadDB().QueryRowContext(ctx, `SELECT value FROM store_meta WHERE name = 'seal_check'`).Scan(&stored); err != nil {
		return fmt.Errorf("store: read seal check: %w", s.d.InterpretError(err))
	}
	plain, err := s.cfg.Sealer.Open(stored, sealCheckAAD)
	if err != nil || string(plain) != sealCheckPlain {
		return fmt.Errorf("store: the master key (id %s) is not the one this database's secrets were sealed with: %w", s.cfg.Sealer.KeyID(), err)
	}
	return nil
}

func (s *Store) now() time.Time { return s.cfg.NowFunc() }

// principal is a resolved actor.
type principal struct {
	id     int64
	admin  bool
	system bool
	remote string
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// resolve returns the actor of ctx as a principal, reading the account's
// current role so that a demotion takes effect at once.
func (s *Store) resolve(ctx context.Context, q querier) (*principal, error) {
	a := credential.ActorFromContext(ctx)
	if a == nil || a.Visitor() {
		return nil, credential.Errorf(credential.EUNAUTHORIZED, "You must be signed in.")
	}
	if a.System {
		return &principal{admin: true, system: true, remote: a.RemoteAddr}, nil
	}
	var role string
	err := q.QueryRowContext(ctx, `SELECT role FROM accounts WHERE id = $1`, a.AccountID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credential.Errorf(credential.EUNAUTHORIZED, "Your account no longer exists.")
	} else if err != nil {
		return nil, fmt.Errorf("resolve actor: %w", s.d.InterpretError(err))
	}
	return &principal{id: a.AccountID, admin: credential.Role(role) == credential.RoleAdmin, remote: a.RemoteAddr}, nil
}

func requireAdmin(p *principal) error {
	if !p.admin {
		return credential.Errorf(credential.EFORBIDDEN, "Only an admin may do this.")
	}
	return nil
}

// txn is a write transaction with its actor and its after-commit hooks.
type txn struct {
	tx    *sql.Tx
	s     *Store
	p     *principal
	now   time.Time
	after []func(context.Context)
	keys  []string // recorded on the change feed
}

// write runs fn in a write transaction. With withActor, the actor of ctx is
// resolved inside the transaction and must exist (tx.p). Hooks added with
// txn.onCommit run after a successful commit.
func (s *Store) write(ctx context.Context, withActor bool, fn func(tx *txn) error) error {
	sqlTx, err := s.d.BeginWrite(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", s.d.InterpretError(err))
	}
	t := &txn{tx: sqlTx, s: s, now: fromMS(ms(s.now()))}
	if withActor {
		if t.p, err = s.resolve(ctx, sqlTx); err != nil {
			sqlTx.Rollback()
			return err
		}
	}
	if err := fn(t); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", s.d.InterpretError(err))
	}
	if len(t.keys) > 0 && s.cfg.KeysChangedFunc != nil {
		s.cfg.KeysChangedFunc(ctx, t.keys)
	}
	for _, f := range t.after {
		f(ctx)
	}
	return nil
}

func (t *txn) onCommit(f func(context.Context)) { t.after = append(t.after, f) }

// exec runs a statement; step names it in the error.
func (t *txn) exec(ctx context.Context, step, query string, args ...any) error {
	if _, err := t.tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("%s: %w", step, t.s.d.InterpretError(err))
	}
	return nil
}

// execCount runs a statement and returns the number of rows it changed.
func (t *txn) execCount(ctx context.Context, step, query string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", step, t.s.d.InterpretError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("%s: rows affected: %w", step, err)
	}
	return n, nil
}

// insertID runs an INSERT … RETURNING id.
func (t *txn) insertID(ctx context.Context, step, query string, args ...any) (int64, error) {
	var id int64
	if err := t.tx.QueryRowContext(ctx, query, args...).Scan(&id); err != nil {
		return 0, fmt.Errorf("%s: %w", step, t.s.d.InterpretError(err))
	}
	return id, nil
}

// audit appends an entry to the audit log in this transaction.
func (t *txn) audit(ctx context.Context, action, kind, targetID string, detail any) error {
	if detail == nil {
		detail = struct{}{}
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit detail: %w", err)
	}
	var actorID int64
	var remote string
	if t.p != nil {
		actorID, remote = t.p.id, t.p.remote
	}
	return t.exec(ctx, "write audit entry",
		`INSERT INTO audit_log (actor_id, action, target_kind, target_id, detail, remote_addr, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		actorID, action, kind, targetID, string(b), remote, ms(t.now))
}

// changed appends keys to the change feed. The counter row stays locked
// until the transaction ends, so change numbers commit in order.
func (t *txn) changed(ctx context.Context, keys ...string) error {
	for _, key := range keys {
		var seq int64
		if err := t.tx.QueryRowContext(ctx,
			`UPDATE change_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&seq); err != nil {
			return fmt.Errorf("next change number: %w", t.s.d.InterpretError(err))
		}
		if err := t.exec(ctx, "record change",
			`INSERT INTO credential_changes (seq, api_key, changed_at) VALUES ($1, $2, $3)`, seq, key, ms(t.now)); err != nil {
			return err
		}
		t.keys = append(t.keys, key)
	}
	return nil
}

// ms converts t to Unix milliseconds; the zero time is 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts Unix milliseconds to a UTC time; 0 is the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// randomHex returns n random bytes, hex encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// ownedPage starts the conditions of a newest-first list of rows owned
// through ownerColumn: it resolves the caller, continues after cursor, and
// keeps a developer to their own rows while an admin sees every row, or
// those of owner when it is not 0.
func (s *Store) ownedPage(ctx context.Context, q querier, cursor, ownerColumn string, owner int64) (where, error) {
	var w where
	p, err := s.resolve(ctx, q)
	if err != nil {
		return w, err
	}
	before, err := cursorID(cursor)
	if err != nil {
		return w, err
	}
	w.add("id < ?", before)
	switch {
	case !p.admin:
		w.add(ownerColumn+" = ?", p.id)
	case owner != 0:
		w.add(ownerColumn+" = ?", owner)
	}
	return w, nil
}

// cursorID decodes a page cursor into the id below which the page starts.
func cursorID(cursor string) (int64, error) {
	if cursor == "" {
		return math.MaxInt64, nil
	}
	id, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil || id <= 0 {
		return 0, credential.Errorf(credential.EINVALID, "The page cursor is not valid.")
	}
	return id, nil
}

// nextCursor returns the cursor after lastID when the page was full.
func nextCursor(n, limit int, lastID int64) string {
	if n < limit {
		return ""
	}
	return strconv.FormatInt(lastID, 10)
}

// newestFirst reads one page of the rows that from (a SELECT … FROM
// without WHERE) and w select, highest id first, with the cursor of the next
// page ("" on the last).
func newestFirst[T any](ctx context.Context, s *Store, q querier, step, from string, w *where, limit int,
	scan func(interface{ Scan(...any) error }) (T, error), id func(T) int64) ([]T, string, error) {
	query := from + w.String() + ` ORDER BY id DESC LIMIT ` + w.next(limit)
	list, err := collect(ctx, s, q, step, scan, query, w.args...)
	if err != nil || len(list) == 0 {
		return list, "", err
	}
	return list, nextCursor(len(list), limit, id(list[len(list)-1])), nil
}

// where builds a WHERE clause with $N placeholders.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; "?" in cond stands for the next placeholder.
func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1))
}

// String returns " WHERE a AND b", or "" without conditions.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// next returns the next placeholder, for LIMIT and friends.
func (w *where) next(arg any) string {
	w.args = append(w.args, arg)
	return "$" + strconv.Itoa(len(w.args))
}
