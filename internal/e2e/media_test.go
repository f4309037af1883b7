package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward/internal/rooms/sfu/sfutest"
	"github.com/keyward/keyward/internal/testenv"
)

// browser is one headless Chromium of its own, held to loopback.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T, path string) *browser {
	t.Helper()
	opts := append(testenv.ChromiumOptions(path, t.TempDir()),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		// Real host addresses instead of mDNS names, so the guard sees them.
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
		chromedp.WindowSize(1000, 700),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx}
}

// eval runs an expression (awaiting a promise) and decodes its JSON value
// into out.
func (b *browser) eval(js string, out any) error {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

func (b *browser) open(url string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("#status"))); err != nil {
		b.t.Fatalf("open %s: %v", strings.SplitN(url, "?", 2)[0], err)
	}
}

// screenshot saves the page as NAME.png in the artifacts directory
// ($KEYWARD_TEST_ARTIFACTS, else a temporary one) and checks it decodes.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if _, err := png.Decode(bytes.NewReader(buf)); err != nil {
		b.t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	dir := os.Getenv("KEYWARD_TEST_ARTIFACTS")
	if dir == "" {
		dir = b.t.TempDir()
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
}

// mediaStats is what the page's connection reports.
type mediaStats struct {
	Video, Audio   float64 // frames decoded, audio samples received
	Local, Remote  string  // the selected candidate pair's addresses
	State          string  // the connection's state
	PeerVideoBytes float64 // bytes received of the tile's video (-1: no tile)
}

// statsJS reads the page's connection statistics; %q is a user id whose
// tile's video bytes are counted ("" for none).
const statsJS = `(async (user) => {
  const k = window.keyward, pc = k && k.pc;
  if (!pc) return {video: 0, audio: 0, local: "", remote: "", state: "none", peervideobytes: -1};
  const st = await pc.getStats(), byId = {};
  st.forEach((r) => { byId[r.id] = r; });
  let video = 0, audio = 0, pair = null, peerBytes = -1;
  let tid = "";
  const v = user ? document.querySelector('video[data-peer="' + user + '"]') : null;
  if (v && v.srcObject && v.srcObject.getVideoTracks().length) { tid = v.srcObject.getVideoTracks()[0].id; peerBytes = 0; }
  st.forEach((r) => {
    if (r.type === "inbound-rtp" && r.kind === "video") { video += r.framesDecoded || 0; if (tid && r.trackIdentifier === tid) peerBytes = r.bytesReceived || 0; }
    if (r.type === "inbound-rtp" && r.kind === "audio") audio += r.totalSamplesReceived || 0;
    if (r.type === "transport" && r.selectedCandidatePairId) pair = byId[r.selectedCandidatePairId];
  });
  const loc = pair && byId[pair.localCandidateId], rem = pair && byId[pair.remoteCandidateId];
  return {video, audio, local: (loc && (loc.address || loc.ip)) || "", remote: (rem && (rem.address || rem.ip)) || "", state: pc.connectionState, peervideobytes: peerBytes};
})(%q)`

func (b *browser) stats(user string) mediaStats {
	b.t.Helper()
	var raw map[string]any
	if err := b.eval(fmt.Sprintf(statsJS, user), &raw); err != nil {
		b.t.Fatalf("getStats: %v", err)
	}
	num := func(k string) float64 { f, _ := raw[k].(float64); return f }
	str := func(k string) string { s, _ := raw[k].(string); return s }
	return mediaStats{Video: num("video"), Audio: num("audio"), Local: str("local"), Remote: str("remote"), State: str("state"), PeerVideoBytes: num("peervideobytes")}
}

// guard fails the test on any description or candidate the page saw that
// is not on 127.0.0.1.
func (b *browser) guard(name string) {
	b.t.Helper()
	var seen struct {
		SDPs       []string `json:"sdps"`
		Candidates []string `json:"candidates"`
	}
	if err := b.eval(`({sdps: window.keyward.sdps, candidates: window.keyward.candidates})`, &seen); err != nil {
		b.t.Fatalf("%s: read descriptions: %v", name, err)
	}
	if len(seen.SDPs) == 0 {
		b.t.Fatalf("%s: no description was exchanged", name)
	}
	for _, s := range append(seen.SDPs, seen.Candidates...) {
		if err := sfutest.CheckLoopback(s); err != nil {
			b.t.Fatalf("%s: %v", name, err)
		}
	}
	b.t.Logf("%s: %d descriptions and %d trickled candidates, every candidate on 127.0.0.1", name, len(seen.SDPs), len(seen.Candidates))
}

