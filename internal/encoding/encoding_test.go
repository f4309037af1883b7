package encoding_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/blob"
	"github.com/keyward/keyward/internal/encoding"
	"github.com/keyward/keyward/internal/fetch"
	"github.com/keyward/keyward/internal/fetch/fetchtest"
	"github.com/keyward/keyward/internal/jobs"
	"github.com/keyward/keyward/internal/testenv"
	"github.com/keyward/keyward/internal/watermark"
	"github.com/keyward/keyward/token"
)

// music returns seconds of synthetic music-like stereo audio at rate: a
// pentatonic melody with harmonics over a chord pad, a beat and a little
// noise.
func music(seconds float64, rate int, seed uint64) *audio.Buffer {
	n := int(seconds * float64(rate))
	l, r := make([]float32, n), make([]float32, n)
	rng := rand.New(rand.NewPCG(seed, 7))
	scale := []float64{0, 2, 4, 7, 9, 12, 14, 16}
	noteLen := rate / 4
	var freq float64
	chords := [][]float64{{0, 4, 7}, {5, 9, 12}, {7, 11, 14}, {-3, 0, 4}}
	for i := 0; i < n; i++ {
		if i%noteLen == 0 {
			freq = 261.63 * math.Pow(2, scale[rng.IntN(len(scale))]/12)
		}
		t := float64(i) / float64(rate)
		pos := float64(i%noteLen) / float64(noteLen)
		env := math.Exp(-3*pos) * (1 - math.Exp(-200*pos))
		v := 0.0
		for h := 1; h <= 5; h++ {
			v += math.Sin(2*math.Pi*freq*float64(h)*t) / float64(h*h)
		}
		v *= 0.35 * env
		chord := chords[(i/(rate*2))%len(chords)]
		pad := 0.0
		for _, c := range chord {
			pad += math.Sin(2 * math.Pi * 130.81 * math.Pow(2, c/12) * t)
		}
		pad *= 0.06
		beat := 0.0
		if bp := float64(i%(rate/2)) / float64(rate); bp < 0.08 {
			beat = 0.25 * math.Sin(2*math.Pi*60*bp) * math.Exp(-40*bp)
		}
		noise := (rng.Float64()*2 - 1) * 0.01
		l[i] = float32(v + pad + beat + noise)
		r[i] = float32(0.8*v + pad + beat + noise)
	}
	return &audio.Buffer{Rate: rate, Data: [][]float32{l, r}, BitDepth: 16}
}

func wavBytes(t testing.TB, buf *audio.Buffer) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := audio.EncodeWAV(&b, buf); err != nil {
		t.Fatalf("EncodeWAV: %v", err)
	}
	return b.Bytes()
}

func flacBytes(t testing.TB, buf *audio.Buffer) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := audio.EncodeFLAC(&b, buf); err != nil {
		t.Fatalf("EncodeFLAC: %v", err)
	}
	return b.Bytes()
}

