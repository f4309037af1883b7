// Command roomsbench measures keyward's rooms signal path on loopback
// (issue 14): it builds keyward, starts "keyward serve" on 127.0.0.1 with a
// fresh data directory, and prints
//
//   - joins per second and join latency (token minted → "joined" received)
//     p50 and p99, for -peers peers in -rooms rooms, -concurrency at a time,
//     and the serve process's CPU time (user+sys) per join;
//   - message fan-out latency p99 in a -fanout-peer room (one sender, every
//     other peer timestamps each message on arrival), and the serve
//     process's CPU time per delivered message;
//   - the server's memory per idle peer: VmRSS of the serve process with
//     every peer connected and idle, minus VmRSS before the joins, over the
//     number of peers.
//
// Usage (from bench/):
//
//	go run ./cmd/roomsbench [-peers 200] [-rooms 20] [-concurrency 20] [-fanout-peers 16] [-messages 200] [-rtc-udp off]
//
// By default the server runs media, as "keyward serve" does: every joined
// peer gets the server's WebRTC offer (which these clients never answer),
// so the figures include making a PeerConnection per peer; -rtc-udp off
// measures the signal path alone.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/keyward/keyward/bench/machine"
	"github.com/keyward/keyward/token"
)

func main() {
	var (
		peers       = flag.Int("peers", 200, "peers to join")
		rooms       = flag.Int("rooms", 20, "rooms they join")
		concurrency = flag.Int("concurrency", 20, "joins in flight at once")
		fanoutPeers = flag.Int("fanout-peers", 16, "peers of the fan-out room")
		messages    = flag.Int("messages", 200, "messages sent in the fan-out room")
		rtcUDP      = flag.String("rtc-udp", "", `passed to "keyward serve --rtc-udp" ("off": no media); empty: serve's default`)
	)
	flag.Parse()
	if err := run(*peers, *rooms, *concurrency, *fanoutPeers, *messages, *rtcUDP); err != nil {
		fmt.Fprintln(os.Stderr, "roomsbench:", err)
		os.Exit(1)
	}
}

// server is a running keyward serve.
type server struct {
	url         string
	pid         int
	key, secret string
	kid         string
	cmd         *exec.Cmd
}

func start(dir, rtcUDP string) (*server, error) {
	bin := filepath.Join(dir, "keyward")
	build := exec.Command("go", "build", "-o", bin, "./cmd/keyward")
	build.Dir = ".." // the keyward module; run from bench/
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("build keyward: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	data := filepath.Join(dir, "data")
	argv := []string{"serve", "--listen", addr, "--data", data, "--log-level", "error"}
	if rtcUDP != "" {
		argv = append(argv, "--rtc-udp", rtcUDP)
	}
	cmd := exec.Command(bin, argv...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{url: "http://" + addr, pid: cmd.Process.Pid, cmd: cmd}
	for deadline := time.Now().Add(60 * time.Second); ; {
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return nil, fmt.Errorf("keyward serve not ready within 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, err := os.ReadFile(filepath.Join(data, "admin.json"))
	if err != nil {
		return nil, err
	}
	var a struct{ Key, Secret, KID string }
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, err
	}
	s.key, s.secret, s.kid = a.Key, a.Secret, a.KID
	return s, nil
}

// rss returns the serve process's resident set in KiB.
func (s *server) rss() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

func (s *server) room(name string, maxPeers int) (string, error) {
	tok, err := token.New(token.Management, s.key, []byte(s.secret)).SetKeyID(s.kid).ToJWT()
	if err != nil {
		return "", err
	}
	body := fmt.Sprintf(`{"name":%q,"max_peers":%d}`, name, maxPeers)
	req, _ := http.NewRequest("POST", s.url+"/v1/rooms", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out struct{ Room struct{ ID string } }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Room.ID == "" {
		return "", fmt.Errorf("create room %s: %d %v", name, res.StatusCode, err)
	}
	return out.Room.ID, nil
}

// join mints a token and opens a socket; it returns when joined arrived.
func (s *server) join(room, user string) (*websocket.Conn, time.Duration, error) {
	t0 := time.Now()
	tok, err := token.New(token.App, s.key, []byte(s.secret)).SetKeyID(s.kid).SetRoom(room).SetUser(user).SetRole("guest").ToJWT()
	if err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+tok)
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.url, "http")+"/rtc", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		return nil, 0, err
	}
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return nil, 0, err
		}
		if strings.Contains(string(b), `"type":"joined"`) {
			return c, time.Since(t0), nil
		}
	}
}

