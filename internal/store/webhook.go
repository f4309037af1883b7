package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/room"
)

var _ room.Outbox = (*Store)(nil)

// lockRoom reads the room of id and, on PostgreSQL, locks its row until
// the transaction ends: every transaction that writes a room's webhook
// events holds it, so a room's events take their seq in commit order.
func (s *Store) lockRoom(ctx context.Context, tx *txn, id string) (*room.Room, error) {
	r, err := scanRoom(tx.tx.QueryRowContext(ctx, `SELECT `+roomColumns+` FROM rooms WHERE id = $1`+s.d.ForUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, room.ErrRoomNotFound
	} else if err != nil {
		return nil, fmt.Errorf("lock room: %w", s.d.InterpretError(err))
	}
	return r, nil
}

// sessionState is a session row with whether its started event was written.
type sessionState struct {
	room.Session
	announced bool
}

// lockSession reads session id and locks its room (see lockRoom).
func (s *Store) lockSession(ctx context.Context, tx *txn, id string) (*room.Room, *sessionState, error) {
	var ss sessionState
	var started, ended int64
	err := tx.tx.QueryRowContext(ctx, `SELECT `+sessionColumns+`, announced FROM room_sessions WHERE id = $1`, id).
		Scan(&ss.ID, &ss.RoomID, &started, &ended, &ss.EndReason, &ss.Peers, &ss.announced)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, room.ErrNotActive
	} else if err != nil {
		return nil, nil, fmt.Errorf("read session: %w", s.d.InterpretError(err))
	}
	ss.StartedAt, ss.EndedAt = fromMS(started), fromMS(ended)
	r, err := s.lockRoom(ctx, tx, ss.RoomID)
	if err != nil {
		return nil, nil, err
	}
	return r, &ss, nil
}

// present counts the peers in the session now, in the transaction.
func present(ctx context.Context, tx *txn, sessionID string) (int, error) {
	var n int
	if err := tx.tx.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM room_peers WHERE session_id = $1 AND left_at = 0`, sessionID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count peers: %w", tx.s.d.InterpretError(err))
	}
	return n, nil
}

// emit writes f to the outbox when f.Room's webhook wants it, and reports
// whether it did. subject ties a track's two events together.
func emit(ctx context.Context, tx *txn, f *room.EventFacts, subject string) (bool, error) {
	if !f.Room.Webhook.Wants(f.Type) {
		return false, nil
	}
	f.ID = room.NewEventID()
	f.At = fromMS(ms(f.At))
	body, err := f.Render()
	if err != nil {
		return false, err
	}
	if err := tx.exec(ctx, "write webhook event",
		`INSERT INTO webhook_events (id, room_id, account_id, type, name, subject, url, body, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		f.ID, f.Room.ID, f.Room.AccountID, f.Type, room.EventName(f.Room.Vendor, f.Type), subject, f.Room.Webhook.URL,
		string(body), ms(f.At)); err != nil {
		return false, err
	}
	return true, nil
}

// RecordTrack implements [room.Outbox].
func (s *Store) RecordTrack(ctx context.Context, p *room.TrackEvent) error {
	return s.write(ctx, false, func(tx *txn) error {
		r, err := s.lockRoom(ctx, tx, p.RoomID)
		if errors.Is(err, room.ErrRoomNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		typ := room.EventTrackPublished
		if !p.Published {
			typ = room.EventTrackUnpublished
		}
		if !r.Webhook.Wants(typ) {
			return nil
		}
		// The peer's latest stay in the room: a track belongs to it.
		var peer room.PeerRecord
		var ss room.Session
		var joined, left, started, ended int64
		err = tx.tx.QueryRowContext(ctx,
			`SELECT p.peer_id, p.identity, p.role, p.credential_id, p.joined_at, p.left_at, p.reason,
			        s.id, s.started_at, s.ended_at, s.end_reason, s.peers
			 FROM room_peers p JOIN room_sessions s ON s.id = p.session_id
			 WHERE s.room_id = $1 AND p.peer_id = $2 ORDER BY p.seq DESC LIMIT 1`, r.ID, p.PeerID).
			Scan(&peer.PeerID, &peer.Identity, &peer.Role, &peer.CredentialID, &joined, &left, &peer.Reason,
				&ss.ID, &started, &ended, &ss.EndReason, &ss.Peers)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("record track: find peer: %w", s.d.InterpretError(err))
		}
		peer.SessionID, ss.RoomID = ss.ID, r.ID
		peer.JoinedAt, peer.LeftAt = fromMS(joined), fromMS(left)
		ss.StartedAt, ss.EndedAt = fromMS(started), fromMS(ended)
		subject := p.PeerID + "/" + p.TrackID
		var published, unpublished int
		if err := tx.tx.QueryRowContext(ctx,
			`SELECT COALESCE(SUM(CASE WHEN type = $3 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN type = $4 THEN 1 ELSE 0 END), 0)
			 FROM webhook_events WHERE room_id = $1 AND subject = $2`,
			r.ID, subject, room.EventTrackPublished, room.EventTrackUnpublished).Scan(&published, &unpublished); err != nil {
			return fmt.Errorf("record track: pair: %w", s.d.InterpretError(err))
		}
		switch {
		case p.Published && (published > 0 || !ss.Live() || !peer.LeftAt.IsZero()):
			return nil // said already, or the peer is not in a live session
		case !p.Published && (published == 0 || unpublished > 0):
			return nil // never an unpublished without its published
		}
		n, err := present(ctx, tx, ss.ID)
		if err != nil {
			return err
		}
		track := *p
		_, err = emit(ctx, tx, &room.EventFacts{Type: typ, At: p.At, Room: r, Session: ss, Peer: &peer, Track: &track, Present: n}, subject)
		return err
	})
}

