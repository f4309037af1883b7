package rooms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/keyward/keyward/internal/rooms/sfu"
	"github.com/pion/webrtc/v4"
)

// SFUMedia is the media layer on package sfu. It joins each peer to the
// SFU room of its room with the capabilities of its role, sends the
// server's offers over the signal socket and hands the client's answer,
// candidate and publish messages to the SFU, stops forwarding a muted
// track, and tells the room's peers about tracks as they come and go
// (track_published, track_unpublished).
type SFUMedia struct {
	sfu *sfu.SFU

	mu    sync.Mutex
	rooms map[string]map[string]*Peer // room id → peer id → peer
}

var _ Media = (*SFUMedia)(nil)

// MediaEvents receives the SFU's track events before the media layer exists
// (the SFU is made first); [NewSFUMedia] connects the two.
type MediaEvents struct{ m atomic.Pointer[SFUMedia] }

var _ sfu.Events = (*MediaEvents)(nil)

// TrackPublished implements [sfu.Events].
func (e *MediaEvents) TrackPublished(room, peer string, t sfu.TrackInfo) {
	if m := e.m.Load(); m != nil {
		m.trackEvent(room, peer, TypeTrackPublished, t)
	}
}

// TrackUnpublished implements [sfu.Events].
func (e *MediaEvents) TrackUnpublished(room, peer string, t sfu.TrackInfo) {
	if m := e.m.Load(); m != nil {
		m.trackEvent(room, peer, TypeTrackUnpublished, t)
	}
}

// NewSFUMedia returns the media layer on s; events must be the
// [MediaEvents] given to s as its [sfu.Config.Events].
func NewSFUMedia(s *sfu.SFU, events *MediaEvents) *SFUMedia {
	m := &SFUMedia{sfu: s, rooms: map[string]map[string]*Peer{}}
	events.m.Store(m)
	return m
}

// peerSignaler carries the SFU's offers to one peer's socket.
type peerSignaler struct{ p *Peer }

func (s peerSignaler) Offer(sdp string) error {
	s.p.Send(frame(TypeOffer, map[string]any{"sdp": sdp}))
	return nil
}

// PeerJoined implements [Media].
func (m *SFUMedia) PeerJoined(roomID string, p *Peer) {
	caps := p.Capabilities()
	sc := sfu.Caps{
		Role:          p.Role(),
		PublishAudio:  caps.PublishAudio,
		PublishVideo:  caps.PublishVideo,
		PublishScreen: caps.PublishScreen,
		Subscribe:     caps.SubscribesTo,
	}
	m.mu.Lock()
	peers := m.rooms[roomID]
	if peers == nil {
		peers = map[string]*Peer{}
		m.rooms[roomID] = peers
	}
	peers[p.ID] = p
	m.mu.Unlock()
	mp, err := m.sfu.Join(roomID, p.ID, sc, peerSignaler{p})
	if errors.Is(err, sfu.ErrDuplicatePeer) {
		// A resumed peer keeps its id; its old connection goes.
		if r := m.sfu.Lookup(roomID); r != nil {
			r.Leave(p.ID)
		}
		mp, err = m.sfu.Join(roomID, p.ID, sc, peerSignaler{p})
	}
	if err != nil {
		p.Send(errorFrame(SignalMedia, "media could not start: "+err.Error()))
		return
	}
	p.mediaPeer.Store(mp)
}

// PeerLeft implements [Media]: the peer's connection closes and its tracks
// stop at once for everyone.
func (m *SFUMedia) PeerLeft(roomID string, p *Peer) {
	m.mu.Lock()
	if peers := m.rooms[roomID]; peers != nil {
		delete(peers, p.ID)
		if len(peers) == 0 {
			delete(m.rooms, roomID)
		}
	}
	m.mu.Unlock()
	if r := m.sfu.Lookup(roomID); r != nil {
		r.Leave(p.ID)
	}
	p.mediaPeer.Store(nil)
}

// Muted implements [Media]: a muted kind stops being forwarded.
func (m *SFUMedia) Muted(roomID string, p *Peer, kind string, muted bool) {
	if mp := p.mediaPeer.Load(); mp != nil {
		mp.Mute(kind, muted)
	}
}

// mediaMessage holds the fields of answer, candidate and publish frames.
type mediaMessage struct {
	SDP       string                   `json:"sdp"`
	Candidate *webrtc.ICECandidateInit `json:"candidate"`
	Kind      string                   `json:"kind"`
}

// errNoMedia is what a media message meets before the peer's connection
// exists.
var errNoMedia = errors.New("no media connection for this peer")

// Signal implements [Media].
func (m *SFUMedia) Signal(_ context.Context, _ string, p *Peer, in *Inbound) error {
	mp := p.mediaPeer.Load()
	if mp == nil {
		return errNoMedia
	}
	var msg mediaMessage
	if err := json.Unmarshal(in.Raw, &msg); err != nil {
		return fmt.Errorf("bad %s message: %w", in.Type, err)
	}
	switch in.Type {
	case TypeAnswer:
		if msg.SDP == "" {
			return errors.New("answer needs sdp")
		}
		return mp.Answer(msg.SDP)
	case TypeCandidate:
		if msg.Candidate == nil || msg.Candidate.Candidate == "" {
			return nil // end of candidates
		}
		return mp.Candidate(*msg.Candidate)
	case TypePublish:
		if err := mp.Publish(msg.Kind); errors.Is(err, sfu.ErrNotAllowed) {
			return fmt.Errorf("your role may not publish %q", msg.Kind)
		} else if err != nil {
			return err
		}
		return nil
	}
	return fmt.Errorf("unknown media message %q", in.Type)
}

// trackEvent tells the room's peers that may see it about a track.
func (m *SFUMedia) trackEvent(roomID, peerID, typ string, t sfu.TrackInfo) {
	m.mu.Lock()
	peers := m.rooms[roomID]
	pub := peers[peerID]
	var to []*Peer
	for _, q := range peers {
		if q != pub && pub != nil {
			caps := q.Capabilities()
			if caps.SubscribesTo(pub.Role()) {
				to = append(to, q)
			}
		}
	}
	m.mu.Unlock()
	if pub == nil {
		return
	}
	b := frame(typ, map[string]any{"peer_id": peerID, "user_id": pub.Identity(), "track": t})
	pub.Send(b)
	for _, q := range to {
		q.Send(b)
	}
}
