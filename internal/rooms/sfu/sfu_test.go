package sfu_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/rooms/sfu"
	"github.com/keyward/keyward/internal/rooms/sfu/sfutest"
	"github.com/keyward/keyward/internal/testenv"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	everyone = func(string) bool { return true }
	host     = sfu.Caps{Role: "host", PublishAudio: true, PublishVideo: true, PublishScreen: true, Subscribe: everyone}
	viewer   = sfu.Caps{Role: "viewer", Subscribe: everyone}
)

// events records what the SFU reports about tracks.
type events struct {
	mu    sync.Mutex
	lines []string
}

func (e *events) TrackPublished(room, peer string, t sfu.TrackInfo) {
	e.mu.Lock()
	e.lines = append(e.lines, "published "+room+" "+peer+" "+t.Source+" "+t.Codec)
	e.mu.Unlock()
}

func (e *events) TrackUnpublished(room, peer string, t sfu.TrackInfo) {
	e.mu.Lock()
	e.lines = append(e.lines, "unpublished "+room+" "+peer+" "+t.Source)
	e.mu.Unlock()
}

func (e *events) has(line string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, l := range e.lines {
		if l == line {
			return true
		}
	}
	return false
}

// join connects a Go client to the room as id.
func join(t *testing.T, s *sfu.SFU, room, id string, caps sfu.Caps, publish ...webrtc.TrackLocal) (*sfutest.Client, *sfu.Peer) {
	t.Helper()
	c := sfutest.NewClient(t, publish...)
	p, err := s.Join(room, id, caps, c)
	if err != nil {
		t.Fatalf("Join(%s, %s): %v", room, id, err)
	}
	c.Attach(p)
	t.Cleanup(func() {
		if err := c.Err(); err != nil {
			t.Errorf("client %s: %v", id, err)
		}
	})
	return c, p
}

