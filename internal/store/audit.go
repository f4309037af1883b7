package store

import (
	"context"
	"encoding/json"
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
	list, next, err := newestFirst(ctx, s, db, "list audit entries",
		`SELECT id, actor_id, action, target_kind, target_id, detail, remote_addr, created_at FROM audit_log`, &w, filter.PageLimit(),
		scanAuditEntry, func(e *credential.AuditEntry) int64 { return e.ID })
	if err != nil {
		return nil, err
	}
	return &credential.AuditList{Entries: list, NextCursor: next}, nil
}

func scanAuditEntry(row interface{ Scan(...any) error }) (*credential.AuditEntry, error) {
	var e credential.AuditEntry
	var detail string
	var created int64
	err := row.Scan(&e.ID, &e.ActorID, &e.Action, &e.TargetKind, &e.TargetID, &detail, &e.RemoteAddr, &created)
	e.Detail, e.CreatedAt = json.RawMessage(detail), fromMS(created)
	return &e, err
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
