package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testenv"
)

// serveSongSlowly writes song(seconds, seed) as serveSong does and serves
// it, until the test ends, at a rate that makes the WAV's download take
// about secs seconds: a job stays in its download stage long enough to
// kill the node running it.
func serveSongSlowly(t *testing.T, seconds int, seed uint64, secs int) (map[string]string, *httptest.Server) {
	t.Helper()
	dir := t.TempDir()
	files := songFiles(t, dir, song(seconds, seed))
	fi, err := os.Stat(files["wav"])
	if err != nil {
		t.Fatal(err)
	}
	songs := slowFiles(dir, int(fi.Size())/secs)
	t.Cleanup(songs.Close)
	return files, songs
}

// slowFiles serves dir at about rate bytes per second.
func slowFiles(dir string, rate int) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "audio/wav")
		chunk := rate / 10
		for len(b) > 0 {
			n := min(chunk, len(b))
			if _, err := w.Write(b[:n]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			b = b[n:]
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}))
}

func startJob(t *testing.T, n *node, c creds, src, artist string) string {
	t.Helper()
	r := n.api(t, nodeToken(t, c, "/v3/sl/encoding", map[string]string{"src": src, "artist": artist}), "/v3/sl/encoding")
	if r.Status != 200 {
		t.Fatalf("start: %d %s", r.Status, r.Raw)
	}
	var s struct{ Query string }
	json.Unmarshal(r.Raw, &s)
	return s.Query
}

func encodingCreds(t *testing.T, n *node) creds {
	t.Helper()
	r := n.call(n.adminCreds(), "POST", "/v1/credentials", map[string]any{"name": "durable", "groups": []string{"encoding"}})
	if r.Status != 201 {
		t.Fatalf("create credential: %d %s", r.Status, r.Raw)
	}
	var s secretJSON
	r.field("secret", &s)
	return creds{Key: s.Key, Secret: s.Secret}
}

// TestKillNineWhileEncoding kills keyward serve with SIGKILL while a job is
// in its encoding stage, restarts it on the same data directory and
// expects the job to complete.
func TestKillNineWhileEncoding(t *testing.T) {
	t.Parallel()
	_, files, songs := serveSong(t, 180, 2)
	n := startNode(t, "", "--fetch-allow", "127.0.0.1/32")
	app := encodingCreds(t, n)

	var q string
	caught := false
	for try := 0; try < 4 && !caught; try++ {
		q = startJob(t, n, app, songs.URL+"/"+filepath.Base(files["wav"]), "Durable")
		deadline := time.Now().Add(90 * time.Second)
		for time.Now().Before(deadline) {
			_, a := n.query(t, app, q)
			if a.Stage == "encoding" {
				n.kill()
				caught = true
				break
			}
			if a.Status != "processing" {
				break // finished before we caught it: try again
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !caught {
		t.Fatal("never caught a job in its encoding stage")
	}
	n.start()
	a := n.awaitComplete(t, app, q, 120*time.Second, "job resumed after kill -9 completes")
	if a.Soundlink == "" || a.URL == "" {
		t.Errorf("complete without a sound link or url: %+v", a)
	}
}

// TestNodeDeathOnPostgres runs a job on node A of two nodes sharing one
// PostgreSQL, kills A, and expects B to complete the job.
func TestNodeDeathOnPostgres(t *testing.T) {
	t.Parallel()
	files, songs := serveSongSlowly(t, 30, 3, 12)
	dsn := testenv.Postgres(t)

	a := startNode(t, "", "--database", dsn, "--fetch-allow", "127.0.0.1/32")
	app := encodingCreds(t, a)
	q := startJob(t, a, app, songs.URL+"/"+filepath.Base(files["wav"]), "Takeover")
	waitFor(t, 30*time.Second, "job running on node A", func() bool {
		_, ans := a.query(t, app, q)
		return ans.Stage == "downloading"
	})
	// Only now does node B exist, so the job is A's.
	key := strings.TrimSpace(readFile(t, filepath.Join(a.Data, "master.key")))
	b := &node{t: t, Data: t.TempDir(), Args: []string{"--database", dsn, "--fetch-allow", "127.0.0.1/32"}, Env: []string{"KEYWARD_MASTER_KEY=" + key}}
	b.start()
	t.Cleanup(b.stop)
	if _, ans := b.query(t, app, q); ans.Status != "processing" {
		t.Fatalf("job is %+v before the kill; the download should still be running", ans)
	}
	a.kill()
	start := time.Now()
	b.awaitComplete(t, app, q, 120*time.Second, "node B completes node A's job")
	t.Logf("node B completed the job %v after node A was killed", time.Since(start).Round(time.Second))
}

// partialDownloads returns the download files under DATA/tmp.
func partialDownloads(t *testing.T, data string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(data, "tmp"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), "download-") {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// TestKillNineLeavesNoPartialDownload kills keyward serve with SIGKILL in
// the middle of a download from a slow loopback server and restarts it on
// the same data directory: the partial file is gone once the server is up.
func TestKillNineLeavesNoPartialDownload(t *testing.T) {
	t.Parallel()
	files, songs := serveSongSlowly(t, 30, 5, 30)
	n := startNode(t, "", "--fetch-allow", "127.0.0.1/32")
	app := encodingCreds(t, n)
	q := startJob(t, n, app, songs.URL+"/"+filepath.Base(files["wav"]), "Partial")
	var partial []string
	waitFor(t, 60*time.Second, "a partial download on disk", func() bool {
		partial = partialDownloads(t, n.Data)
		return len(partial) > 0
	})
	n.kill()
	if _, err := os.Stat(partial[0]); err != nil {
		t.Fatalf("the partial download %s is already gone after kill -9: %v", partial[0], err)
	}
	n.start()
	for _, p := range partial {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("after the restart the partial download %s of the killed process is still there", p)
		}
	}
	if _, a := n.query(t, app, q); a.Status == "failed" {
		t.Errorf("the job failed after the restart: %+v", a)
	}
}
