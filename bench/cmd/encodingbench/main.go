// Command encodingbench measures the Encoding API end to end on this
// machine: it builds keyward, starts "keyward serve" on loopback, serves a
// synthetic song from a loopback file server, and runs one job alone and
// then -n jobs at once through the public Go client, as a customer would.
// It prints jobs per minute, per-job wall time, and the share of time each
// stage took (download, decode, mark, encode, store).
//
//	cd bench && go run ./cmd/encodingbench -n 20 -seconds 180 -format wav
package main

import (
	"bytes"
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
	"sync"
	"time"

	"github.com/keyward/keyward/bench/machine"
	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/audio/audiotest"
	"github.com/keyward/keyward/token"
)

type timings struct {
	DownloadMS int64 `json:"download_ms"`
	DecodeMS   int64 `json:"decode_ms"`
	MarkMS     int64 `json:"mark_ms"`
	EncodeMS   int64 `json:"encode_ms"`
	StoreMS    int64 `json:"store_ms"`
}

type result struct {
	wall time.Duration
	t    timings
}

func main() {
	n := flag.Int("n", 20, "concurrent jobs")
	seconds := flag.Int("seconds", 180, "length of the song in seconds")
	format := flag.String("format", "wav", "input format: wav, flac or mp3 (mp3 needs lame)")
	flag.Parse()
	if err := run(*n, *seconds, *format); err != nil {
		fmt.Fprintln(os.Stderr, "encodingbench:", err)
		os.Exit(1)
	}
}

func run(n, seconds int, format string) error {
	tmp, err := os.MkdirTemp("", "encodingbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	bin := filepath.Join(tmp, "keyward")
	build := exec.Command("go", "build", "-C", "..", "-o", bin, "./cmd/keyward") // in keyward's own module
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build keyward: %w", err)
	}
	songDir := filepath.Join(tmp, "songs")
	os.MkdirAll(songDir, 0o755)
	name, err := writeSong(songDir, seconds, format)
	if err != nil {
		return err
	}
	songs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every /song-N.ext is the same file: each job still fetches,
		// decodes, marks and stores its own copy.
		http.ServeFile(w, r, filepath.Join(songDir, name))
	})}
	sl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go songs.Serve(sl)
	defer songs.Close()

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	data := filepath.Join(tmp, "data")
	srv := exec.Command(bin, "serve", "--listen", addr, "--data", data, "--fetch-allow", "127.0.0.1/32", "--log-level", "warn")
	var logs bytes.Buffer
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()
	base := "http://" + addr
	if err := waitReady(base); err != nil {
		return fmt.Errorf("%w\n%s", err, logs.String())
	}
	var admin struct{ Key, Secret string }
	raw, err := os.ReadFile(filepath.Join(data, "admin.json"))
	if err != nil {
		return err
	}
	json.Unmarshal(raw, &admin)
	ctx := context.Background()
	ac, err := client.New(client.Config{BaseURL: base, Key: admin.Key, Secret: admin.Secret})
	if err != nil {
		return err
	}
	_, sec, err := ac.CreateCredential(ctx, client.CreateCredentialParams{Name: "bench", Groups: []string{"encoding"}})
	if err != nil {
		return fmt.Errorf("create credential: %w", err)
	}
	app, err := client.New(client.Config{BaseURL: base, Key: sec.Key, Secret: sec.Value})
	if err != nil {
		return err
	}
	src := func(i int) string { return fmt.Sprintf("http://%s/song-%d.%s", sl.Addr(), i, format) }

	fmt.Printf("keyward encoding benchmark: %d s %s song (%s), %d CPUs, %s\n", seconds, format, size(filepath.Join(songDir, name)), runtime.NumCPU(), runtime.Version())
	fmt.Printf("load before: %s\n", machine.LoadAvg())

	single, err := job(ctx, app, src(0))
	if err != nil {
		return err
	}
	fmt.Printf("\none song alone: %.2f s wall  (download %d ms, decode %d, mark %d, encode %d, store %d)  target ≤ 2 s: %s\n",
		single.wall.Seconds(), single.t.DownloadMS, single.t.DecodeMS, single.t.MarkMS, single.t.EncodeMS, single.t.StoreMS, met(single.wall <= 2*time.Second))

	start := time.Now()
	results := make([]result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = job(ctx, app, src(i+1))
		}()
	}
	wg.Wait()
	total := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	walls := make([]time.Duration, n)
	var sum timings
	for i, r := range results {
		walls[i] = r.wall
		sum.DownloadMS += r.t.DownloadMS
		sum.DecodeMS += r.t.DecodeMS
		sum.MarkMS += r.t.MarkMS
		sum.EncodeMS += r.t.EncodeMS
		sum.StoreMS += r.t.StoreMS
	}
	slices.Sort(walls)
	stages := float64(sum.DownloadMS + sum.DecodeMS + sum.MarkMS + sum.EncodeMS + sum.StoreMS)
	pct := func(v int64) float64 { return 100 * float64(v) / stages }
	fmt.Printf("\n%d songs at once: %.1f s in all, %.1f jobs per minute\n", n, total.Seconds(), float64(n)/total.Minutes())
	fmt.Printf("per-job wall time: min %.1f s, median %.1f s, max %.1f s (queueing included: the worker runs jobs %d at a time)\n",
		walls[0].Seconds(), walls[n/2].Seconds(), walls[n-1].Seconds(), runtime.NumCPU())
	fmt.Printf("share of stage time: download %.0f%%, decode %.0f%%, mark %.0f%%, encode %.0f%%, store %.0f%%\n",
		pct(sum.DownloadMS), pct(sum.DecodeMS), pct(sum.MarkMS), pct(sum.EncodeMS), pct(sum.StoreMS))
	fmt.Printf("load after: %s\n", machine.LoadAvg())
	return nil
}

