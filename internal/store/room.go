package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"time"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/room"
)

var _ room.Store = (*Store)(nil)

const roomColumns = `id, account_id, name, custom_room_id, description, enabled, max_peers, template, webhook, vendor, created_at, updated_at`

func scanRoom(row interface{ Scan(...any) error }) (*room.Room, error) {
	var r room.Room
	var tmpl, hook, vendor string
	var created, updated int64
	if err := row.Scan(&r.ID, &r.AccountID, &r.Name, &r.CustomRoomID, &r.Description, &r.Enabled, &r.MaxPeers,
		&tmpl, &hook, &vendor, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(tmpl), &r.Template); err != nil {
		return nil, fmt.Errorf("room %s: template: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(hook), &r.Webhook); err != nil {
		return nil, fmt.Errorf("room %s: webhook: %w", r.ID, err)
	}
	r.Vendor = room.Vendor(vendor)
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return &r, nil
}

// roomError turns the driver's conflict into the rooms API's.
func roomError(step string, err error) error {
	if credential.ErrorCode(err) == credential.ECONFLICT {
		return &room.Error{Code: room.CodeConflict, Message: "another room of the account has that name or customRoomId", Err: err}
	}
	return fmt.Errorf("%s: %w", step, err)
}

// CreateRoom implements [room.Store].
func (s *Store) CreateRoom(ctx context.Context, p *room.CreateRoomParams) (*room.Room, bool, error) {
	if err := p.Normalize(); err != nil {
		return nil, false, err
	}
	r := p.Room
	r.ID = room.NewID()
	r.CreatedAt, r.UpdatedAt = fromMS(ms(p.Now)), fromMS(ms(p.Now))
	tmpl, err := json.Marshal(r.Template)
	if err != nil {
		return nil, false, fmt.Errorf("create room: template: %w", err)
	}
	hook, err := json.Marshal(r.Webhook)
	if err != nil {
		return nil, false, fmt.Errorf("create room: webhook: %w", err)
	}
	var out *room.Room
	created := false
	err = s.write(ctx, false, func(tx *txn) error {
		existing, err := scanRoom(tx.tx.QueryRowContext(ctx,
			`SELECT `+roomColumns+` FROM rooms WHERE account_id = $1 AND name = $2`, r.AccountID, r.Name))
		if err == nil {
			out = existing
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("create room: find by name: %w", s.d.InterpretError(err))
		}
		if err := tx.exec(ctx, "create room",
			`INSERT INTO rooms (id, account_id, name, custom_room_id, description, enabled, max_peers, template, webhook, vendor, created_at, updated_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
			r.ID, r.AccountID, r.Name, r.CustomRoomID, r.Description, r.Enabled, r.MaxPeers, string(tmpl), string(hook), string(r.Vendor), ms(p.Now)); err != nil {
			return roomError("create room", err)
		}
		out, created = &r, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// Room implements [room.Store].
func (s *Store) Room(ctx context.Context, accountID int64, ref string) (*room.Room, error) {
	return s.room(ctx, s.d.ReadDB(), accountID, ref)
}

func (s *Store) room(ctx context.Context, q querier, accountID int64, ref string) (*room.Room, error) {
	if ref == "" {
		return nil, room.ErrRoomNotFound
	}
	query := `SELECT ` + roomColumns + ` FROM rooms WHERE account_id = $1 AND custom_room_id = $2`
	if room.IsID(ref) {
		query = `SELECT ` + roomColumns + ` FROM rooms WHERE account_id = $1 AND (id = $2 OR custom_room_id = $2) ORDER BY id = $2 DESC LIMIT 1`
	}
	r, err := scanRoom(q.QueryRowContext(ctx, query, accountID, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, room.ErrRoomNotFound
	} else if err != nil {
		return nil, fmt.Errorf("find room: %w", s.d.InterpretError(err))
	}
	return r, nil
}

// ListRooms implements [room.Store].
func (s *Store) ListRooms(ctx context.Context, p *room.ListRoomsParams) (*room.RoomPage, error) {
	if err := p.Normalize(); err != nil {
		return nil, err
	}
	var w where
	w.add("account_id = ?", p.AccountID)
	if p.After != "" {
		w.add("seq < (SELECT seq FROM rooms WHERE id = ?)", p.After)
	}
	if p.Name != "" {
		w.add("name = ?", p.Name)
	}
	if p.Enabled != nil {
		w.add("enabled = ?", *p.Enabled)
	}
	lim := w.next(p.Limit) // before w.args is read (see FindUsage)
	rows, err := s.d.ReadDB().QueryContext(ctx,
		`SELECT `+roomColumns+` FROM rooms`+w.String()+` ORDER BY seq DESC LIMIT `+lim, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", s.d.InterpretError(err))
	}
	defer rows.Close()
	page := &room.RoomPage{}
	for rows.Next() {
		r, err := scanRoom(rows)
		if err != nil {
			return nil, fmt.Errorf("list rooms: %w", err)
		}
		page.Rooms = append(page.Rooms, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list rooms: %w", s.d.InterpretError(err))
	}
	if len(page.Rooms) == p.Limit {
		page.Next = page.Rooms[len(page.Rooms)-1].ID
	}
	return page, nil
}

// UpdateRoom implements [room.Store].
func (s *Store) UpdateRoom(ctx context.Context, p *room.UpdateRoomParams) (*room.Room, error) {
	var out *room.Room
	err := s.write(ctx, false, func(tx *txn) error {
		r, err := s.room(ctx, tx.tx, p.AccountID, p.Ref)
		if err != nil {
			return err
		}
		if err := p.Apply(r); err != nil {
			return err
		}
		r.UpdatedAt = fromMS(ms(p.Now))
		tmpl, err := json.Marshal(r.Template)
		if err != nil {
			return fmt.Errorf("update room: template: %w", err)
		}
		hook, err := json.Marshal(r.Webhook)
		if err != nil {
			return fmt.Errorf("update room: webhook: %w", err)
		}
		if err := tx.exec(ctx, "update room",
			`UPDATE rooms SET name = $1, custom_room_id = $2, description = $3, enabled = $4, max_peers = $5,
			 template = $6, webhook = $7, updated_at = $8 WHERE id = $9`,
			r.Name, r.CustomRoomID, r.Description, r.Enabled, r.MaxPeers, string(tmpl), string(hook), ms(p.Now), r.ID); err != nil {
			return roomError("update room", err)
		}
		out = r
		return nil
	})
	return out, err
}

const sessionColumns = `id, room_id, started_at, ended_at, end_reason, peers`

func scanSession(row interface{ Scan(...any) error }) (*room.Session, error) {
	var ss room.Session
	var started, ended int64
	if err := row.Scan(&ss.ID, &ss.RoomID, &started, &ended, &ss.EndReason, &ss.Peers); err != nil {
		return nil, err
	}
	ss.StartedAt, ss.EndedAt = fromMS(started), fromMS(ended)
	return &ss, nil
}

// StartSession implements [room.Store]. The session.started event is
// written in the same transaction.
func (s *Store) StartSession(ctx context.Context, roomID string, at time.Time) (*room.Session, error) {
	ss := &room.Session{ID: room.NewID(), RoomID: roomID, StartedAt: fromMS(ms(at))}
	err := s.write(ctx, false, func(tx *txn) error {
		// The room's row is the lock that serialises starts: a live
		// session row may not exist yet to be locked.
		r, err := s.lockRoom(ctx, tx, roomID)
		if err != nil {
			return fmt.Errorf("start session: %w", err)
		}
		var live string
		err = tx.tx.QueryRowContext(ctx, `SELECT id FROM room_sessions WHERE room_id = $1 AND ended_at = 0`, roomID).Scan(&live)
		switch {
		case err == nil:
			if err := s.endSession(ctx, tx, live, "restarted", at); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("start session: find live: %w", s.d.InterpretError(err))
		}
		announced, err := emit(ctx, tx, &room.EventFacts{Type: room.EventSessionStarted, At: at, Room: r, Session: *ss}, "")
		if err != nil {
			return err
		}
		return tx.exec(ctx, "start session",
			`INSERT INTO room_sessions (id, room_id, started_at, announced) VALUES ($1, $2, $3, $4)`, ss.ID, roomID, ms(at), announced)
	})
	if err != nil {
		return nil, err
	}
	return ss, nil
}

// endSession ends session id: its present peers leave (peer.left events
// first), then session.ended, all in tx.
func (s *Store) endSession(ctx context.Context, tx *txn, id, reason string, at time.Time) error {
	r, ss, err := s.lockSession(ctx, tx, id)
	if err != nil {
		return err
	}
	if !ss.Live() {
		return room.ErrNotActive
	}
	if err := peersLeave(ctx, tx, r, &ss.Session, "", reason, at); err != nil {
		return err
	}
	n, err := tx.execCount(ctx, "end session",
		`UPDATE room_sessions SET ended_at = $1, end_reason = $2 WHERE id = $3 AND ended_at = 0`, ms(at), reason, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return room.ErrNotActive
	}
	if !ss.announced {
		return nil // never an ended without its started
	}
	ss.EndedAt, ss.EndReason = fromMS(ms(at)), reason
	_, err = emit(ctx, tx, &room.EventFacts{Type: room.EventSessionEnded, At: at, Room: r, Session: ss.Session}, "")
	return err
}

// EndSession implements [room.Store].
func (s *Store) EndSession(ctx context.Context, sessionID, reason string, at time.Time) error {
	return s.write(ctx, false, func(tx *txn) error { return s.endSession(ctx, tx, sessionID, reason, at) })
}

// PeerJoined implements [room.Store]. The peer.joined event, with the
// count of peers present, is written in the same transaction.
func (s *Store) PeerJoined(ctx context.Context, p *room.PeerRecord) error {
	return s.write(ctx, false, func(tx *txn) error {
		r, ss, err := s.lockSession(ctx, tx, p.SessionID)
		if err != nil {
			return err
		}
		if !ss.Live() {
			return room.ErrNotActive
		}
		wants := r.Webhook.Wants(room.EventPeerJoined)
		if err := tx.exec(ctx, "peer joined",
			`INSERT INTO room_peers (session_id, peer_id, identity, role, credential_id, joined_at, announced) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			p.SessionID, p.PeerID, p.Identity, p.Role, p.CredentialID, ms(p.JoinedAt), wants); err != nil {
			return err
		}
		n, err := tx.execCount(ctx, "count peer", `UPDATE room_sessions SET peers = peers + 1 WHERE id = $1 AND ended_at = 0`, p.SessionID)
		if err != nil {
			return err
		}
		if n == 0 {
			return room.ErrNotActive
		}
		if !wants {
			return nil
		}
		here, err := present(ctx, tx, p.SessionID)
		if err != nil {
			return err
		}
		peer := *p
		peer.JoinedAt = fromMS(ms(p.JoinedAt))
		_, err = emit(ctx, tx, &room.EventFacts{Type: room.EventPeerJoined, At: p.JoinedAt, Room: r, Session: ss.Session, Peer: &peer, Present: here}, "")
		return err
	})
}

// PeerLeft implements [room.Store]. The peer.left event is written in the
// same transaction, only for a stay whose peer.joined was written.
func (s *Store) PeerLeft(ctx context.Context, sessionID, peerID, reason string, at time.Time) error {
	return s.write(ctx, false, func(tx *txn) error {
		r, ss, err := s.lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		return peersLeave(ctx, tx, r, &ss.Session, peerID, reason, at)
	})
}

// PeerMinutesRoute is the route name under which peer-minutes are counted
// in the usage table, beside the API calls: one count per clock minute in
// which a peer of the credential's tokens was in a room.
const PeerMinutesRoute = "rooms.peer_minutes"

// peersLeave marks the present peers of a session (one peer, or all when
// peerID is "") as left at at, counts their peer-minutes into the usage of
// the credential that joined them and writes their peer.left events, in
// the same transaction.
func peersLeave(ctx context.Context, tx *txn, r *room.Room, ss *room.Session, peerID, reason string, at time.Time) error {
	q := `SELECT seq, peer_id, identity, role, credential_id, joined_at, announced FROM room_peers WHERE session_id = $1 AND left_at = 0`
	args := []any{ss.ID}
	if peerID != "" {
		q += ` AND peer_id = $2`
		args = append(args, peerID)
	}
	rows, err := tx.tx.QueryContext(ctx, q+` ORDER BY seq`, args...)
	if err != nil {
		return fmt.Errorf("peers leave: %w", tx.s.d.InterpretError(err))
	}
	type stay struct {
		seq, joined int64
		peer        room.PeerRecord
		announced   bool
	}
	var stays []stay
	for rows.Next() {
		var st stay
		if err := rows.Scan(&st.seq, &st.peer.PeerID, &st.peer.Identity, &st.peer.Role, &st.peer.CredentialID, &st.joined, &st.announced); err != nil {
			rows.Close()
			return fmt.Errorf("peers leave: %w", err)
		}
		stays = append(stays, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("peers leave: %w", tx.s.d.InterpretError(err))
	}
	if len(stays) == 0 {
		return nil
	}
	here, err := present(ctx, tx, ss.ID)
	if err != nil {
		return err
	}
	left := ms(at)
	for _, st := range stays {
		if err := tx.exec(ctx, "peer left",
			`UPDATE room_peers SET left_at = $1, reason = $2 WHERE seq = $3`, left, reason, st.seq); err != nil {
			return err
		}
		here--
		for m := st.joined - st.joined%60000; m <= left; m += 60000 {
			if err := tx.exec(ctx, "count peer-minute",
				`INSERT INTO usage_counts (credential_id, route, status, minute, count) VALUES ($1, $2, 200, $3, 1)
				 ON CONFLICT (credential_id, route, status, minute) DO UPDATE SET count = usage_counts.count + 1`,
				st.peer.CredentialID, PeerMinutesRoute, m); err != nil {
				return err
			}
		}
		if !st.announced {
			continue // never a left without its joined
		}
		p := st.peer
		p.SessionID, p.JoinedAt, p.LeftAt, p.Reason = ss.ID, fromMS(st.joined), fromMS(left), reason
		if _, err := emit(ctx, tx, &room.EventFacts{Type: room.EventPeerLeft, At: at, Room: r, Session: *ss, Peer: &p, Present: here}, ""); err != nil {
			return err
		}
	}
	return nil
}

// Sessions implements [room.Store].
func (s *Store) Sessions(ctx context.Context, roomID string, limit int) ([]*room.Session, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	rows, err := s.d.ReadDB().QueryContext(ctx,
		`SELECT `+sessionColumns+` FROM room_sessions WHERE room_id = $1 ORDER BY seq DESC LIMIT $2`, roomID, limit)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", s.d.InterpretError(err))
	}
	defer rows.Close()
	var out []*room.Session
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		out = append(out, ss)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sessions: %w", s.d.InterpretError(err))
	}
	return out, nil
}