func waitConnected(t *testing.T, c *sfutest.Client) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for c.PC.ConnectionState() != webrtc.PeerConnectionStateConnected {
		if time.Now().After(deadline) {
			t.Fatalf("client not connected: state %s, err %v", c.PC.ConnectionState(), c.Err())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func nextTrack(t *testing.T, c *sfutest.Client, within time.Duration) *webrtc.TrackRemote {
	t.Helper()
	select {
	case tr := <-c.Tracks:
		return tr
	case <-time.After(within):
		t.Fatalf("no track arrived within %s (client err %v)", within, c.Err())
		return nil
	}
}

// sender keeps writing the known stream until stopped.
type sender struct {
	stop chan struct{}
	done chan int // the index after the last frame written
}

func startSending(track *webrtc.TrackLocalStaticSample) *sender {
	s := &sender{stop: make(chan struct{}), done: make(chan int, 1)}
	go func() {
		i := 0
		for {
			select {
			case <-s.stop:
				s.done <- i
				return
			default:
			}
			if err := sfutest.SendFrames(track, i, i+1); err != nil {
				s.done <- i
				return
			}
			i++
		}
	}()
	return s
}

func (s *sender) finish() int {
	close(s.stop)
	return <-s.done
}

// frames collects frame indexes from a remote track.
func frames(tr *webrtc.TrackRemote) <-chan int {
	out := make(chan int, 1024)
	go sfutest.ReadFrames(tr, out)
	return out
}

// quiet reports whether no frame arrives on in for d.
func quiet(in <-chan int, d time.Duration) (int, bool) {
	select {
	case i, ok := <-in:
		if !ok {
			return 0, true
		}
		return i, false
	case <-time.After(d):
		return 0, true
	}
}

func drain(in <-chan int) {
	for {
		select {
		case <-in:
		default:
			return
		}
	}
}

func TestSFU(t *testing.T) {
	if !testenv.LoopbackNamespace(t) {
		return
	}
	ev := &events{}
	s, err := sfu.New(sfu.Config{UDPAddr: "127.0.0.1:0", Events: ev})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })

	t.Run("VP8FramesArriveIntact", func(t *testing.T) {
		bobClient, _ := join(t, s, "intact", "bob", viewer)
		vp8 := sfutest.VP8Track(t, "cam")
		alice, _ := join(t, s, "intact", "alice", host, vp8)
		waitConnected(t, alice)
		send := startSending(vp8)
		tr := nextTrack(t, bobClient, 10*time.Second)
		if tr.StreamID() != "alice" || tr.Codec().MimeType != webrtc.MimeTypeVP8 {
			t.Errorf("track: stream %q codec %q, want alice video/VP8", tr.StreamID(), tr.Codec().MimeType)
		}
		got := frames(tr)
		time.Sleep(3 * time.Second)
		last := send.finish()
		first, prev, n := -1, -1, 0
		for {
			i, done := quiet(got, 2*time.Second)
			if done {
				break
			}
			if i < 0 {
				t.Fatalf("frame after #%d arrived damaged", prev)
			}
			if first < 0 {
				first = i
			} else if i != prev+1 {
				t.Fatalf("frame #%d followed #%d: frames lost or reordered", i, prev)
			}
			prev, n = i, n+1
		}
		// The sample builder holds the last frame until the next starts.
		if n < 30 || prev < last-2 {
			t.Fatalf("received %d frames (#%d..#%d) of %d sent", n, first, prev, last)
		}
		t.Logf("received frames #%d..#%d of 0..%d, every one intact", first, prev, last-1)
		checkMetrics(t, s, "intact", "bob")
		if !ev.has("published intact alice video video/VP8") {
			t.Errorf("no track_published event; events %v", ev.lines)
		}
	})

	t.Run("ViewerCannotPublish", func(t *testing.T) {
		watcher, _ := join(t, s, "viewer", "watcher", host)
		waitConnected(t, watcher)
		vp8 := sfutest.VP8Track(t, "sneaky")
		v, vp := join(t, s, "viewer", "v", viewer, vp8)
		waitConnected(t, v)
		send := startSending(vp8)
		defer send.finish()
		select {
		case tr := <-watcher.Tracks:
			t.Fatalf("a viewer's track reached another peer: %s", tr.ID())
		case <-time.After(2 * time.Second):
		}
		if pub := vp.Published(); len(pub) != 0 {
			t.Fatalf("viewer publishes %v", pub)
		}
		if err := vp.Publish(sfu.SourceVideo); !errors.Is(err, sfu.ErrNotAllowed) {
			t.Fatalf("viewer Publish(video) = %v, want ErrNotAllowed", err)
		}
	})

	t.Run("MuteStopsForwarding", func(t *testing.T) {
		bob, _ := join(t, s, "mute", "bob", viewer)
		vp8 := sfutest.VP8Track(t, "cam")
		alice, ap := join(t, s, "mute", "alice", host, vp8)
		waitConnected(t, alice)
		send := startSending(vp8)
		defer send.finish()
		got := frames(nextTrack(t, bob, 10*time.Second))
		if _, silent := quiet(got, 5*time.Second); silent {
			t.Fatal("no frame before mute")
		}
		if changed := ap.Mute(sfu.SourceVideo, true); len(changed) != 1 || !changed[0].Muted {
			t.Fatalf("Mute = %v, want the video track muted", changed)
		}
		time.Sleep(300 * time.Millisecond) // packets already on the wire
		drain(got)
		if i, silent := quiet(got, 1500*time.Millisecond); !silent {
			t.Fatalf("frame #%d arrived while muted", i)
		}
		ap.Mute(sfu.SourceVideo, false)
		if _, silent := quiet(got, 5*time.Second); silent {
			t.Fatal("no frame after unmute")
		}
	})

	t.Run("LeaveStopsTracksAtOnce", func(t *testing.T) {
		bob, _ := join(t, s, "leave", "bob", viewer)
		vp8 := sfutest.VP8Track(t, "cam")
		alice, _ := join(t, s, "leave", "alice", host, vp8)
		waitConnected(t, alice)
		send := startSending(vp8)
		defer send.finish()
		got := frames(nextTrack(t, bob, 10*time.Second))
		if _, silent := quiet(got, 5*time.Second); silent {
			t.Fatal("no frame before leave")
		}
		room := s.Lookup("leave")
		start := time.Now()
		if !room.Leave("alice") {
			t.Fatal("Leave(alice) = false")
		}
		drain(got)
		for {
			_, silent := quiet(got, time.Second)
			if silent {
				break
			}
		}
		t.Logf("frames stopped %s after Leave", time.Since(start).Round(time.Millisecond))
		if len(room.Peers()) != 1 {
			t.Fatalf("peers after leave: %d", len(room.Peers()))
		}
		if !ev.has("unpublished leave alice video") {
			t.Errorf("no track_unpublished event; events %v", ev.lines)
		}
	})

	t.Run("CloseEndsEveryConnection", func(t *testing.T) {
		a, ap := join(t, s, "end", "a", host)
		b, bp := join(t, s, "end", "b", viewer)
		waitConnected(t, a)
		waitConnected(t, b)
		s.Lookup("end").Close()
		for _, p := range []*sfu.Peer{ap, bp} {
			if st := p.State(); st != "closed" {
				t.Errorf("peer %s state %s after Close, want closed", p.ID(), st)
			}
		}
		if s.Lookup("end") != nil {
			t.Error("closed room still listed")
		}
		if _, err := ap.Room().Join("late", viewer, sfutest.NewClient(t)); !errors.Is(err, sfu.ErrClosed) {
			t.Errorf("Join on a closed room = %v, want ErrClosed", err)
		}
	})
}

// checkMetrics scrapes the SFU's collector and wants forwarded packets in
// room and connection statistics for peer.
func checkMetrics(t *testing.T, s *sfu.SFU, room, peer string) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(s.Collector())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	values := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case m.GetCounter() != nil:
				values[key] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				values[key] = m.GetGauge().GetValue()
			}
		}
	}
	if v := values["keyward_rtc_forwarded_packets_total,room="+room]; v <= 0 {
		t.Errorf("forwarded packets in %s = %v, want > 0 (metrics %v)", room, v, values)
	}
	rtt := values["keyward_rtc_peer_rtt_seconds,peer="+peer+",room="+room]
	if rtt <= 0 {
		t.Errorf("RTT of %s = %v, want a measurement (metrics %v)", peer, rtt, values)
	}
	t.Logf("room %s: %v packets, %v bytes forwarded; %s RTT %.4f s", room,
		values["keyward_rtc_forwarded_packets_total,room="+room], values["keyward_rtc_forwarded_bytes_total,room="+room], peer, rtt)
}