// mp3Bytes encodes buf with lame at bitrate kbit/s.
func mp3Bytes(t testing.TB, buf *audio.Buffer, bitrate int) []byte {
	t.Helper()
	lame := testenv.Command(t, "lame")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.mp3")
	if err := os.WriteFile(in, wavBytes(t, buf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(lame, "--quiet", "-b", strconv.Itoa(bitrate), in, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lame: %v: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// songServer serves test files on loopback.
type songServer struct {
	mu    sync.Mutex
	files map[string][]byte
	srv   *httptest.Server
	slow  chan struct{} // /slow.wav streams until closed
}

func newSongServer(t *testing.T) *songServer {
	t.Helper()
	s := &songServer{files: map[string][]byte{}, slow: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/files/{name}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		b, ok := s.files[r.PathValue("name")]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(b)
	})
	mux.HandleFunc("/page.mp3", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		io.WriteString(w, "<!doctype html><html><body>Login required</body></html>")
	})
	mux.HandleFunc("/big.wav", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(9<<20))
		w.Write([]byte("RIFF"))
	})
	mux.HandleFunc("/hang.wav", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *songServer) add(name string, b []byte) string {
	s.mu.Lock()
	s.files[name] = b
	s.mu.Unlock()
	return s.srv.URL + "/files/" + name
}

// newNet is the fetcher's resolver and dialer: names resolve from a
// table, and only 127.0.0.1 (allowed by the test's allow list) is ever
// dialled; any other attempt is refused and recorded.
func newNet() *fetchtest.Net {
	var mu sync.Mutex
	rebinds := 0
	return &fetchtest.Net{
		Loopback: true,
		Hosts: map[string][]netip.Addr{
			"songs.test": {netip.MustParseAddr("127.0.0.1")},
			"meta.test":  {netip.MustParseAddr("169.254.169.254")},
		},
		LookupFunc: func(host string) ([]netip.Addr, error, bool) {
			if host != "rebind.test" {
				return nil, nil, false
			}
			// A public address for the first answer, the metadata address
			// after it: a DNS rebinding attack.
			mu.Lock()
			defer mu.Unlock()
			rebinds++
			if rebinds == 1 {
				return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil, true
			}
			return []netip.Addr{netip.MustParseAddr("169.254.169.254")}, nil, true
		},
	}
}

type testBundle struct {
	svc     *encoding.Service
	api     *httptest.Server
	songs   *songServer
	marker  *watermark.Marker
	net     *fetchtest.Net
	blobDir string
	tempDir string
	jobsCfg jobs.Config
	open    func(t *testing.T) *encoding.Service
}

// testMiddleware stands in for the door: the credential id comes from
// X-Test-Credential and the body is the token's arg.
func testMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cred, _ := strconv.ParseInt(r.Header.Get("X-Test-Credential"), 10, 64)
		body, _ := io.ReadAll(r.Body)
		id := &auth.Identity{CredentialID: cred, Key: "key-" + strconv.FormatInt(cred, 10), Profile: token.Request, Arg: body}
		if r.URL.RawQuery != "" {
			id.Profile, id.Arg = token.QSH, nil
		}
		next.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), id)))
	})
}

func setup(t *testing.T, jc jobs.Config) *testBundle {
	t.Helper()
	return setupLimits(t, jc, 8<<20, time.Minute)
}

// setupLimits is setup with the fetcher's size limit and the service's
// duration limit.
func setupLimits(t *testing.T, jc jobs.Config, maxBytes int64, maxDuration time.Duration) *testBundle {
	t.Helper()
	b := &testBundle{songs: newSongServer(t), net: newNet(), blobDir: t.TempDir(), tempDir: t.TempDir()}
	t.Cleanup(func() {
		if refused := b.net.Refused(); len(refused) > 0 {
			t.Errorf("the fetcher dialled non-loopback addresses: %v", refused)
		}
	})
	timeout := 1500 * time.Millisecond // the Timeout failure case waits for it
	if maxBytes > 8<<20 {
		timeout = time.Minute
	}
	m, err := watermark.New(watermark.Config{Key: []byte("keyward-test-watermark-key-32byt")})
	if err != nil {
		t.Fatal(err)
	}
	b.marker = m
	f, err := fetch.New(fetch.Config{
		Allow:       []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		MaxBytes:    maxBytes,
		Timeout:     timeout,
		Resolver:    b.net,
		DialContext: b.net.DialContext,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	b.api = httptest.NewServer(mux)
	t.Cleanup(b.api.Close)
	store, err := blob.NewLocal(blob.LocalConfig{Dir: b.blobDir, Secret: bytes.Repeat([]byte("s"), 32), BaseURL: b.api.URL})
	if err != nil {
		t.Fatal(err)
	}
	jc.MaxAttempts = 2
	jc.RetryBase = 100 * time.Millisecond
	jc.HeartbeatInterval = 200 * time.Millisecond
	jc.LeaseTimeout = 2 * time.Second
	jc.PollInterval = 50 * time.Millisecond
	b.jobsCfg = jc
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	var current struct {
		sync.RWMutex
		svc *encoding.Service
	}
	b.open = func(t *testing.T) *encoding.Service {
		svc, err := encoding.Open(context.Background(), encoding.Config{
			Jobs: jc, Blob: store, LocalFiles: store, Fetcher: f, Marker: m, TempDir: b.tempDir,
			MaxDuration: maxDuration, Logger: logger, MatchFLAC: true,
		})
		if err != nil {
			t.Fatalf("encoding.Open: %v", err)
		}
		current.Lock()
		current.svc = svc
		current.Unlock()
		return svc
	}
	b.svc = b.open(t)
	for _, ep := range b.svc.Endpoints() {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			current.RLock()
			svc := current.svc
			current.RUnlock()
			for _, e2 := range svc.Endpoints() {
				if e2.Pattern == ep.Pattern {
					e2.Handler.ServeHTTP(w, r)
				}
			}
		})
		if ep.Policy == nil {
			mux.Handle(ep.Pattern, h)
		} else {
			mux.Handle(ep.Pattern, testMiddleware(h))
		}
	}
	if err := b.svc.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		// Runs first (cleanups run last-in first-out), after every subtest:
		// no download or encoding may be left in the temporary directory.
		entries, _ := os.ReadDir(b.tempDir)
		for _, e := range entries {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		current.RLock()
		svc := current.svc
		current.RUnlock()
		svc.Stop(ctx)
		svc.Close()
	})
	return b
}

