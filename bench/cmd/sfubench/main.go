// Command sfubench measures keyward's SFU: one publisher sending VP8 at
// about 1.3 Mbit/s and a growing number of subscribers, all on loopback
// inside a network namespace of their own.
//
// The SFU runs in a child process of its own (package rooms/sfu behind a
// minimal loopback HTTP signalling endpoint), so its CPU time is read from
// /proc/PID/stat apart from the load generator's. For each subscriber count
// it prints packet loss, frame latency (publisher's send to subscriber's
// last packet: the path through the SFU and two loopback hops), the
// server's CPU seconds per forwarded stream-second, and the time from a
// subscriber's join to its first complete frame.
//
//	sudo go run ./cmd/sfubench                 # N = 1,5,10,20,40,60,80
//	sudo go run ./cmd/sfubench -n 10,50 -seconds 20
//
// It needs root for `unshare --net` (it re-runs itself there when the
// machine has interfaces other than lo). With -pin, the server runs on CPU 1
// and the load generator on CPU 0.
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keyward/keyward/bench/machine"
	"github.com/keyward/keyward/internal/rooms/sfu"
	"github.com/keyward/keyward/internal/rooms/sfu/sfutest"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

func main() {
	serve := flag.Bool("serve", false, "run the SFU server (internal)")
	counts := flag.String("n", "1,5,10,20,40,60,80", "subscriber counts to measure, ascending")
	seconds := flag.Int("seconds", 10, "measurement window per count")
	kbps := flag.Int("kbps", 1300, "publisher bit rate")
	pin := flag.Bool("pin", runtime.NumCPU() >= 2, "pin the server to CPU 1 and the generator to CPU 0")
	flag.Parse()
	log.SetFlags(0)
	if *serve {
		if err := runServer(); err != nil {
			log.Fatal(err)
		}
		return
	}
	if !onlyLoopback() {
		if os.Getenv("SFUBENCH_NETNS") == "1" {
			log.Fatal("sfubench: interfaces other than lo in the namespace")
		}
		reexecInNamespace()
		return
	}
	var ns []int
	for _, f := range strings.Split(*counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			log.Fatalf("sfubench: -n: bad count %q", f)
		}
		ns = append(ns, n)
	}
	if err := run(ns, time.Duration(*seconds)*time.Second, *kbps, *pin); err != nil {
		log.Fatal(err)
	}
}

func onlyLoopback() bool {
	ifs, err := net.Interfaces()
	if err != nil {
		return false
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback == 0 {
			return false
		}
	}
	return true
}

// reexecInNamespace runs this program again in a network namespace with
// only lo, so nothing WebRTC gathers can reach another address.
func reexecInNamespace() {
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	args := append([]string{"--net", "--", "/bin/sh", "-c", `ip link set lo up && exec "$0" "$@"`, self}, os.Args[1:]...)
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), "SFUBENCH_NETNS=1")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("sfubench: in a loopback namespace (needs root and unshare): %v", err)
	}
}

// ---- server side ----

// chanSignaler hands the SFU's offers to the HTTP handler waiting for them.
type chanSignaler chan string

func (c chanSignaler) Offer(sdp string) error {
	select {
	case c <- sdp:
		return nil
	default:
		return errors.New("offer queue full")
	}
}

func runServer() error {
	s, err := sfu.New(sfu.Config{UDPAddr: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	var mu sync.Mutex
	peers := map[string]*sfu.Peer{}
	caps := map[string]sfu.Caps{
		"pub": {Role: "pub", PublishVideo: true},
		"sub": {Role: "sub", Subscribe: func(string) bool { return true }},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /join", func(w http.ResponseWriter, r *http.Request) {
		id, role := r.URL.Query().Get("peer"), r.URL.Query().Get("role")
		sig := make(chanSignaler, 4)
		p, err := s.Join("bench", id, caps[role], sig)
		if err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		mu.Lock()
		peers[id] = p
		mu.Unlock()
		io.WriteString(w, <-sig)
	})
	mux.HandleFunc("POST /answer", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		p := peers[r.URL.Query().Get("peer")]
		mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		if p == nil {
			http.Error(w, "no such peer", http.StatusNotFound)
			return
		}
		if err := p.Answer(string(body)); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	return http.Serve(ln, mux)
}

// ---- load generator ----

type httpAnswerer struct{ base, peer string }

func (a httpAnswerer) Answer(sdp string) error {
	resp, err := http.Post(a.base+"/answer?peer="+a.peer, "application/sdp", strings.NewReader(sdp))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("answer: %s: %s", resp.Status, b)
	}
	return nil
}

func join(base, peer, role string, publish ...webrtc.TrackLocal) (*sfutest.Client, error) {
	c, err := sfutest.Dial(publish...)
	if err != nil {
		return nil, err
	}
	resp, err := http.Post(base+"/join?peer="+peer+"&role="+role, "", nil)
	if err != nil {
		return nil, err
	}
	offer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("join %s: %s: %s", peer, resp.Status, offer)
	}
	c.Attach(httpAnswerer{base, peer})
	return c, c.Offer(string(offer))
}

// subscriber counts what one subscriber receives.
type subscriber struct {
	joined     time.Time
	firstFrame atomic.Int64 // ns after joined
	mu         sync.Mutex
	measuring  bool
	seqs       map[uint16]struct{}
	minSeq     uint16
	maxSeq     uint16
	haveSeq    bool
	latencies  []time.Duration
}

