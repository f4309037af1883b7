package sfu

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/pion/webrtc/v4"
)

// Sources of a published track.
const (
	SourceAudio  = "audio"
	SourceVideo  = "video"
	SourceScreen = "screen"
)

// Caps is what one peer may do with media. The room layer derives it from
// the peer's role.
type Caps struct {
	// Role is the peer's role; subscribers' Subscribe functions see it.
	Role string
	// PublishAudio, PublishVideo and PublishScreen allow sending the
	// microphone, the camera and a screen.
	PublishAudio, PublishVideo, PublishScreen bool
	// Subscribe reports whether this peer receives the tracks of a
	// publisher with the given role. Nil receives nothing.
	Subscribe func(publisherRole string) bool
}

// may reports whether c allows publishing source.
func (c Caps) may(source string) bool {
	switch source {
	case SourceAudio:
		return c.PublishAudio
	case SourceVideo:
		return c.PublishVideo
	case SourceScreen:
		return c.PublishScreen
	}
	return false
}

// TrackInfo describes a published track.
type TrackInfo struct {
	// ID is the track id subscribers see; the stream id is the publisher's
	// peer id.
	ID string `json:"id"`
	// Kind is "audio" or "video".
	Kind string `json:"kind"`
	// Source is "audio", "video" or "screen".
	Source string `json:"source"`
	// Codec is the MIME type, such as "video/VP8".
	Codec string `json:"codec"`
	// Muted reports whether forwarding is paused.
	Muted bool `json:"muted"`
}

// Room holds the peers of one live session and forwards their tracks.
type Room struct {
	sfu *SFU
	id  string

	mu     sync.Mutex
	peers  map[string]*Peer
	tracks map[string]*track
	closed bool

	packets atomic.Uint64
	bytes   atomic.Uint64
}

func newRoom(s *SFU, id string) *Room {
	return &Room{sfu: s, id: id, peers: make(map[string]*Peer), tracks: make(map[string]*track)}
}

// ID is the room's id.
func (r *Room) ID() string { return r.id }

// Join adds a peer with its capabilities and starts negotiation: the first
// offer goes to sig once candidates are gathered. The peer receives every
// track already published that caps allow it to subscribe to.
func (r *Room) Join(id string, caps Caps, sig Signaler) (*Peer, error) {
	pc, err := r.sfu.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("sfu: new peer connection: %w", err)
	}
	// A data channel gives every offer a section to connect on, so the
	// connection comes up at once even for a peer that neither sends nor
	// receives anything yet.
	if _, err := pc.CreateDataChannel("keyward", nil); err != nil {
		pc.Close()
		return nil, fmt.Errorf("sfu: data channel: %w", err)
	}
	p := newPeer(r, id, caps, sig, pc)
	for _, source := range []string{SourceAudio, SourceVideo} {
		if caps.may(source) {
			if err := p.addReceiver(source); err != nil {
				pc.Close()
				return nil, err
			}
		}
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		pc.Close()
		return nil, ErrClosed
	}
	if r.peers[id] != nil {
		r.mu.Unlock()
		pc.Close()
		return nil, ErrDuplicatePeer
	}
	r.peers[id] = p
	existing := make([]*track, 0, len(r.tracks))
	for _, t := range r.tracks {
		if caps.Subscribe != nil && caps.Subscribe(t.pub.caps.Role) {
			existing = append(existing, t)
		}
	}
	r.mu.Unlock()
	for _, t := range existing {
		if err := p.subscribe(t); err != nil {
			r.sfu.log.Warn("sfu: subscribe on join", "room", r.id, "peer", id, "track", t.info.ID, "err", err)
		}
	}
	p.negotiate()
	for _, t := range existing {
		t.requestKeyframe()
	}
	return p, nil
}

// Peer returns the peer id, or nil.
func (r *Room) Peer(id string) *Peer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peers[id]
}