// envelopeOf is a decoded response.
type envelopeOf map[string]any

func (e envelopeOf) str(k string) string { s, _ := e[k].(string); return s }

func (e envelopeOf) errCode() string {
	p, _ := e["params"].(map[string]any)
	s, _ := p["err"].(string)
	return s
}

func (b *testBundle) call(t *testing.T, cred int64, path string, arg map[string]string) (int, envelopeOf) {
	t.Helper()
	body, _ := json.Marshal(arg)
	req, _ := http.NewRequest(http.MethodPost, b.api.URL+path, bytes.NewReader(body))
	req.Header.Set("X-Test-Credential", strconv.FormatInt(cred, 10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var e envelopeOf
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatalf("POST %s: decode: %v", path, err)
	}
	return resp.StatusCode, e
}

// start starts a job and returns its query credential.
func (b *testBundle) start(t *testing.T, cred int64, src, artist string) string {
	t.Helper()
	code, e := b.call(t, cred, "/v3/sl/encoding", map[string]string{"src": src, "artist": artist})
	if code != 200 || e.str("query") == "" {
		t.Fatalf("start %s: %d %v", src, code, e)
	}
	return e.str("query")
}

// wait polls the job until it is no longer processing.
func (b *testBundle) wait(t *testing.T, cred int64, query string, timeout time.Duration) envelopeOf {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		code, e := b.call(t, cred, "/v3/sl/query", map[string]string{"query": query})
		if code != 200 {
			t.Fatalf("query: %d %v", code, e)
		}
		if e.str("status") != encoding.StatusProcessing {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still processing after %s: %v", timeout, e)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// download fetches a complete answer's link and decodes it.
func download(t *testing.T, link string) (*audio.Buffer, []byte) {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatalf("GET %s: %v", link, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", link, resp.StatusCode, body)
	}
	buf, err := audio.Decode(bytes.NewReader(body), audio.FormatUnknown, audio.Limits{})
	if err != nil {
		t.Fatalf("decode download: %v", err)
	}
	return buf, body
}

func (b *testBundle) detectID(t *testing.T, buf *audio.Buffer) string {
	t.Helper()
	res, err := b.marker.Detect(buf.Data, buf.Rate)
	if err != nil {
		t.Fatalf("Detect: %v", err)
	}
	if len(res) == 0 {
		return ""
	}
	return res[0].ID.String()
}

// assertClean checks that no file of the job is left.
func (b *testBundle) assertClean(t *testing.T, jobID string) {
	t.Helper()
	entries, _ := os.ReadDir(b.blobDir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), jobID) {
			t.Errorf("left behind: %s", filepath.Join(b.blobDir, e.Name()))
		}
	}
}

func databases() []struct {
	name string
	cfg  func(t *testing.T) jobs.Config
} {
	return []struct {
		name string
		cfg  func(t *testing.T) jobs.Config
	}{
		{"SQLite", func(t *testing.T) jobs.Config { return jobs.Config{SQLitePath: filepath.Join(t.TempDir(), "jobs.db")} }},
		{"Postgres", func(t *testing.T) jobs.Config { return jobs.Config{PostgresURL: testenv.Postgres(t)} }},
	}
}

func TestEncoding(t *testing.T) {
	t.Parallel()
	song := music(8, 44100, 1)
	mp3 := mp3Bytes(t, song, 192)
	for _, db := range databases() {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, db.cfg(t))

			t.Run("Formats", func(t *testing.T) {
				t.Parallel()
				for _, tc := range []struct {
					name, format string
					data         []byte
				}{
					{"song.wav", "wav", wavBytes(t, song)},
					{"song.flac", "flac", flacBytes(t, song)},
					{"song.mp3", "wav", mp3},
				} {
					t.Run(tc.name, func(t *testing.T) {
						t.Parallel()
						src := b.songs.add(db.name+"-"+tc.name, tc.data)
						start := time.Now()
						q := b.start(t, 1, src, "Ada & the Lovelaces")
						e := b.wait(t, 1, q, 60*time.Second)
						if e.str("status") != encoding.StatusComplete {
							t.Fatalf("%s: %v, want complete", tc.name, e)
						}
						t.Logf("%s: complete in %s; timings %v", tc.name, time.Since(start).Round(time.Millisecond), e["timings"])
						if e.str("format") != tc.format || e.str("artist") != "Ada & the Lovelaces" || e.str("soundlink") == "" {
							t.Errorf("%s: complete answer %v", tc.name, e)
						}
						if d, _ := e["duration"].(float64); math.Abs(d-8) > 0.1 {
							t.Errorf("%s: duration %v, want 8", tc.name, e["duration"])
						}
						out, _ := download(t, e.str("url"))
						if out.Rate != 44100 || out.Channels() != 2 {
							t.Errorf("%s: output %d Hz × %d, want 44100 × 2", tc.name, out.Rate, out.Channels())
						}
						if got := b.detectID(t, out); got != e.str("soundlink") {
							t.Fatalf("%s: the download carries %q, want %q", tc.name, got, e.str("soundlink"))
						}
						// An MP3-128 excerpt of it, through the API.
						n := out.Frames()
						excerpt := &audio.Buffer{Rate: out.Rate, BitDepth: 16,
							Data: [][]float32{out.Data[0][n/8 : n*7/8], out.Data[1][n/8 : n*7/8]}}
						exSrc := b.songs.add(db.name+"-excerpt-"+tc.name+".mp3", mp3Bytes(t, excerpt, 128))
						code, d := b.call(t, 2, "/v3/sl/detect", map[string]string{"src": exSrc})
						sl, _ := d["soundlink"].(map[string]any)
						if code != 200 || d["found"] != true || sl["id"] != e.str("soundlink") || sl["artist"] != "Ada & the Lovelaces" || sl["job"] != e.str("job") {
							t.Fatalf("%s: detect on an MP3-128 excerpt: %d %v; want %s by Ada & the Lovelaces", tc.name, code, d, e.str("soundlink"))
						}
					})
				}
			})

			t.Run("DetectNone", func(t *testing.T) {
				t.Parallel()
				src := b.songs.add(db.name+"-plain.wav", wavBytes(t, music(6, 22050, 9)))
				code, d := b.call(t, 3, "/v3/sl/detect", map[string]string{"src": src})
				if code != 200 || d["found"] != false || !strings.Contains(d.str("message"), "no sound link") {
					t.Fatalf("detect on unmarked audio: %d %v", code, d)
				}
			})

			t.Run("OtherCredential", func(t *testing.T) {
				t.Parallel()
				q := b.start(t, 10, b.songs.add(db.name+"-mine.wav", wavBytes(t, music(5, 8000, 3))), "Mine")
				code, e := b.call(t, 11, "/v3/sl/query", map[string]string{"query": q})
				if code != 404 || e.errCode() != "NOT_FOUND" {
					t.Fatalf("query by another credential: %d %v, want 404 NOT_FOUND", code, e)
				}
				code2, e2 := b.call(t, 11, "/v3/sl/query", map[string]string{"query": "q_doesnotexist"})
				if code2 != code || e2.errCode() != e.errCode() || e2["params"].(map[string]any)["errmsg"] != e["params"].(map[string]any)["errmsg"] {
					t.Fatalf("another app's job and no job answer differently: %v vs %v", e, e2)
				}
				if e := b.wait(t, 10, q, 60*time.Second); e.str("status") != encoding.StatusComplete {
					t.Fatalf("owner's job: %v", e)
				}
			})

			t.Run("BadRequests", func(t *testing.T) {
				t.Parallel()
				for _, arg := range []map[string]string{
					{"artist": "x"},
					{"src": "ftp://x/y.wav", "artist": "x"},
					{"src": "http://songs.test/a.wav"},
				} {
					code, e := b.call(t, 1, "/v3/sl/encoding", arg)
					if code != 400 || e.errCode() != "BAD_REQUEST" {
						t.Errorf("start %v: %d %v, want 400", arg, code, e)
					}
				}
			})

			t.Run("Failures", func(t *testing.T) {
				t.Parallel()
				long := &audio.Buffer{Rate: 8000, Data: [][]float32{make([]float32, 8000*70)}, BitDepth: 16}
				longSrc := b.songs.add(db.name+"-long.wav", wavBytes(t, long))
				port := b.songs.srv.URL[strings.LastIndex(b.songs.srv.URL, ":")+1:]
				for _, tc := range []struct {
					name, src, want string
				}{
					{"NotFound", b.songs.srv.URL + "/files/missing.wav", "answered 404 Not Found"},
					{"NotAudio", b.songs.srv.URL + "/page.mp3", "does not point to audio"},
					{"TooLarge", b.songs.srv.URL + "/big.wav", "larger than the limit of 8 MiB"},
					{"TooLong", longSrc, "longer than the limit of 1 minutes"},
					{"Timeout", b.songs.srv.URL + "/hang.wav", "took longer than 1.5s (gave up after 2 attempts)"},
					{"RedirectToBlocked", b.songs.srv.URL + "/redirect?to=http://169.254.169.254/latest/meta-data/", "private, loopback, link-local"},
					{"Rebinding", "http://rebind.test:" + port + "/song.wav", `"rebind.test" is on a private, loopback, link-local`},
				} {
					t.Run(tc.name, func(t *testing.T) {
						t.Parallel()
						q := b.start(t, 5, tc.src, "Nobody")
						e := b.wait(t, 5, q, 60*time.Second)
						if e.str("status") != encoding.StatusFailed || !strings.Contains(e.str("message"), tc.want) {
							t.Fatalf("%s: %v; want failed with %q", tc.name, e, tc.want)
						}
						t.Logf("%s: %s", tc.name, e.str("message"))
						b.assertClean(t, e.str("job"))
					})
				}
			})
		})
	}
}

