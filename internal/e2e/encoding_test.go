package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/audio/audiotest"
	"github.com/keyward/keyward/internal/testenv"
)

// song is the synthetic music the tests encode.
func song(seconds int, seed uint64) *audio.Buffer { return audiotest.Song(seconds, seed) }

// serveSong writes song(seconds, seed) as WAV, FLAC and MP3 into a
// directory of its own and serves that directory from loopback until the
// test ends: the directory, the files by format, and the server.
func serveSong(t *testing.T, seconds int, seed uint64) (string, map[string]string, *httptest.Server) {
	t.Helper()
	dir := t.TempDir()
	files := songFiles(t, dir, song(seconds, seed))
	songs := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(songs.Close)
	return dir, files, songs
}

// awaitComplete polls job q as c until it completes and returns the
// complete answer; a failed job, or none within timeout, fails t.
func (n *node) awaitComplete(t *testing.T, c creds, q string, timeout time.Duration, what string) queryAnswer {
	t.Helper()
	var a queryAnswer
	waitFor(t, timeout, what, func() bool {
		var r *resp
		r, a = n.query(t, c, q)
		if a.Status == "failed" {
			t.Fatalf("%s: the job failed: %s", what, r.Raw)
		}
		return a.Status == "complete"
	})
	return a
}

// songFiles writes the song as WAV, FLAC and MP3 (lame) into dir.
func songFiles(t *testing.T, dir string, b *audio.Buffer) map[string]string {
	t.Helper()
	lame := testenv.Command(t, "lame")
	files := map[string]string{}
	wav := filepath.Join(dir, "song.wav")
	var buf bytes.Buffer
	if err := audio.EncodeWAV(&buf, b); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(wav, buf.Bytes(), 0o644)
	files["wav"] = wav
	buf.Reset()
	if err := audio.EncodeFLAC(&buf, b); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "song.flac"), buf.Bytes(), 0o644)
	files["flac"] = filepath.Join(dir, "song.flac")
	mp3 := filepath.Join(dir, "song.mp3")
	if out, err := exec.Command(lame, "--quiet", "-b", "192", wav, mp3).CombinedOutput(); err != nil {
		t.Fatalf("lame: %v %s", err, out)
	}
	files["mp3"] = mp3
	return files
}