// read counts packets and measures each frame's latency: from the send
// time written in its first packet to the arrival of its last (marker)
// packet.
func (s *subscriber) read(tr *webrtc.TrackRemote) {
	var vp8 codecs.VP8Packet
	sent := map[uint32]time.Time{}
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		now := time.Now()
		s.mu.Lock()
		if s.measuring {
			s.seqs[pkt.SequenceNumber] = struct{}{}
			if !s.haveSeq {
				s.minSeq, s.maxSeq, s.haveSeq = pkt.SequenceNumber, pkt.SequenceNumber, true
			} else if int16(pkt.SequenceNumber-s.maxSeq) > 0 {
				s.maxSeq = pkt.SequenceNumber
			}
		}
		s.mu.Unlock()
		payload, err := vp8.Unmarshal(pkt.Payload)
		if err != nil {
			continue
		}
		if vp8.S == 1 && vp8.PID == 0 && len(payload) >= 12 {
			sent[pkt.Timestamp] = time.Unix(0, int64(binary.BigEndian.Uint64(payload[4:12])))
		}
		if !pkt.Marker {
			continue
		}
		t0, ok := sent[pkt.Timestamp]
		if !ok {
			continue
		}
		clear(sent)
		s.firstFrame.CompareAndSwap(0, int64(now.Sub(s.joined)))
		s.mu.Lock()
		if s.measuring {
			s.latencies = append(s.latencies, now.Sub(t0))
		}
		s.mu.Unlock()
	}
}

func (s *subscriber) start() {
	s.mu.Lock()
	s.measuring, s.seqs, s.haveSeq, s.latencies = true, map[uint16]struct{}{}, false, nil
	s.mu.Unlock()
}

// stop ends a window and returns packets expected, received and latencies.
func (s *subscriber) stop() (expected, got int, lat []time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.measuring = false
	if s.haveSeq {
		expected = int(uint16(s.maxSeq-s.minSeq)) + 1
	}
	return expected, len(s.seqs), s.latencies
}

func run(ns []int, window time.Duration, kbps int, pin bool) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var cmd *exec.Cmd
	if pin {
		cmd = exec.Command("taskset", "-c", "1", self, "-serve")
		if err := exec.Command("taskset", "-p", "-c", "0", strconv.Itoa(os.Getpid())).Run(); err != nil {
			log.Printf("sfubench: pinning the generator: %v", err)
		}
	} else {
		cmd = exec.Command(self, "-serve")
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer cmd.Process.Kill()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return fmt.Errorf("server address: %w", err)
	}
	base := "http://" + strings.TrimSpace(addr)

	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "cam", "pub")
	if err != nil {
		return err
	}
	pub, err := join(base, "pub", "pub", track)
	if err != nil {
		return err
	}
	defer pub.PC.Close()
	frameBytes := kbps * 1000 / 8 / 30
	go func() {
		frame := make([]byte, frameBytes)
		tick := time.NewTicker(time.Second / 30)
		defer tick.Stop()
		for i := 0; ; i++ {
			<-tick.C
			binary.BigEndian.PutUint32(frame, uint32(i))
			binary.BigEndian.PutUint64(frame[4:], uint64(time.Now().UnixNano()))
			if err := track.WriteSample(media.Sample{Data: frame, Duration: time.Second / 30}); err != nil {
				return
			}
		}
	}()
	time.Sleep(time.Second) // the publisher's track is up before anyone subscribes

	fmt.Printf("sfubench: 1 publisher at %d kbit/s VP8 (%d-byte frames, 30/s); window %s; server pinned: %v\n", kbps, frameBytes, window, pin)
	fmt.Printf("%6s %8s %9s %9s %12s %12s %12s\n", "subs", "loss%", "lat p50", "lat p99", "cpu-s/str-s", "join→frame50", "join→frame99")
	var subs []*subscriber
	best := 0
	for _, n := range ns {
		for len(subs) < n {
			s := &subscriber{joined: time.Now()}
			c, err := join(base, fmt.Sprintf("sub%d", len(subs)), "sub")
			if err != nil {
				return err
			}
			defer c.PC.Close()
			go func() {
				if tr, ok := <-c.Tracks; ok {
					s.read(tr)
				}
			}()
			subs = append(subs, s)
		}
		time.Sleep(2 * time.Second)
		for _, s := range subs {
			s.start()
		}
		cpu0 := machine.CPUSeconds(cmd.Process.Pid)
		time.Sleep(window)
		cpu1 := machine.CPUSeconds(cmd.Process.Pid)
		var expected, got int
		var lat, firsts []time.Duration
		for _, s := range subs {
			e, g, l := s.stop()
			expected, got = expected+e, got+g
			lat = append(lat, l...)
			if f := s.firstFrame.Load(); f > 0 {
				firsts = append(firsts, time.Duration(f))
			}
		}
		loss := 100.0
		if expected > 0 {
			loss = 100 * float64(expected-got) / float64(expected)
		}
		perStream := (cpu1 - cpu0) / (float64(n) * window.Seconds())
		p50, p99 := pct(lat, 50), pct(lat, 99)
		fmt.Printf("%6d %8.2f %9s %9s %12.5f %12s %12s\n", n, loss, p50, p99, perStream, pct(firsts, 50), pct(firsts, 99))
		if loss < 1 && p99 < 30*time.Millisecond {
			best = n
		}
	}
	fmt.Printf("largest N with < 1%% loss and latency p99 < 30 ms: %d\n", best)
	return nil
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100].Round(10 * time.Microsecond)
}
