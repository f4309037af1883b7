package sfu

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// gatherTimeout bounds the wait for the server's own candidates before the
// first offer. With one UDP socket gathering is immediate; the bound only
// matters if something is badly wrong.
const gatherTimeout = 5 * time.Second

// Signaler carries the server's half of the negotiation to the client.
type Signaler interface {
	// Offer sends an SDP offer; the client answers through [Peer.Answer].
	// It must not block for long: queue the message and return.
	Offer(sdp string) error
}

// Peer is one participant's PeerConnection with the server.
type Peer struct {
	room *Room
	id   string
	caps Caps
	sig  Signaler
	pc   *webrtc.PeerConnection

	mu        sync.Mutex
	awaiting  bool // an offer is out and its answer has not been applied
	pending   bool // a change arrived while awaiting
	gathered  bool
	closed    bool
	sources   map[*webrtc.RTPReceiver]string
	published map[string]*track            // by source
	senders   map[*track]*webrtc.RTPSender // what this peer receives

	lossOut atomic.Uint32 // latest fraction lost the peer reported, in 1/256
}

func newPeer(r *Room, id string, caps Caps, sig Signaler, pc *webrtc.PeerConnection) *Peer {
	p := &Peer{
		room: r, id: id, caps: caps, sig: sig, pc: pc,
		sources:   make(map[*webrtc.RTPReceiver]string),
		published: make(map[string]*track),
		senders:   make(map[*track]*webrtc.RTPSender),
	}
	pc.OnTrack(p.onTrack)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed {
			r.sfu.log.Info("sfu: connection failed", "room", r.id, "peer", id)
			p.unpublishAll()
		}
	})
	return p
}

// ID is the peer's id.
func (p *Peer) ID() string { return p.id }

// Room is the room the peer joined.
func (p *Peer) Room() *Room { return p.room }

// Caps returns the peer's capabilities.
func (p *Peer) Caps() Caps { return p.caps }

// State is the PeerConnection's state ("new", "connecting", "connected", …).
func (p *Peer) State() string { return p.pc.ConnectionState().String() }

// addReceiver adds a receive-only transceiver for source.
func (p *Peer) addReceiver(source string) error {
	kind := webrtc.RTPCodecTypeVideo
	if source == SourceAudio {
		kind = webrtc.RTPCodecTypeAudio
	}
	tr, err := p.pc.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	if err != nil {
		return fmt.Errorf("sfu: add %s receiver: %w", source, err)
	}
	p.mu.Lock()
	p.sources[tr.Receiver()] = source
	p.mu.Unlock()
	return nil
}

// Publish opens a way for the peer to send source ("screen" after joining;
// audio and video are open from the start when allowed). It returns
// [ErrNotAllowed] when the peer's role may not publish it.
func (p *Peer) Publish(source string) error {
	if !p.caps.may(source) {
		return ErrNotAllowed
	}
	p.mu.Lock()
	for _, s := range p.sources {
		if s == source {
			p.mu.Unlock()
			return nil
		}
	}
	p.mu.Unlock()
	if err := p.addReceiver(source); err != nil {
		return err
	}
	p.negotiate()
	return nil
}

// Answer applies the client's answer to the outstanding offer, then makes
// the next offer if changes queued up meanwhile.
func (p *Peer) Answer(sdp string) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	if !p.awaiting {
		p.mu.Unlock()
		return ErrNoOffer
	}
	err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp})
	if err != nil {
		p.mu.Unlock()
		return fmt.Errorf("sfu: apply answer: %w", err)
	}
	p.awaiting = false
	again := p.pending
	p.pending = false
	p.mu.Unlock()
	if again {
		p.negotiate()
	}
	return nil
}

// Candidate adds a candidate the client trickled. Candidates that are not
// allowed (not loopback under [Config.LoopbackOnly]) are dropped by the ICE
// agent.
func (p *Peer) Candidate(c webrtc.ICECandidateInit) error {
	if err := p.pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("sfu: add candidate: %w", err)
	}
	return nil
}

// negotiate makes and sends an offer, or queues one when an offer is
// already out (renegotiation happens only in the stable state).
func (p *Peer) negotiate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	if p.awaiting || p.pc.SignalingState() != webrtc.SignalingStateStable {
		p.pending = true
		return
	}
	offer, err := p.pc.CreateOffer(nil)
	if err != nil {
		p.room.sfu.log.Warn("sfu: create offer", "room", p.room.id, "peer", p.id, "err", err)
		return
	}
	var done <-chan struct{}
	if !p.gathered {
		done = webrtc.GatheringCompletePromise(p.pc)
	}
	if err := p.pc.SetLocalDescription(offer); err != nil {
		p.room.sfu.log.Warn("sfu: set offer", "room", p.room.id, "peer", p.id, "err", err)
		return
	}
	if done != nil {
		select {
		case <-done:
		case <-time.After(gatherTimeout):
			p.room.sfu.log.Warn("sfu: candidates not gathered in time", "room", p.room.id, "peer", p.id)
		}
		p.gathered = true
	}
	p.awaiting = true
	if err := p.sig.Offer(p.pc.LocalDescription().SDP); err != nil {
		p.room.sfu.log.Info("sfu: send offer", "room", p.room.id, "peer", p.id, "err", err)
	}
}