// nodeToken signs a request token with the seed's own Node sample.
func nodeToken(t *testing.T, c creds, url string, arg any) string {
	t.Helper()
	node := testenv.Command(t, "node")
	script := testenv.Path(t, filepath.Join("..", "..", "interop", "node", "request.js"))
	testenv.Path(t, filepath.Join("..", "..", "interop", "node_modules", "jsonwebtoken"))
	raw, _ := json.Marshal(arg)
	cmd := exec.Command(node, script)
	cmd.Env = append(os.Environ(), "KEYWARD_KEY="+c.Key, "KEYWARD_SECRET="+c.Secret, "KEYWARD_METHOD=POST", "KEYWARD_URL="+url, "KEYWARD_ARG="+string(raw))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node request.js: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// api calls an Encoding API route with a request token in the body, the
// way the seed says: {"data": token}.
func (n *node) api(t *testing.T, tok, path string) *resp {
	t.Helper()
	return n.raw("POST", path, "", map[string]string{"data": tok})
}

type queryAnswer struct {
	Status    string `json:"status"`
	Message   string `json:"message"`
	Stage     string `json:"stage"`
	URL       string `json:"url"`
	Soundlink string `json:"soundlink"`
	Artist    string `json:"artist"`
	Format    string `json:"format"`
}

func (n *node) query(t *testing.T, c creds, q string) (*resp, queryAnswer) {
	t.Helper()
	r := n.api(t, nodeToken(t, c, "/v3/sl/query", map[string]string{"query": q}), "/v3/sl/query")
	var a queryAnswer
	json.Unmarshal(r.Raw, &a)
	return r, a
}

// TestEncodingAPI runs the seed's Encoding API end to end: a song in each
// of WAV, FLAC and MP3 served from loopback, started with a token made by
// the seed's Node sample, polled to complete; the download detects to the
// same sound link, and so does a 15 s MP3-128 excerpt through
// /v3/sl/detect. Another app gets no answer about the job.
func TestEncodingAPI(t *testing.T) {
	t.Parallel()
	dir, files, songs := serveSong(t, 40, 1)

	n := startNode(t, "", "--fetch-allow", "127.0.0.1/32")
	admin := n.adminCreds()
	mk := func(name string) creds {
		r := n.call(admin, "POST", "/v1/credentials", map[string]any{"name": name, "groups": []string{"encoding"}})
		if r.Status != 201 {
			t.Fatalf("create credential: %d %s", r.Status, r.Raw)
		}
		var s secretJSON
		r.field("secret", &s)
		return creds{Key: s.Key, Secret: s.Secret}
	}
	app, other := mk("label-app"), mk("other-app")

	for _, format := range []string{"wav", "flac", "mp3"} {
		t.Run(format, func(t *testing.T) {
			src := songs.URL + "/" + filepath.Base(files[format])
			tok := nodeToken(t, app, "/v3/sl/encoding", map[string]string{"src": src, "artist": "Ann " + format})
			r := n.api(t, tok, "/v3/sl/encoding")
			if r.Status != 200 || r.ID != "sl.encoding.start" {
				t.Fatalf("start: %d %s", r.Status, r.Raw)
			}
			var start struct{ Query string }
			json.Unmarshal(r.Raw, &start)
			if len(start.Query) < 20 {
				t.Fatalf("query credential %q", start.Query)
			}
			// The same token again: refused, single use.
			if r := n.api(t, tok, "/v3/sl/encoding"); r.Status != 401 || r.Params.Err != "TOKEN_REPLAYED" {
				t.Errorf("replayed start: %d %s", r.Status, r.Raw)
			}
			// Another app asks about the job: no answer.
			if r, _ := n.query(t, other, start.Query); r.Status != 404 || strings.Contains(string(r.Raw), "processing") {
				t.Errorf("other app's query: %d %s", r.Status, r.Raw)
			}
			a := n.awaitComplete(t, app, start.Query, 120*time.Second, format+" encoding complete")
			if a.URL == "" || a.Soundlink == "" {
				t.Fatalf("complete answer lacks url or soundlink: %+v", a)
			}
			res, err := http.Get(a.URL)
			if err != nil {
				t.Fatal(err)
			}
			marked, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || len(marked) < 1000 {
				t.Fatalf("download: %d, %d bytes", res.StatusCode, len(marked))
			}
			got := detectFile(t, n, app, songs, dir, "marked-"+format+"."+a.Format, marked)
			if got.Found != true || got.Soundlink.ID != a.Soundlink || got.Soundlink.Artist != "Ann "+format {
				t.Errorf("detect on the download: %+v, want %s", got, a.Soundlink)
			}
			if format != "wav" {
				return
			}
			// A 15 s MP3-128 excerpt of the marked song.
			markedPath := filepath.Join(dir, "marked-wav."+a.Format)
			excerpt := filepath.Join(dir, "excerpt.mp3")
			ffmpeg := testenv.Command(t, "ffmpeg")
			if out, err := exec.Command(ffmpeg, "-loglevel", "error", "-y", "-ss", "12", "-t", "15", "-i", markedPath, "-b:a", "128k", excerpt).CombinedOutput(); err != nil {
				t.Fatalf("ffmpeg excerpt: %v %s", err, out)
			}
			clip, _ := os.ReadFile(excerpt)
			got = detectFile(t, n, app, songs, dir, "excerpt-served.mp3", clip)
			if !got.Found || got.Soundlink.ID != a.Soundlink || got.Soundlink.Artist != "Ann wav" {
				t.Errorf("detect on a 15 s MP3-128 excerpt: %+v, want %s", got, a.Soundlink)
			}
		})
	}
	// Unmarked audio: a clear "none found".
	got := detectFile(t, n, app, songs, dir, "unmarked.wav", mustRead(t, files["wav"]))
	if got.Found {
		t.Errorf("detect on the unmarked song found %+v", got.Soundlink)
	}
}

type detectAnswer struct {
	Found     bool
	Message   string
	Soundlink struct {
		ID         string
		Artist     string
		Job        any
		Confidence float64
	}
}

// detectFile serves b from the song server and asks /v3/sl/detect about it.
func detectFile(t *testing.T, n *node, c creds, songs *httptest.Server, dir, name string, b []byte) detectAnswer {
	t.Helper()
	os.WriteFile(filepath.Join(dir, name), b, 0o644)
	r := n.api(t, nodeToken(t, c, "/v3/sl/detect", map[string]string{"src": songs.URL + "/" + name}), "/v3/sl/detect")
	if r.Status != 200 {
		t.Fatalf("detect %s: %d %s", name, r.Status, r.Raw)
	}
	var a detectAnswer
	if err := json.Unmarshal(r.Raw, &a); err != nil {
		t.Fatal(err)
	}
	if a.Message == "" {
		t.Errorf("detect %s: no message: %s", name, r.Raw)
	}
	return a
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var _ = fmt.Sprint

// TestEncodeCommand runs "keyward encode SRC --artist A --wait --out FILE"
// against a real server and detects the file it saved.
func TestEncodeCommand(t *testing.T) {
	t.Parallel()
	dir, files, songs := serveSong(t, 30, 4)
	n := startNode(t, "", "--fetch-allow", "127.0.0.1/32")
	app := encodingCreds(t, n)
	out := filepath.Join(t.TempDir(), "marked.wav")
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "KEYWARD_KEY=" + app.Key, "KEYWARD_SECRET=" + app.Secret}
	stdout, stderr, code := keyward(t, env, "encode", songs.URL+"/song.mp3", "--artist", "Cli Artist", "--wait", "--out", out, "--server", n.URL, "--json")
	if code != 0 {
		t.Fatalf("keyward encode: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var res struct {
		Status    string `json:"status"`
		Soundlink string `json:"soundlink"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.Status != "complete" || res.Soundlink == "" {
		t.Fatalf("keyward encode --json printed %q (%v)", stdout, err)
	}
	got := detectFile(t, n, app, songs, dir, "cli-out.wav", mustRead(t, out))
	if !got.Found || got.Soundlink.ID != res.Soundlink || got.Soundlink.Artist != "Cli Artist" {
		t.Errorf("detect on the file keyward encode saved: %+v, want %s", got, res.Soundlink)
	}
	_ = files
}
