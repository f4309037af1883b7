package rooms

import "context"

// The moderation methods below are what the portal calls by account and
// room ref; they, the REST handlers and the CLI (over REST) all reach the
// live session through the methods of live.go, which find the node that
// holds the room.

// Store returns the store the service keeps rooms in.
func (s *Service) Store() Store { return s.cfg.Store }

// Live returns the account's room ref (an id or customRoomId) and its live
// state: the session, the peers and the lobby. It returns the room and
// [ErrNotActive] when no session is live.
func (s *Service) Live(ctx context.Context, accountID int64, ref string) (*Room, *ActiveRoom, error) {
	rm, err := s.cfg.Store.Room(ctx, accountID, ref)
	if err != nil {
		return nil, nil, err
	}
	a, err := s.Active(ctx, rm)
	return rm, a, err
}

// RemovePeer removes a peer (by id), or every peer of role, from the
// account's room ref: each is closed with 4001, banned from the room until
// the later of its token's exp plus leeway and the end of its resume
// tokens' lifetime, and its jti revoked. It returns how many
// peers were removed.
func (s *Service) RemovePeer(ctx context.Context, accountID int64, ref, peerID, role, reason string) (int, error) {
	rm, err := s.cfg.Store.Room(ctx, accountID, ref)
	if err != nil {
		return 0, err
	}
	return s.Remove(ctx, rm, peerID, role, reason)
}

// EndRoom ends the live session of the account's room ref: every peer is
// closed with 4002. With lock the room is disabled too, so that nobody
// joins again until it is enabled.
func (s *Service) EndRoom(ctx context.Context, accountID int64, ref, reason string, lock bool) error {
	rm, err := s.cfg.Store.Room(ctx, accountID, ref)
	if err != nil {
		return err
	}
	return s.End(ctx, rm, reason, lock)
}