// SessionPeers implements [room.Store].
func (s *Store) SessionPeers(ctx context.Context, sessionID string) ([]*room.PeerRecord, error) {
	rows, err := s.d.ReadDB().QueryContext(ctx,
		`SELECT session_id, peer_id, identity, role, credential_id, joined_at, left_at, reason
		 FROM room_peers WHERE session_id = $1 ORDER BY seq`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("list session peers: %w", s.d.InterpretError(err))
	}
	defer rows.Close()
	var out []*room.PeerRecord
	for rows.Next() {
		var p room.PeerRecord
		var joined, left int64
		if err := rows.Scan(&p.SessionID, &p.PeerID, &p.Identity, &p.Role, &p.CredentialID, &joined, &left, &p.Reason); err != nil {
			return nil, fmt.Errorf("list session peers: %w", err)
		}
		p.JoinedAt, p.LeftAt = fromMS(joined), fromMS(left)
		out = append(out, &p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list session peers: %w", s.d.InterpretError(err))
	}
	return out, nil
}

// AddBan implements [room.Store].
func (s *Store) AddBan(ctx context.Context, b *room.Ban) error {
	if err := b.Validate(); err != nil {
		return &room.Error{Code: room.CodeInvalid, Message: err.Error(), Err: err}
	}
	return s.write(ctx, false, func(tx *txn) error {
		return tx.exec(ctx, "ban",
			`INSERT INTO room_bans (room_id, identity, until_at, reason) VALUES ($1, $2, $3, $4)
			 ON CONFLICT (room_id, identity) DO UPDATE SET until_at = CASE WHEN excluded.until_at > room_bans.until_at
			   THEN excluded.until_at ELSE room_bans.until_at END, reason = excluded.reason`,
			b.RoomID, b.Identity, ms(b.Until), b.Reason)
	})
}

// Banned implements [room.Store].
func (s *Store) Banned(ctx context.Context, roomID, identity string, now time.Time) (bool, error) {
	var until int64
	err := s.d.ReadDB().QueryRowContext(ctx,
		`SELECT until_at FROM room_bans WHERE room_id = $1 AND identity = $2`, roomID, identity).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("read ban: %w", s.d.InterpretError(err))
	}
	return until > ms(now), nil
}