// job starts one encoding and polls it to completion.
func job(ctx context.Context, c *client.Client, src string) (result, error) {
	start := time.Now()
	res, err := c.Call(ctx, "POST", "/v3/sl/encoding", map[string]any{"src": src, "artist": "Bench"}, token.Request)
	if err != nil {
		return result{}, fmt.Errorf("start %s: %w", src, err)
	}
	var q string
	if err := res.Field("query", &q); err != nil {
		return result{}, err
	}
	for {
		res, err := c.Call(ctx, "POST", "/v3/sl/query", map[string]any{"query": q}, token.Request)
		if err != nil {
			return result{}, fmt.Errorf("query: %w", err)
		}
		var status string
		res.Field("status", &status)
		switch status {
		case "complete":
			var t timings
			res.Field("timings", &t)
			return result{wall: time.Since(start), t: t}, nil
		case "failed":
			var msg string
			res.Field("message", &msg)
			return result{}, fmt.Errorf("job failed: %s", msg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func writeSong(dir string, seconds int, format string) (string, error) {
	b := audiotest.Song(seconds, 1)
	var buf bytes.Buffer
	wav := filepath.Join(dir, "song.wav")
	if err := audio.EncodeWAV(&buf, b); err != nil {
		return "", err
	}
	if err := os.WriteFile(wav, buf.Bytes(), 0o644); err != nil {
		return "", err
	}
	switch format {
	case "wav":
		return "song.wav", nil
	case "flac":
		buf.Reset()
		if err := audio.EncodeFLAC(&buf, b); err != nil {
			return "", err
		}
		return "song.flac", os.WriteFile(filepath.Join(dir, "song.flac"), buf.Bytes(), 0o644)
	case "mp3":
		out, err := exec.Command("lame", "--quiet", "-b", "192", wav, filepath.Join(dir, "song.mp3")).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("lame: %v %s", err, out)
		}
		return "song.mp3", nil
	}
	return "", fmt.Errorf("unknown format %q", format)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitReady(base string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("keyward serve not ready")
}

func size(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%.1f MB", float64(fi.Size())/1e6)
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}