// Peers returns the peers in the room, sorted by id.
func (r *Room) Peers() []*Peer {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*Peer, 0, len(r.peers))
	for _, p := range r.peers {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// Leave removes the peer id: its connection is closed, its tracks stop at
// once and are taken away from every subscriber. It reports whether the
// peer was in the room. The room closes itself when its last peer leaves.
func (r *Room) Leave(id string) bool {
	r.mu.Lock()
	p := r.peers[id]
	if p == nil {
		r.mu.Unlock()
		return false
	}
	delete(r.peers, id)
	var gone []*track
	for tid, t := range r.tracks {
		if t.pub == p {
			delete(r.tracks, tid)
			gone = append(gone, t)
		}
	}
	empty := len(r.peers) == 0
	r.mu.Unlock()
	for _, t := range gone {
		t.stop()
	}
	p.close()
	for _, t := range gone {
		r.unpublished(t)
	}
	if empty {
		r.mu.Lock()
		r.closed = len(r.peers) == 0
		closed := r.closed
		r.mu.Unlock()
		if closed {
			r.sfu.forget(r)
		}
	}
	return true
}

// Close closes every peer's connection and forgets the room.
func (r *Room) Close() {
	r.mu.Lock()
	r.closed = true
	peers := make([]*Peer, 0, len(r.peers))
	for _, p := range r.peers {
		peers = append(peers, p)
	}
	tracks := make([]*track, 0, len(r.tracks))
	for _, t := range r.tracks {
		tracks = append(tracks, t)
	}
	r.peers = map[string]*Peer{}
	r.tracks = map[string]*track{}
	r.mu.Unlock()
	for _, t := range tracks {
		t.stop()
	}
	for _, p := range peers {
		p.close()
	}
	for _, t := range tracks {
		r.sfu.trackEvent(r.id, t, false)
	}
	r.sfu.forget(r)
}

// published registers t and hands it to every peer allowed to see it.
func (r *Room) published(t *track) {
	r.mu.Lock()
	if r.closed || r.peers[t.pub.id] != t.pub {
		r.mu.Unlock()
		t.stop()
		return
	}
	r.tracks[t.info.ID] = t
	var subs []*Peer
	for _, p := range r.peers {
		if p != t.pub && p.caps.Subscribe != nil && p.caps.Subscribe(t.pub.caps.Role) {
			subs = append(subs, p)
		}
	}
	r.mu.Unlock()
	r.sfu.trackEvent(r.id, t, true)
	for _, p := range subs {
		if err := p.subscribe(t); err != nil {
			r.sfu.log.Warn("sfu: subscribe", "room", r.id, "peer", p.id, "track", t.info.ID, "err", err)
			continue
		}
		p.negotiate()
	}
	if len(subs) > 0 {
		t.requestKeyframe()
	}
}

// unpublished takes t away from every subscriber that has it.
func (r *Room) unpublished(t *track) {
	r.mu.Lock()
	if r.tracks[t.info.ID] == t {
		delete(r.tracks, t.info.ID)
	}
	peers := make([]*Peer, 0, len(r.peers))
	for _, p := range r.peers {
		peers = append(peers, p)
	}
	r.mu.Unlock()
	for _, p := range peers {
		if p.unsubscribe(t) {
			p.negotiate()
		}
	}
	r.sfu.trackEvent(r.id, t, false)
}

// Stats are a room's forwarding counters.
type Stats struct {
	// Peers and Tracks count what is live now.
	Peers, Tracks int
	// Packets and Bytes count RTP forwarded to subscribers (one packet sent
	// to three subscribers counts three).
	Packets, Bytes uint64
}

// Stats returns the room's counters.
func (r *Room) Stats() Stats {
	r.mu.Lock()
	st := Stats{Peers: len(r.peers), Tracks: len(r.tracks)}
	r.mu.Unlock()
	st.Packets = r.packets.Load()
	st.Bytes = r.bytes.Load()
	return st
}

func (s *SFU) trackEvent(room string, t *track, up bool) {
	if s.cfg.Events == nil {
		return
	}
	if up {
		s.cfg.Events.TrackPublished(room, t.pub.id, t.Info())
	} else {
		s.cfg.Events.TrackUnpublished(room, t.pub.id, t.Info())
	}
}
