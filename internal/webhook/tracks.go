package webhook

import (
	"context"
	"time"

	"github.com/keyward/keyward/internal/room"
	"github.com/keyward/keyward/internal/rooms/sfu"
)

// Tracks records the SFU's track events in the outbox (track.published,
// track.unpublished), then passes them on to Next (the rooms' media
// layer, which tells the peers). Give it to sfu.Config.Events.
type Tracks struct {
	// Service records the events. Required.
	Service *Service
	// Next receives every event after it is recorded; nil for none.
	Next sfu.Events
	// Timeout bounds each record. Default 5 s.
	Timeout time.Duration
}

var _ sfu.Events = (*Tracks)(nil)

// TrackPublished implements [sfu.Events].
func (t *Tracks) TrackPublished(roomID, peer string, info sfu.TrackInfo) {
	t.record(roomID, peer, true, info)
	if t.Next != nil {
		t.Next.TrackPublished(roomID, peer, info)
	}
}

// TrackUnpublished implements [sfu.Events].
func (t *Tracks) TrackUnpublished(roomID, peer string, info sfu.TrackInfo) {
	t.record(roomID, peer, false, info)
	if t.Next != nil {
		t.Next.TrackUnpublished(roomID, peer, info)
	}
}

func (t *Tracks) record(roomID, peer string, published bool, info sfu.TrackInfo) {
	s := t.Service
	d := t.Timeout
	if d == 0 {
		d = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	err := s.cfg.Store.RecordTrack(ctx, &room.TrackEvent{RoomID: roomID, PeerID: peer, Published: published,
		TrackID: info.ID, Kind: info.Kind, Source: info.Source, At: s.cfg.NowFunc()})
	if err != nil {
		s.cfg.Logger.Error("webhook: record track event", "room", roomID, "peer", peer, "track", info.ID, "err", err)
		return
	}
	s.Kick()
}
