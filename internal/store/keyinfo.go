package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/credential"
)

// changesPerCall bounds the rows ChangesSince reads at once.
const changesPerCall = 1000

// LookupKey implements [credential.KeyService]. It is the verifier's hot
// path behind its cache: three indexed reads and one AES-GCM open per secret.
func (s *Store) LookupKey(ctx context.Context, key string) (*credential.KeyInfo, error) {
	if credential.ValidateKey(key) != nil {
		return nil, credential.Errorf(credential.ENOTFOUND, "Unknown key.")
	}
	db := s.d.ReadDB()
	var ki credential.KeyInfo
	var status, role string
	err := db.QueryRowContext(ctx,
		`SELECT c.id, c.api_key, c.owner_id, a.role, c.status FROM credentials c JOIN accounts a ON a.id = c.owner_id WHERE c.api_key = $1`,
		key).Scan(&ki.CredentialID, &ki.Key, &ki.OwnerID, &role, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credential.Errorf(credential.ENOTFOUND, "Unknown key.")
	} else if err != nil {
		return nil, fmt.Errorf("lookup key: %w", s.d.InterpretError(err))
	}
	ki.OwnerRole, ki.Status = credential.Role(role), credential.CredentialStatus(status)
	if ki.Groups, err = s.strings(ctx, db, "lookup key groups",
		`SELECT group_name FROM credential_groups WHERE credential_id = $1 ORDER BY group_name`, ki.CredentialID); err != nil {
		return nil, err
	}
	if ki.Status != credential.CredentialActive {
		return &ki, nil
	}
	now := ms(s.now())
	rows, err := db.QueryContext(ctx,
		`SELECT kid, sealed, expires_at FROM credential_secrets
		 WHERE credential_id = $1 AND retired_at = 0 AND (expires_at = 0 OR expires_at > $2)
		 ORDER BY id DESC`, ki.CredentialID, now)
	if err != nil {
		return nil, fmt.Errorf("lookup key secrets: %w", s.d.InterpretError(err))
	}
	defer rows.Close()
	for rows.Next() {
		var ks credential.KeySecret
		var sealed []byte
		var expires int64
		if err := rows.Scan(&ks.KID, &sealed, &expires); err != nil {
			return nil, fmt.Errorf("scan key secret: %w", err)
		}
		if ks.Secret, err = s.cfg.Sealer.Open(sealed, secretAAD(ki.CredentialID, ks.KID)); err != nil {
			return nil, fmt.Errorf("open secret %s of credential %d: %w", ks.KID, ki.CredentialID, err)
		}
		ks.NotAfter = fromMS(expires)
		ki.Secrets = append(ki.Secrets, ks)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lookup key secrets: %w", s.d.InterpretError(err))
	}
	return &ki, nil
}

// ChangesSince implements [credential.KeyService].
func (s *Store) ChangesSince(ctx context.Context, seq int64) ([]string, int64, error) {
	rows, err := s.d.ReadDB().QueryContext(ctx,
		`SELECT seq, api_key FROM credential_changes WHERE seq > $1 ORDER BY seq LIMIT $2`, seq, changesPerCall)
	if err != nil {
		return nil, seq, fmt.Errorf("read changes: %w", s.d.InterpretError(err))
	}
	defer rows.Close()
	newSeq := seq
	var keys []string
	for rows.Next() {
		var key string
		if err := rows.Scan(&newSeq, &key); err != nil {
			return nil, seq, fmt.Errorf("scan change: %w", err)
		}
		if !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, seq, fmt.Errorf("read changes: %w", s.d.InterpretError(err))
	}
	return keys, newSeq, nil
}

// LatestChange implements [credential.KeyService].
func (s *Store) LatestChange(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.d.ReadDB().QueryRowContext(ctx, `SELECT seq FROM change_counter WHERE id = 1`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read latest change: %w", s.d.InterpretError(err))
	}
	return seq, nil
}

// PruneChanges deletes change-feed rows older than before, keeping the
// counter. Pollers that fell further behind than that must reload their
// whole cache. It returns the number of rows deleted.
func (s *Store) PruneChanges(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, false, func(tx *txn) error {
		var err error
		n, err = tx.execCount(ctx, "prune changes", `DELETE FROM credential_changes WHERE changed_at < $1`, ms(before))
		return err
	})
	return n, err
}

