package rooms

import (
	"context"
	"errors"
	"fmt"
)

// The live-room operations below are the one place that reaches a room's
// live session, wherever it is: on this node's hub, or, when nodes share
// rooms ([Config.Cluster]), on the node that holds the room's lease. The
// REST API, the CLI (through it) and the portal all call them.

// Active returns the live state of rm: its session, peers and lobby, or
// [ErrNotActive].
func (s *Service) Active(ctx context.Context, rm *Room) (*ActiveRoom, error) {
	var out *ActiveRoom
	err := s.onOwner(ctx, rm.ID, &command{Op: opActive}, &out, func() (err error) {
		out, err = s.hub.Active(rm.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.Room == nil {
		out.Room = rm // an answer from another node names no room
	}
	return out, nil
}

// Remove removes a peer (by id) or every peer of a role from rm's live
// session: each is closed 4001, its identity banned from the room until
// the later of its token's exp plus leeway and the end of its resume
// tokens' lifetime, its jti revoked. It returns how many were
// removed.
func (s *Service) Remove(ctx context.Context, rm *Room, peerID, role, reason string) (int, error) {
	var n int
	err := s.onOwner(ctx, rm.ID, &command{Op: opRemove, PeerID: peerID, Role: role, Reason: reason}, &n, func() (err error) {
		n, err = s.hub.Remove(ctx, rm.ID, peerID, role, reason)
		return err
	})
	return n, err
}

// RemoveIdentity removes the peer of a participant id (VideoSDK's
// participantId) from rm's live session.
func (s *Service) RemoveIdentity(ctx context.Context, rm *Room, identity, reason string) (int, error) {
	a, err := s.Active(ctx, rm)
	if err != nil {
		return 0, err
	}
	for _, p := range a.Peers {
		if p.UserID == identity {
			return s.Remove(ctx, rm, p.PeerID, "", reason)
		}
	}
	return 0, ErrPeerNotFound
}

// End ends rm's live session (every peer closed 4002); with lock the room
// is disabled first, so that nobody joins again, and a room without a
// live session is no error.
func (s *Service) End(ctx context.Context, rm *Room, reason string, lock bool) error {
	if lock {
		off := false
		if _, err := s.cfg.Store.UpdateRoom(ctx, &UpdateRoomParams{AccountID: rm.AccountID, Ref: rm.ID, Enabled: &off, Now: s.cfg.NowFunc()}); err != nil {
			return fmt.Errorf("rooms: end: lock: %w", err)
		}
	}
	err := s.onOwner(ctx, rm.ID, &command{Op: opEnd, Reason: reason}, nil, func() error {
		return s.hub.End(ctx, rm, reason, false)
	})
	if lock && errors.Is(err, ErrNotActive) {
		return nil
	}
	return err
}

// Send delivers a server message to everyone in rm's live session, a
// role (to.Role) or a peer (to.PeerID). It returns how many peers got it.
func (s *Service) Send(ctx context.Context, rm *Room, to *Target, message []byte) (int, error) {
	var n int
	c := &command{Op: opSend, Message: message}
	if to != nil {
		c.PeerID, c.Role = to.PeerID, to.Role
	}
	err := s.onOwner(ctx, rm.ID, c, &n, func() (err error) {
		n, err = s.hub.Send(rm.ID, "", to, message)
		return err
	})
	return n, err
}

// MutePeer asks a peer of rm's live session to mute kind ("audio",
// "video" or "screen").
func (s *Service) MutePeer(ctx context.Context, rm *Room, peerID, kind string) error {
	return s.onOwner(ctx, rm.ID, &command{Op: opMute, PeerID: peerID, Kind: kind}, nil, func() error {
		return s.hub.MutePeer(rm.ID, peerID, kind, "")
	})
}

// Occupancy returns how many peers are in, or on their way into, each of
// the rooms ids (absent: none), wherever each is held.
func (s *Service) Occupancy(ctx context.Context, ids []string) map[string]int {
	out := make(map[string]int, len(ids))
	local := ids
	if s.nodes != nil {
		local = s.nodes.occupancy(ctx, ids, out)
	}
	for _, id := range local {
		if n := s.hub.Occupancy(id); n > 0 {
			out[id] = n
		}
	}
	return out
}