// onTrack starts forwarding a track the client sends.
func (p *Peer) onTrack(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	p.mu.Lock()
	source, ok := p.sources[receiver]
	closed := p.closed
	p.mu.Unlock()
	if closed || !ok || !p.caps.may(source) {
		// Not a way this peer was given to publish: refuse the media.
		_ = receiver.Stop()
		return
	}
	t, err := newTrack(p, remote, source)
	if err != nil {
		p.room.sfu.log.Warn("sfu: forward track", "room", p.room.id, "peer", p.id, "err", err)
		_ = receiver.Stop()
		return
	}
	p.mu.Lock()
	if old := p.published[source]; old != nil {
		p.mu.Unlock()
		old.stop()
		p.room.unpublished(old)
		p.mu.Lock()
	}
	p.published[source] = t
	p.mu.Unlock()
	go t.forward()
	go drainRTCP(receiver)
	p.room.published(t)
}

// drainRTCP reads the receiver's RTCP so the interceptors keep running.
func drainRTCP(r *webrtc.RTPReceiver) {
	for {
		if _, _, err := r.ReadRTCP(); err != nil {
			return
		}
	}
}

// subscribe adds t to this peer's connection; the caller renegotiates.
func (p *Peer) subscribe(t *track) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if _, ok := p.senders[t]; ok {
		return nil
	}
	sender, err := p.pc.AddTrack(t.local)
	if err != nil {
		return fmt.Errorf("sfu: add track: %w", err)
	}
	p.senders[t] = sender
	t.bound.Add(1)
	go p.readSenderRTCP(sender, t)
	return nil
}

// unsubscribe removes t from this peer's connection and reports whether it
// was there.
func (p *Peer) unsubscribe(t *track) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	sender, ok := p.senders[t]
	if !ok {
		return false
	}
	delete(p.senders, t)
	t.bound.Add(-1)
	if p.closed {
		return false
	}
	if err := p.pc.RemoveTrack(sender); err != nil && !errors.Is(err, webrtc.ErrConnectionClosed) {
		p.room.sfu.log.Info("sfu: remove track", "room", p.room.id, "peer", p.id, "err", err)
	}
	return true
}

// readSenderRTCP reads a subscriber's RTCP for t and passes picture-loss
// requests on to the publisher.
func (p *Peer) readSenderRTCP(sender *webrtc.RTPSender, t *track) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			switch r := pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				t.requestKeyframe()
			case *rtcp.ReceiverReport:
				for _, b := range r.Reports {
					p.lossOut.Store(uint32(b.FractionLost))
				}
			}
		}
	}
}

// Subscribed returns the tracks this peer receives.
func (p *Peer) Subscribed() []TrackInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]TrackInfo, 0, len(p.senders))
	for t := range p.senders {
		out = append(out, t.Info())
	}
	return out
}

// Published returns the tracks this peer sends.
func (p *Peer) Published() []TrackInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]TrackInfo, 0, len(p.published))
	for _, t := range p.published {
		out = append(out, t.Info())
	}
	return out
}

// Mute pauses (or resumes) forwarding of the peer's track from source; ""
// means every track. It reports the tracks whose state changed.
func (p *Peer) Mute(source string, muted bool) []TrackInfo {
	p.mu.Lock()
	var ts []*track
	for s, t := range p.published {
		if source == "" || s == source {
			ts = append(ts, t)
		}
	}
	p.mu.Unlock()
	var changed []TrackInfo
	for _, t := range ts {
		if t.setMuted(muted) {
			changed = append(changed, t.Info())
		}
	}
	return changed
}

// unpublishAll stops every track the peer sends.
func (p *Peer) unpublishAll() {
	p.mu.Lock()
	ts := make([]*track, 0, len(p.published))
	for s, t := range p.published {
		ts = append(ts, t)
		delete(p.published, s)
	}
	p.mu.Unlock()
	for _, t := range ts {
		t.stop()
		p.room.unpublished(t)
	}
}

// close ends the peer's connection.
func (p *Peer) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	for s, t := range p.published {
		t.stop()
		delete(p.published, s)
	}
	for t := range p.senders {
		t.bound.Add(-1)
		delete(p.senders, t)
	}
	p.mu.Unlock()
	if err := p.pc.Close(); err != nil {
		p.room.sfu.log.Info("sfu: close peer connection", "room", p.room.id, "peer", p.id, "err", err)
	}
}

// PeerStats are what the server measures of one peer's connection.
type PeerStats struct {
	// RTT is the latest round-trip time measured on the peer's selected
	// candidate pair, in seconds (0 before the first measurement).
	RTT float64
	// FractionLost is the latest fraction of packets sent to the peer that
	// it reported lost (0–1).
	FractionLost float64
	// PacketsLost counts packets lost on the way from the peer.
	PacketsLost int64
}

// Stats reads the connection's statistics.
func (p *Peer) Stats() PeerStats {
	st := PeerStats{FractionLost: float64(p.lossOut.Load()) / 256}
	for _, s := range p.pc.GetStats() {
		switch v := s.(type) {
		case webrtc.ICECandidatePairStats:
			if v.Nominated && v.CurrentRoundTripTime > 0 {
				st.RTT = v.CurrentRoundTripTime
			}
		case webrtc.InboundRTPStreamStats:
			st.PacketsLost += int64(v.PacketsLost)
		}
	}
	return st
}
