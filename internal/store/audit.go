package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/keyward/keyward/internal/credential"
)

// FindAuditEntries implements [credential.AuditService].
func (s *Store) FindAuditEntries(ctx context.Context, filter *credential.AuditFilter) (*credential.AuditList, error) {
	db := s.d.ReadDB()
	w, err := s.ownedPage(ctx, db, filter.Cursor, "actor_id", filter.ActorID)
	if err != nil {
		return nil, err
	}
	if filter.Action != "" {
		w.add("action = ?", filter.Action)
	}
	if filter.TargetKind != "" {
		w.add("target_kind = ?", filter.TargetKind)
	}
	if filter.TargetID != "" {
		w.add("target_id = ?", filter.TargetID)
	}
	limit := filter.PageLimit()
	rows, err := db.QueryContext(ctx,
		`SELECT id, actor_id, action, target_kind, target_id, detail, remote_addr, created_at FROM audit_log`+
			w.String()+` ORDER BY id DESC LIMIT `+w.next(limit), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", s.d.InterpretError(err))
	}
	defer rows.Close()
	out := &credential.AuditList{Entries: []*credential.AuditEntry{}}
	for rows.Next() {
		var e credential.AuditEntry
		var detail string
		var created int64
		if err := rows.Scan(&e.ID, &e.ActorID, &e.Action, &e.TargetKind, &e.TargetID, &detail, &e.RemoteAddr, &created); err != nil {
			return nil, fmt.Errorf("scan audit entry: %w", err)
		}
		e.Detail, e.CreatedAt = json.RawMessage(detail), fromMS(created)
		out.Entries = append(out.Entries, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list audit entries: %w", s.d.InterpretError(err))
	}
	if n := len(out.Entries); n > 0 {
		out.NextCursor = nextCursor(n, limit, out.Entries[n-1].ID)
	}
	return out, nil
}

// RecordAudit implements [credential.AuditService].
func (s *Store) RecordAudit(ctx context.Context, action, targetKind, targetID string, detail any) error {
	if !slices.Contains(credential.RecordableActions, action) {
		return credential.Errorf(credential.EINVALID, "The action %q cannot be recorded by hand.", action)
	}
	return s.write(ctx, true, func(tx *txn) error {
		return tx.audit(ctx, action, targetKind, targetID, detail)
	})
}
