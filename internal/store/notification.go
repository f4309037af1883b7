package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/keyward/keyward/internal/credential"
)

const notificationColumns = `id, account_id, kind, subject, body, target_kind, target_id, read_at, created_at`

func scanNotification(row interface{ Scan(...any) error }) (*credential.Notification, error) {
	var n credential.Notification
	var read, created int64
	if err := row.Scan(&n.ID, &n.AccountID, &n.Kind, &n.Subject, &n.Body, &n.TargetKind, &n.TargetID, &read, &created); err != nil {
		return nil, err
	}
	n.ReadAt, n.CreatedAt = fromMS(read), fromMS(created)
	return &n, nil
}

// notify stores n for to in this transaction and, after the commit, hands it
// to the Notifier. A Notifier error is logged: the notification is in the
// portal either way.
func (tx *txn) notify(ctx context.Context, to *credential.Account, n *credential.Notification) error {
	n.AccountID, n.CreatedAt = to.ID, tx.now
	id, err := tx.insertID(ctx, "insert notification",
		`INSERT INTO notifications (account_id, kind, subject, body, target_kind, target_id, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		n.AccountID, n.Kind, n.Subject, n.Body, n.TargetKind, n.TargetID, ms(tx.now))
	if err != nil {
		return err
	}
	n.ID = id
	if notifier := tx.s.cfg.Notifier; notifier != nil {
		tx.onCommit(func(ctx context.Context) {
			if err := notifier.Notify(context.WithoutCancel(ctx), to, n); err != nil {
				tx.s.cfg.Logger.ErrorContext(ctx, "store: notify", "notification", n.ID, "kind", n.Kind, "account", to.ID, "err", err)
			}
		})
	}
	return nil
}

// FindNotifications implements [credential.NotificationService].
func (s *Store) FindNotifications(ctx context.Context, filter *credential.NotificationFilter) (*credential.NotificationList, error) {
	db := s.d.ReadDB()
	p, err := s.resolve(ctx, db)
	if err != nil {
		return nil, err
	}
	before, err := cursorID(filter.Cursor)
	if err != nil {
		return nil, err
	}
	var w where
	w.add("account_id = ?", p.id)
	w.add("id < ?", before)
	if filter.UnreadOnly {
		w.add("read_at = ?", 0)
	}
	list, next, err := newestFirst(ctx, s, db, "list notifications", `SELECT `+notificationColumns+` FROM notifications`, &w, filter.PageLimit(),
		scanNotification, func(n *credential.Notification) int64 { return n.ID })
	if err != nil {
		return nil, err
	}
	out := &credential.NotificationList{Notifications: list, NextCursor: next}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND read_at = 0`, p.id).Scan(&out.Unread); err != nil {
		return nil, fmt.Errorf("count unread notifications: %w", s.d.InterpretError(err))
	}
	return out, nil
}

// MarkNotificationRead implements [credential.NotificationService].
func (s *Store) MarkNotificationRead(ctx context.Context, id int64) error {
	return s.write(ctx, true, func(tx *txn) error {
		var owner int64
		err := tx.tx.QueryRowContext(ctx, `SELECT account_id FROM notifications WHERE id = $1`, id).Scan(&owner)
		notFound := credential.Errorf(credential.ENOTFOUND, "Notification %d not found.", id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return notFound
		case err != nil:
			return fmt.Errorf("find notification: %w", s.d.InterpretError(err))
		case owner == tx.p.id:
		case tx.p.admin:
			return credential.Errorf(credential.EFORBIDDEN, "Notification %d is not yours.", id)
		default:
			// A developer cannot tell another account's notification
			// from one that does not exist.
			return notFound
		}
		return tx.exec(ctx, "mark notification read",
			`UPDATE notifications SET read_at = $1 WHERE id = $2 AND read_at = 0`, ms(tx.now), id)
	})
}