// TestRefusedUpFront checks that a start whose src the guard refuses is
// answered at once with the error detect gives for it, and starts no job.
func TestRefusedUpFront(t *testing.T) {
	t.Parallel()
	b := setup(t, databases()[0].cfg(t))
	for _, tc := range []struct{ name, src, want string }{
		{"BlockedName", "http://meta.test/song.wav", `"meta.test" is on a private, loopback, link-local or otherwise reserved network`},
		{"BlockedLiteral", "http://10.0.0.1/song.wav", "--fetch-allow CIDR"},
		{"BlockedNumeric", "http://0xa9fea9fe/latest/meta-data/", `"0xa9fea9fe" is on a private`},
		{"LoopbackShort", "http://127.2:9/song.wav", `"127.2" is on a private`}, // 127.0.0.2; only 127.0.0.1/32 is allowed
		{"NoSuchHost", "http://missing.test/song.wav", `"missing.test" does not exist`},
		{"InvalidNumeric", "http://256.0.0.1/song.wav", "neither a valid host name nor an address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, e := b.call(t, 9, "/v3/sl/encoding", map[string]string{"src": tc.src, "artist": "Nobody"})
			dcode, d := b.call(t, 9, "/v3/sl/detect", map[string]string{"src": tc.src})
			msg := func(e envelopeOf) string {
				p, _ := e["params"].(map[string]any)
				s, _ := p["errmsg"].(string)
				return s
			}
			if code != 400 || e.errCode() != "BAD_REQUEST" || !strings.Contains(msg(e), tc.want) || e.str("query") != "" {
				t.Errorf("start %s: %d %v; want 400 BAD_REQUEST saying %q", tc.src, code, e, tc.want)
			}
			if code != dcode || e.errCode() != d.errCode() || msg(e) != msg(d) {
				t.Errorf("start %s answers %d %s %q, detect %d %s %q; want the same", tc.src, code, e.errCode(), msg(e), dcode, d.errCode(), msg(d))
			}
		})
	}
}