// TestMediaInBrowsers: two headless Chromiums join one room through
// keyward with tokens the seed's Node sample signs and see and hear each
// other; a viewer cannot publish; a muted track stops; a removed peer's
// video stops at once; end-room closes every connection. It runs inside a
// network namespace with only lo.
func TestMediaInBrowsers(t *testing.T) {
	if !testenv.LoopbackNamespace(t) {
		return
	}
	nodeBin := mustNodeWS(t)
	chrome := testenv.Path(t, "/usr/bin/chromium")
	n := startNode(t, "", "--rtc-udp", "127.0.0.1:0")
	admin := n.adminCreds()
	room := makeRoom(t, n, admin, "media", 0)
	env := []string{"KEYWARD_KEY=" + admin.Key, "KEYWARD_SECRET=" + admin.Secret, "KEYWARD_ROOM=" + room}
	sign := func(user, role string) string {
		return runSample(t, append(env, "KEYWARD_USER="+user, "KEYWARD_ROLE="+role), nodeBin, filepath.Join(interopDir, "node", "app.js"))
	}
	join := func(b *browser, user, role string) {
		b.open(n.URL + "/rooms/join?token=" + sign(user, role))
	}

	a, b := newBrowser(t, chrome), newBrowser(t, chrome)
	join(a, "alice", "host")
	join(b, "bob", "guest")

	// B decodes A's video and receives A's audio, over 127.0.0.1.
	took := waitFor(t, 10*time.Second, "bob decodes alice's video and audio", func() bool {
		s := b.stats("alice")
		return s.Video > 0 && s.Audio > 0
	})
	t.Logf("bob: alice's first decoded frame and audio within %s of joining", took.Round(time.Millisecond))
	for name, br := range map[string]*browser{"alice": a, "bob": b} {
		s := br.stats("")
		if s.Local != "127.0.0.1" || s.Remote != "127.0.0.1" {
			t.Errorf("%s: selected candidate pair %q → %q, want 127.0.0.1 on both sides", name, s.Local, s.Remote)
		}
		br.guard(name)
	}
	b.screenshot("media-bob-sees-alice")
	a.screenshot("media-alice-sees-bob")

	t.Run("ViewerCannotPublish", func(t *testing.T) {
		c := newBrowser(t, chrome)
		join(c, "carol", "viewer")
		waitFor(t, 10*time.Second, "carol receives alice", func() bool { return c.stats("alice").Video > 0 })
		time.Sleep(2 * time.Second)
		var tracks int
		if err := c.eval(`window.keyward.pc.getSenders().filter((s) => s.track).length`, &tracks); err != nil {
			t.Fatal(err)
		}
		if s := b.stats("carol"); s.PeerVideoBytes > 0 || tracks != 0 {
			t.Fatalf("viewer carol: %d local tracks sent, bob receives %v bytes of hers", tracks, s.PeerVideoBytes)
		}
		c.guard("carol")
	})

	t.Run("MutedTrackStops", func(t *testing.T) {
		if err := a.eval(`document.getElementById("cam").click(), true`, new(bool)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond) // what was on the wire
		before := b.stats("alice").PeerVideoBytes
		time.Sleep(1500 * time.Millisecond)
		if after := b.stats("alice").PeerVideoBytes; after != before {
			t.Fatalf("alice's video kept arriving while muted: %v → %v bytes", before, after)
		}
		if err := a.eval(`document.getElementById("cam").click(), true`, new(bool)); err != nil {
			t.Fatal(err)
		}
		start := b.stats("alice").PeerVideoBytes
		waitFor(t, 5*time.Second, "alice's video resumes after unmute", func() bool { return b.stats("alice").PeerVideoBytes > start })
	})

	t.Run("RemovedPeersVideoStopsAtOnce", func(t *testing.T) {
		d := newBrowser(t, chrome)
		join(d, "dave", "guest")
		waitFor(t, 10*time.Second, "bob receives dave's video", func() bool { return b.stats("dave").PeerVideoBytes > 0 })
		var daveID string
		if err := d.eval(`window.keyward.self.peer_id`, &daveID); err != nil {
			t.Fatal(err)
		}
		if err := a.eval(fmt.Sprintf(`window.keyward.ws.send(JSON.stringify({type: "remove", peer_id: %q, reason: "test"})), true`, daveID), new(bool)); err != nil {
			t.Fatal(err)
		}
		// Stopped: no tile any more, or its bytes stand still for 500 ms.
		var last float64 = -2
		took := waitFor(t, 3*time.Second, "dave's video stops at bob", func() bool {
			s := b.stats("dave").PeerVideoBytes
			if s < 0 {
				return true
			}
			stopped := s == last
			last = s
			time.Sleep(400 * time.Millisecond)
			return stopped
		})
		t.Logf("dave's video stopped at bob within %s of the remove (tile or bytes)", took.Round(time.Millisecond))
		// The tile may outlive the track by a moment; the bytes must not move.
		s1 := b.stats("dave").PeerVideoBytes
		time.Sleep(time.Second)
		if s2 := b.stats("dave").PeerVideoBytes; s2 > s1 {
			t.Fatalf("dave's video still arrives after removal: %v → %v", s1, s2)
		}
	})

	t.Run("EndRoomClosesEveryConnection", func(t *testing.T) {
		if err := a.eval(`window.keyward.ws.send(JSON.stringify({type: "end_room", reason: "done", lock: false})), true`, new(bool)); err != nil {
			t.Fatal(err)
		}
		for name, br := range map[string]*browser{"alice": a, "bob": b} {
			waitFor(t, 10*time.Second, name+"'s connection closes", func() bool {
				s := br.stats("")
				return s.State == "none" || s.State == "closed"
			})
		}
		waitFor(t, 10*time.Second, "the server holds no media for the room", func() bool {
			res, err := http.Get(n.URL + "/metrics")
			if err != nil {
				return false
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			return !strings.Contains(string(body), `keyward_rtc_peers{room="`+room+`"}`)
		})
		b.screenshot("media-bob-after-end")
	})
}