func pct(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

func run(peers, rooms, concurrency, fanoutPeers, messages int, rtcUDP string) error {
	dir, err := os.MkdirTemp("", "roomsbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s, err := start(dir, rtcUDP)
	if err != nil {
		return err
	}
	defer func() { s.cmd.Process.Kill(); s.cmd.Wait() }()
	fmt.Printf("machine: %s, %d CPUs, load %s (figures under this load)\n", machine.CPUModel(), runtime.NumCPU(), machine.LoadAvg())
	if rtcUDP == "off" {
		fmt.Println("server: --rtc-udp off (signal only)")
	} else {
		fmt.Println("server: with media (a PeerConnection and an offer per peer)")
	}

	ids := make([]string, rooms)
	for i := range ids {
		if ids[i], err = s.room(fmt.Sprintf("bench-%d", i), (peers+rooms-1)/rooms); err != nil {
			return err
		}
	}
	// Let the server settle, then take the idle baselines: memory, and the
	// CPU the server spends with nobody connected (its timers), which the
	// fan-out figure subtracts.
	time.Sleep(time.Second)
	before := s.rss()
	const idleWindow = 5 * time.Second
	c := machine.CPUSeconds(s.pid)
	time.Sleep(idleWindow)
	idleRate := (machine.CPUSeconds(s.pid) - c) / idleWindow.Seconds()
	fmt.Printf("idle: serve uses %.1f ms CPU a second with nobody connected\n", 1000*idleRate)
	cpu0 := machine.CPUSeconds(s.pid)

	var (
		mu    sync.Mutex
		lat   []time.Duration
		conns []*websocket.Conn
		first error
	)
	work := make(chan int)
	var wg sync.WaitGroup
	t0 := time.Now()
	for range concurrency {
		wg.Go(func() {
			for i := range work {
				c, d, err := s.join(ids[i%rooms], fmt.Sprintf("u%d", i))
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				if err == nil {
					lat = append(lat, d)
					conns = append(conns, c)
					// Keep reading so that pings are answered.
					go func() {
						for {
							if _, _, err := c.Read(context.Background()); err != nil {
								return
							}
						}
					}()
				}
				mu.Unlock()
			}
		})
	}
	for i := range peers {
		work <- i
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(t0)
	joinCPU := machine.CPUSeconds(s.pid) - cpu0
	if first != nil {
		return fmt.Errorf("join: %w", first)
	}
	fmt.Printf("joins: %d peers in %d rooms, %d at a time: %.0f joins/s; token→joined p50 %v p99 %v; serve CPU %.2f ms per join\n",
		peers, rooms, concurrency, float64(peers)/elapsed.Seconds(), pct(lat, 0.5).Round(10*time.Microsecond), pct(lat, 0.99).Round(10*time.Microsecond),
		1000*joinCPU/float64(peers))
	time.Sleep(2 * time.Second)
	after := s.rss()
	fmt.Printf("memory: serve VmRSS %d KiB idle, %d KiB with %d idle peers: %.1f KiB per idle peer\n",
		before, after, len(conns), float64(after-before)/float64(len(conns)))
	for _, c := range conns {
		c.CloseNow()
	}

	// Fan-out.
	room, err := s.room("fanout", fanoutPeers)
	if err != nil {
		return err
	}
	sender, _, err := s.join(room, "sender")
	if err != nil {
		return err
	}
	defer sender.CloseNow()
	var (
		fmu     sync.Mutex
		fanLat  []time.Duration
		rwg     sync.WaitGroup
		sent    = make([]time.Time, messages)
		sentMu  sync.Mutex
		waiters []*websocket.Conn
	)
	for i := range fanoutPeers - 1 {
		c, _, err := s.join(room, fmt.Sprintf("r%d", i))
		if err != nil {
			return err
		}
		waiters = append(waiters, c)
	}
	for _, c := range waiters {
		rwg.Go(func() {
			defer c.CloseNow()
			got := 0
			for got < messages {
				_, b, err := c.Read(context.Background())
				if err != nil {
					return
				}
				now := time.Now()
				var m struct {
					Type    string
					Message int
				}
				if json.Unmarshal(b, &m) != nil || m.Type != "message" {
					continue
				}
				sentMu.Lock()
				at := sent[m.Message]
				sentMu.Unlock()
				fmu.Lock()
				fanLat = append(fanLat, now.Sub(at))
				fmu.Unlock()
				got++
			}
		})
	}
	go func() {
		for {
			if _, _, err := sender.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	cpu1, f0 := machine.CPUSeconds(s.pid), time.Now()
	for i := range messages {
		sentMu.Lock()
		sent[i] = time.Now()
		sentMu.Unlock()
		if err := sender.Write(context.Background(), websocket.MessageText, fmt.Appendf(nil, `{"type":"message","message":%d}`, i)); err != nil {
			return err
		}
		// Stay under the per-peer rate (50/s, burst 100).
		time.Sleep(25 * time.Millisecond)
	}
	rwg.Wait()
	fanCPU := machine.CPUSeconds(s.pid) - cpu1 - idleRate*time.Since(f0).Seconds()
	if len(fanLat) != messages*(fanoutPeers-1) {
		return fmt.Errorf("fan-out: %d deliveries, want %d", len(fanLat), messages*(fanoutPeers-1))
	}
	fmt.Printf("fan-out: %d messages to %d peers: p50 %v p99 %v; serve CPU %.1f µs per delivered message (idle use subtracted)\n", messages, fanoutPeers-1,
		pct(fanLat, 0.5).Round(time.Microsecond), pct(fanLat, 0.99).Round(time.Microsecond), 1e6*fanCPU/float64(len(fanLat)))
	return nil
}
