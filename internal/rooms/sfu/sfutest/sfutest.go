// Package sfutest provides what media tests need around package sfu: a Go
// WebRTC client held to loopback that answers the server's offers, a known
// VP8 frame stream to publish and check, and the loopback guard that fails
// a test on any candidate that is not 127.0.0.1.
package sfutest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"
)

// CheckLoopback returns an error naming the first candidate in sdp (a whole
// description or one candidate line) whose address is not 127.0.0.1.
func CheckLoopback(sdp string) error {
	sc := bufio.NewScanner(strings.NewReader(sdp))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimPrefix(line, "a=")
		if !strings.HasPrefix(line, "candidate:") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 6 {
			return fmt.Errorf("sfutest: malformed candidate %q", line)
		}
		if f[4] != "127.0.0.1" {
			return fmt.Errorf("sfutest: candidate not on 127.0.0.1: %q", line)
		}
	}
	return nil
}

// NewAPI returns a pion API held to loopback exactly as DESIGN §9 asks:
// loopback candidates only, remote candidates filtered to loopback, mDNS
// off, no ICE servers.
func NewAPI() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, fmt.Errorf("sfutest: codecs: %w", err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, fmt.Errorf("sfutest: interceptors: %w", err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetRemoteIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// Answerer is the server side a [Client] answers to: an sfu.Peer or a
// signal socket.
type Answerer interface {
	Answer(sdp string) error
}

// Client is a Go WebRTC peer that answers the server's offers. Every SDP
// that passes either way is checked with [CheckLoopback].
type Client struct {
	PC *webrtc.PeerConnection

	mu      sync.Mutex
	to      Answerer
	publish []webrtc.TrackLocal
	offers  chan string
	errs    []error

	// Tracks receives every remote track as it starts.
	Tracks chan *webrtc.TrackRemote
}

// NewClient makes a client that publishes the given local tracks when the
// server's offer has room for them. It is closed when tb ends.
func NewClient(tb testing.TB, publish ...webrtc.TrackLocal) *Client {
	tb.Helper()
	c, err := Dial(publish...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.PC.Close() })
	return c
}

// Dial makes a client as [NewClient] does, for programs that are not tests;
// the caller closes c.PC.
func Dial(publish ...webrtc.TrackLocal) (*Client, error) {
	api, err := NewAPI()
	if err != nil {
		return nil, err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("sfutest: peer connection: %w", err)
	}
	c := &Client{PC: pc, publish: publish, offers: make(chan string, 16), Tracks: make(chan *webrtc.TrackRemote, 16)}
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { c.Tracks <- t })
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand == nil {
			return
		}
		if err := CheckLoopback("a=" + cand.ToJSON().Candidate); err != nil {
			c.fail(err)
		}
	})
	return c, nil
}

// Attach names the server side that receives this client's answers and
// starts answering the offers queued so far.
func (c *Client) Attach(to Answerer) {
	c.mu.Lock()
	c.to = to
	c.mu.Unlock()
	go c.run()
}

// Offer queues an offer from the server; it makes the client an sfu.Signaler.
func (c *Client) Offer(sdp string) error {
	c.offers <- sdp
	return nil
}

// Err returns the first error the client met (a bad offer, a candidate off
// loopback), or nil.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs[0]
}

func (c *Client) fail(err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
}

func (c *Client) run() {
	for sdp := range c.offers {
		if err := c.answer(sdp); err != nil {
			c.fail(err)
		}
	}
}

func (c *Client) answer(offer string) error {
	if err := CheckLoopback(offer); err != nil {
		return err
	}
	if err := c.PC.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fmt.Errorf("sfutest: apply offer: %w", err)
	}
	c.mu.Lock()
	publish := c.publish
	c.publish = nil
	c.mu.Unlock()
	for _, t := range publish {
		s, err := c.PC.AddTrack(t)
		if err != nil {
			return fmt.Errorf("sfutest: add track: %w", err)
		}
		go func() {
			for {
				if _, _, err := s.ReadRTCP(); err != nil {
					return
				}
			}
		}()
	}
	answer, err := c.PC.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("sfutest: answer: %w", err)
	}
	done := webrtc.GatheringCompletePromise(c.PC)
	if err := c.PC.SetLocalDescription(answer); err != nil {
		return fmt.Errorf("sfutest: set answer: %w", err)
	}
	<-done
	sdp := c.PC.LocalDescription().SDP
	if err := CheckLoopback(sdp); err != nil {
		return err
	}
	c.mu.Lock()
	to := c.to
	c.mu.Unlock()
	return to.Answer(sdp)
}

// Frame returns the i-th frame of the known test stream: its index, then
// bytes derived from it, 300 to about 4,000 long so a frame spans several
// packets.
func Frame(i int) []byte {
	n := 300 + (i*997)%3700
	b := make([]byte, n)
	binary.BigEndian.PutUint32(b, uint32(i))
	seed := sha256.Sum256(b[:4])
	for off := 4; off < n; off += len(seed) {
		copy(b[off:], seed[:])
		seed = sha256.Sum256(seed[:])
	}
	return b
}

// FrameIndex reads the index Frame wrote, and reports whether the whole
// frame is intact.
func FrameIndex(b []byte) (int, bool) {
	if len(b) < 4 {
		return -1, false
	}
	i := int(binary.BigEndian.Uint32(b))
	return i, bytes.Equal(b, Frame(i))
}

// VP8Track returns a local VP8 track that carries the known stream.
func VP8Track(tb testing.TB, id string) *webrtc.TrackLocalStaticSample {
	tb.Helper()
	t, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, id, "stream-"+id)
	if err != nil {
		tb.Fatalf("sfutest: track: %v", err)
	}
	return t
}

// SendFrames writes frames from..to-1 at about 30 a second.
func SendFrames(t *webrtc.TrackLocalStaticSample, from, to int) error {
	for i := from; i < to; i++ {
		if err := t.WriteSample(media.Sample{Data: Frame(i), Duration: 33 * time.Millisecond}); err != nil {
			return err
		}
		time.Sleep(33 * time.Millisecond)
	}
	return nil
}

// ReadFrames reassembles VP8 frames from r and sends each one's index to
// out, or -1 for a frame that is not intact, until r ends.
func ReadFrames(r *webrtc.TrackRemote, out chan<- int) {
	sb := samplebuilder.New(64, &codecs.VP8Packet{}, r.Codec().ClockRate)
	for {
		pkt, _, err := r.ReadRTP()
		if err != nil {
			close(out)
			return
		}
		sb.Push(pkt)
		for s := sb.Pop(); s != nil; s = sb.Pop() {
			i, ok := FrameIndex(s.Data)
			if !ok {
				i = -1
			}
			out <- i
		}
	}
}