const webhookColumns = `seq, id, room_id, account_id, type, name, url, body, created_at, state, attempts, finished_at, last_error`

func scanWebhook(row interface{ Scan(...any) error }) (*room.WebhookEvent, error) {
	var e room.WebhookEvent
	var body string
	var created, finished int64
	if err := row.Scan(&e.Seq, &e.ID, &e.RoomID, &e.AccountID, &e.Type, &e.Name, &e.URL, &body, &created,
		&e.State, &e.Attempts, &finished, &e.LastError); err != nil {
		return nil, err
	}
	e.Body = []byte(body)
	e.CreatedAt, e.FinishedAt = fromMS(created), fromMS(finished)
	return &e, nil
}

func (s *Store) webhooks(ctx context.Context, step, where string, args ...any) ([]*room.WebhookEvent, error) {
	return collect(ctx, s, s.d.ReadDB(), step, scanWebhook, `SELECT `+webhookColumns+` FROM webhook_events `+where, args...)
}

// UnrelayedWebhooks implements [room.Outbox].
func (s *Store) UnrelayedWebhooks(ctx context.Context, limit int) ([]*room.WebhookEvent, error) {
	return s.webhooks(ctx, "list unrelayed webhooks", `WHERE relayed_at = 0 ORDER BY seq LIMIT $1`, max(limit, 1))
}

// MarkWebhooksRelayed implements [room.Outbox].
func (s *Store) MarkWebhooksRelayed(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	marks := make([]string, len(ids))
	args := []any{ms(at)}
	for i, id := range ids {
		marks[i] = fmt.Sprintf("$%d", i+2)
		args = append(args, id)
	}
	return s.write(ctx, false, func(tx *txn) error {
		return tx.exec(ctx, "mark webhooks relayed",
			`UPDATE webhook_events SET relayed_at = $1 WHERE relayed_at = 0 AND id IN (`+strings.Join(marks, ", ")+`)`, args...)
	})
}

// RequeueWebhooks implements [room.Outbox].
func (s *Store) RequeueWebhooks(ctx context.Context, relayedBefore time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, false, func(tx *txn) error {
		var err error
		n, err = tx.execCount(ctx, "requeue webhook events",
			`UPDATE webhook_events SET relayed_at = 0 WHERE state = $1 AND relayed_at > 0 AND relayed_at < $2`,
			room.WebhookPending, ms(relayedBefore))
		return err
	})
	return n, err
}

// WebhookEvent implements [room.Outbox].
func (s *Store) WebhookEvent(ctx context.Context, id string) (*room.WebhookEvent, error) {
	e, err := scanWebhook(s.d.ReadDB().QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhook_events WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, room.ErrWebhookNotFound
	} else if err != nil {
		return nil, fmt.Errorf("read webhook event: %w", s.d.InterpretError(err))
	}
	return e, nil
}

// WebhookWaits implements [room.Outbox].
func (s *Store) WebhookWaits(ctx context.Context, e *room.WebhookEvent) (int, error) {
	var n int
	if err := s.d.ReadDB().QueryRowContext(ctx,
		`SELECT COUNT(*) FROM webhook_events WHERE room_id = $1 AND state = $2 AND seq < $3`,
		e.RoomID, room.WebhookPending, e.Seq).Scan(&n); err != nil {
		return 0, fmt.Errorf("webhook order: %w", s.d.InterpretError(err))
	}
	return n, nil
}

// FinishWebhookAttempt implements [room.Outbox].
func (s *Store) FinishWebhookAttempt(ctx context.Context, p *room.WebhookAttempt) error {
	var finished int64
	switch p.State {
	case room.WebhookPending:
	case room.WebhookDelivered, room.WebhookFailed:
		finished = ms(p.At)
	default:
		return room.Errorf(room.CodeInvalid, "unknown webhook state "+p.State)
	}
	msg := p.Error
	if len(msg) > 1024 {
		msg = msg[:1024]
	}
	return s.write(ctx, false, func(tx *txn) error {
		n, err := tx.execCount(ctx, "finish webhook attempt",
			`UPDATE webhook_events SET state = $1, attempts = attempts + 1, finished_at = $2, last_error = $3
			 WHERE id = $4 AND state = $5`, p.State, finished, msg, p.ID, room.WebhookPending)
		if err != nil {
			return err
		}
		if n == 0 {
			return room.ErrWebhookNotFound
		}
		return nil
	})
}

// WebhookEvents implements [room.Outbox].
func (s *Store) WebhookEvents(ctx context.Context, roomID string, limit int) ([]*room.WebhookEvent, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	return s.webhooks(ctx, "list webhook events", `WHERE room_id = $1 ORDER BY seq DESC LIMIT $2`, roomID, limit)
}

// PruneWebhooks implements [room.Outbox].
func (s *Store) PruneWebhooks(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, false, func(tx *txn) error {
		var err error
		n, err = tx.execCount(ctx, "prune webhook events",
			`DELETE FROM webhook_events WHERE state <> $1 AND finished_at > 0 AND finished_at < $2`, room.WebhookPending, ms(before))
		return err
	})
	return n, err
}