// TestEncodingResumesAfterStop stops the worker in the middle of a job
// (the download hangs) and opens a new service on the same database: the
// job completes there.
func TestEncodingResumesAfterStop(t *testing.T) {
	t.Parallel()
	b := setup(t, jobs.Config{SQLitePath: filepath.Join(t.TempDir(), "jobs.db")})
	gate := make(chan struct{})
	var hits sync.WaitGroup
	hits.Add(1)
	var once sync.Once
	data := wavBytes(t, music(5, 16000, 4))
	mux := http.NewServeMux()
	mux.HandleFunc("/gated.wav", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data[:1024])
		w.(http.Flusher).Flush()
		once.Do(hits.Done)
		select {
		case <-gate:
			w.Write(data[1024:])
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	q := b.start(t, 1, srv.URL+"/gated.wav", "Resumed")
	hits.Wait() // the first attempt is downloading
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.svc.Queue().StopAndCancel(ctx); err != nil {
		t.Fatalf("StopAndCancel: %v", err)
	}
	b.svc.Close()
	close(gate)
	svc := b.open(t)
	if err := svc.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	e := b.wait(t, 1, q, 30*time.Second)
	if e.str("status") != encoding.StatusComplete {
		t.Fatalf("after restart: %v, want complete", e)
	}
	out, _ := download(t, e.str("url"))
	if got := b.detectID(t, out); got != e.str("soundlink") {
		t.Fatalf("resumed job's file carries %q, want %q", got, e.str("soundlink"))
	}
}

// TestThreeMinuteSong times one 3-minute song of each format end to end
// (KEYWARD_TEST_LONG=1; the target is ≤ 2 s wall on an idle machine).
func TestThreeMinuteSong(t *testing.T) {
	if os.Getenv("KEYWARD_TEST_LONG") != "1" {
		t.Skip("set KEYWARD_TEST_LONG=1 to time a 3-minute song")
	}
	b := setupLimits(t, jobs.Config{SQLitePath: filepath.Join(t.TempDir(), "jobs.db")}, 200<<20, 20*time.Minute)
	song := music(180, 44100, 42)
	for _, tc := range []struct {
		name string
		data []byte
	}{{"wav", wavBytes(t, song)}, {"flac", flacBytes(t, song)}, {"mp3", mp3Bytes(t, song, 192)}} {
		src := b.songs.add("long."+tc.name, tc.data)
		start := time.Now()
		q := b.start(t, 1, src, "Long")
		e := b.wait(t, 1, q, 5*time.Minute)
		if e.str("status") != encoding.StatusComplete {
			t.Fatalf("%s: %v", tc.name, e)
		}
		t.Logf("3-minute %s: %s wall; stages %v", tc.name, time.Since(start).Round(time.Millisecond), e["timings"])
	}
}

// TestAttemptNotRecorded: when the worker cannot record the attempt it
// starts (here a trigger refuses it), the attempt fails as an internal
// error instead of going on unrecorded; after the last attempt the job
// ends failed.
func TestAttemptNotRecorded(t *testing.T) {
	t.Parallel()
	b := setup(t, jobs.Config{SQLitePath: filepath.Join(t.TempDir(), "jobs.db")})
	if _, err := b.svc.Queue().Exec(context.Background(), `CREATE TRIGGER frozen_attempts BEFORE UPDATE OF attempts ON encoding_job
		BEGIN SELECT RAISE(ABORT, 'attempts are frozen'); END`); err != nil {
		t.Fatal(err)
	}
	src := b.songs.add("attempt.wav", wavBytes(t, music(5, 44100, 21)))
	e := b.wait(t, 31, b.start(t, 31, src, "Frozen"), time.Minute)
	if e.str("status") != encoding.StatusFailed || !strings.Contains(e.str("message"), "internal error") {
		t.Fatalf("job whose attempt could not be recorded: %v, want failed with an internal error", e)
	}
}

// TestSignedLinks serves a complete answer's link from the local store:
// ranges, the headers of a download, 403 in the envelope for a tampered
// signature and 404 once the file is gone.
func TestSignedLinks(t *testing.T) {
	t.Parallel()
	b := setup(t, jobs.Config{SQLitePath: filepath.Join(t.TempDir(), "jobs.db")})
	src := b.songs.add("linked.wav", wavBytes(t, music(5, 44100, 22)))
	e := b.wait(t, 32, b.start(t, 32, src, "Linked"), time.Minute)
	link := e.str("url")
	if e.str("status") != encoding.StatusComplete || link == "" {
		t.Fatalf("job: %v", e)
	}
	req, _ := http.NewRequest(http.MethodGet, link, nil)
	req.Header.Set("Range", "bytes=0-3")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != 206 || string(body) != "RIFF" || h.Get("Content-Type") != "audio/wav" ||
		!strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("ranged GET of the link: %d %q %v", resp.StatusCode, body, h)
	}
	for _, tc := range []struct {
		name, url string
		status    int
		code      string
	}{
		{"tampered", strings.Replace(link, "sig=", "sig=x", 1), 403, "FORBIDDEN"},
		{"gone", link, 404, "NOT_FOUND"},
	} {
		if tc.name == "gone" {
			if err := os.Remove(filepath.Join(b.blobDir, path.Base(strings.SplitN(link, "?", 2)[0]))); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		var env envelopeOf
		json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if resp.StatusCode != tc.status || env.errCode() != tc.code {
			t.Errorf("%s link: %d %v, want %d %s", tc.name, resp.StatusCode, env, tc.status, tc.code)
		}
	}
}
