package sfu

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// track is one published track and the local track its subscribers'
// senders are bound to.
type track struct {
	pub    *Peer
	remote *webrtc.TrackRemote
	local  *webrtc.TrackLocalStaticRTP
	info   TrackInfo // immutable but for Muted, which lives in muted

	muted   atomic.Bool
	stopped atomic.Bool
	lastPLI atomic.Int64 // unix nanoseconds
	bound   atomic.Int32 // subscribers' senders bound to local
}

func newTrack(pub *Peer, remote *webrtc.TrackRemote, source string) (*track, error) {
	codec := remote.Codec().RTPCodecCapability
	id := pub.id + "-" + source
	local, err := webrtc.NewTrackLocalStaticRTP(codec, id, pub.id)
	if err != nil {
		return nil, fmt.Errorf("sfu: local track: %w", err)
	}
	return &track{
		pub: pub, remote: remote, local: local,
		info: TrackInfo{ID: id, Kind: remote.Kind().String(), Source: source, Codec: codec.MimeType},
	}, nil
}

// Info describes the track.
func (t *track) Info() TrackInfo {
	info := t.info
	info.Muted = t.muted.Load()
	return info
}

// forward copies the publisher's packets to every bound subscriber until
// the remote track ends or the track is stopped. Header extensions are
// dropped: their ids belong to the publisher's session, and each
// subscriber's interceptors add their own.
func (t *track) forward() {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	room := t.pub.room
	for {
		n, _, err := t.remote.Read(buf)
		if err != nil {
			return
		}
		if t.stopped.Load() {
			return
		}
		if t.muted.Load() {
			continue
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil {
			continue
		}
		pkt.Header.Extension = false
		pkt.Header.Extensions = pkt.Header.Extensions[:0]
		pkt.Header.ExtensionProfile = 0
		if err := t.local.WriteRTP(&pkt); err != nil {
			continue
		}
		subs := uint64(t.subscribers())
		if subs > 0 {
			room.packets.Add(subs)
			room.bytes.Add(subs * uint64(len(pkt.Payload)+pkt.Header.MarshalSize()))
		}
	}
}

// subscribers counts the peers whose senders are bound to the track.
func (t *track) subscribers() int {
	return int(t.bound.Load())
}

// setMuted changes the muted state and reports whether it changed. An
// unmuted video track asks its publisher for a key frame.
func (t *track) setMuted(m bool) bool {
	if t.muted.Swap(m) == m {
		return false
	}
	if !m {
		t.lastPLI.Store(0)
		t.requestKeyframe()
	}
	return true
}

// stop ends forwarding at once.
func (t *track) stop() { t.stopped.Store(true) }

// requestKeyframe sends the publisher a picture-loss indication, at most
// one per [pliInterval].
func (t *track) requestKeyframe() {
	if t.info.Kind != webrtc.RTPCodecTypeVideo.String() || t.stopped.Load() {
		return
	}
	now := time.Now().UnixNano()
	last := t.lastPLI.Load()
	if now-last < int64(pliInterval) || !t.lastPLI.CompareAndSwap(last, now) {
		return
	}
	pli := &rtcp.PictureLossIndication{MediaSSRC: uint32(t.remote.SSRC())}
	if err := t.pub.pc.WriteRTCP([]rtcp.Packet{pli}); err != nil {
		t.pub.room.sfu.log.Debug("sfu: send PLI", "peer", t.pub.id, "err", err)
	}
}