// TouchLastUsed implements [credential.KeyService].
func (s *Store) TouchLastUsed(ctx context.Context, uses []credential.KeyUse) error {
	if len(uses) == 0 {
		return nil
	}
	latest := make(map[int64]time.Time, len(uses))
	for _, u := range uses {
		if u.At.After(latest[u.CredentialID]) {
			latest[u.CredentialID] = u.At
		}
	}
	ids := make([]int64, 0, len(latest))
	for id := range latest {
		ids = append(ids, id)
	}
	slices.Sort(ids) // a fixed lock order: concurrent batches cannot deadlock
	return s.write(ctx, false, func(tx *txn) error {
		for _, id := range ids {
			if err := tx.exec(ctx, "touch last used",
				`UPDATE credentials SET last_used_at = $1 WHERE id = $2 AND last_used_at < $1`, ms(latest[id]), id); err != nil {
				return err
			}
		}
		return nil
	})
}

// RecordUsage implements [credential.KeyService].
func (s *Store) RecordUsage(ctx context.Context, rows []credential.UsageRow) error {
	if len(rows) == 0 {
		return nil
	}
	type bucket struct {
		id     int64
		route  string
		status int
		minute int64
	}
	sums := map[bucket]int64{}
	for _, r := range rows {
		if r.Count <= 0 {
			continue
		}
		sums[bucket{r.CredentialID, r.Route, r.Status, ms(r.Minute.Truncate(time.Minute))}] += r.Count
	}
	keys := make([]bucket, 0, len(sums))
	for b := range sums {
		keys = append(keys, b)
	}
	slices.SortFunc(keys, func(a, b bucket) int {
		if c := a.id - b.id; c != 0 {
			return int(min(max(c, -1), 1))
		}
		if c := strings.Compare(a.route, b.route); c != 0 {
			return c
		}
		if a.status != b.status {
			return a.status - b.status
		}
		return int(min(max(a.minute-b.minute, -1), 1))
	})
	return s.write(ctx, false, func(tx *txn) error {
		for _, b := range keys {
			if err := tx.exec(ctx, "record usage",
				`INSERT INTO usage_counts (credential_id, route, status, minute, count) VALUES ($1, $2, $3, $4, $5)
				 ON CONFLICT (credential_id, route, status, minute) DO UPDATE SET count = usage_counts.count + excluded.count`,
				b.id, b.route, b.status, b.minute, sums[b]); err != nil {
				return err
			}
		}
		return nil
	})
}

// FindUsage implements [credential.KeyService].
func (s *Store) FindUsage(ctx context.Context, filter *credential.UsageFilter) ([]*credential.UsageRow, error) {
	db := s.d.ReadDB()
	p, err := s.resolve(ctx, db)
	if err != nil {
		return nil, err
	}
	var w where
	switch {
	case !p.admin:
		w.add("c.owner_id = ?", p.id)
	case filter.OwnerID != 0:
		w.add("c.owner_id = ?", filter.OwnerID)
	}
	if filter.CredentialID != 0 {
		w.add("u.credential_id = ?", filter.CredentialID)
	}
	if !filter.Since.IsZero() {
		w.add("u.minute >= ?", ms(filter.Since))
	}
	if !filter.Until.IsZero() {
		w.add("u.minute < ?", ms(filter.Until))
	}
	limit := filter.Limit
	if limit <= 0 {
		limit = 1000
	}
	limit = min(limit, 10000)
	// Usage of deleted credentials stays in the table; only admins, who
	// see everything, get it (LEFT JOIN without an owner condition).
	// The LIMIT placeholder is taken before w.args is read: Go leaves the
	// order of a call and a plain operand in one expression unspecified.
	lim := w.next(limit)
	return collect(ctx, s, db, "list usage", func(row interface{ Scan(...any) error }) (*credential.UsageRow, error) {
		var r credential.UsageRow
		var minute int64
		err := row.Scan(&r.CredentialID, &r.Route, &r.Status, &minute, &r.Count)
		r.Minute = fromMS(minute)
		return &r, err
	}, `SELECT u.credential_id, u.route, u.status, u.minute, u.count
		 FROM usage_counts u LEFT JOIN credentials c ON c.id = u.credential_id`+w.String()+
		` ORDER BY u.minute DESC, u.credential_id, u.route, u.status LIMIT `+lim, w.args...)
}
