package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/blob"
	"github.com/keyward/keyward/internal/testenv"
)

type localBundle struct {
	store *blob.Local
	srv   *httptest.Server
	now   *atomic.Int64
	dir   string
}

// linked puts content as name and returns a link to it valid for a minute.
func (b *localBundle) linked(t *testing.T, name, content string) string {
	t.Helper()
	ctx := context.Background()
	if err := b.store.Put(ctx, name, strings.NewReader(content), int64(len(content)), ""); err != nil {
		t.Fatal(err)
	}
	link, err := b.store.SignedURL(ctx, name, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return link
}

func setupLocal(t *testing.T) *localBundle {
	t.Helper()
	b := &localBundle{now: new(atomic.Int64), dir: t.TempDir()}
	b.now.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Unix())
	mux := http.NewServeMux()
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	st, err := blob.NewLocal(blob.LocalConfig{
		Dir: b.dir, Secret: bytes.Repeat([]byte("k"), 32), BaseURL: b.srv.URL,
		NowFunc: func() time.Time { return time.Unix(b.now.Load(), 0) },
	})
	if err != nil {
		t.Fatalf("NewLocal: %v", err)
	}
	mux.HandleFunc(st.Pattern(), func(w http.ResponseWriter, r *http.Request) {
		f, err := st.OpenLink(r.PathValue("name"), r.URL.Query())
		switch {
		case errors.Is(err, blob.ErrLinkInvalid), errors.Is(err, blob.ErrLinkExpired):
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		case errors.Is(err, blob.ErrNotFound):
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		http.ServeContent(w, r, "", time.Time{}, f)
	})
	b.store = st
	return b
}

func get(t *testing.T, url string) (int, []byte, http.Header) {
	t.Helper()
	return getWith(t, http.DefaultClient, url)
}

func getWith(t *testing.T, c *http.Client, url string) (int, []byte, http.Header) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body, resp.Header
}

// exerciseStore is the conformance check every Store passes.
// checksSignatures says whether the server behind the store's links verifies
// them (s3rver does not verify Signature Version 4).
func exerciseStore(t *testing.T, st blob.Store, checksSignatures bool, c *http.Client) {
	t.Helper()
	ctx := context.Background()
	data := bytes.Repeat([]byte("keyward-blob "), 1000)
	if err := st.Put(ctx, "song-1.wav", bytes.NewReader(data), int64(len(data)), "audio/wav"); err != nil {
		t.Fatalf("Put: %v", err)
	}
	// A plain reader (not a seeker) too.
	if err := st.Put(ctx, "song-2.flac", io.LimitReader(bytes.NewReader(data), 100), 100, "audio/flac"); err != nil {
		t.Fatalf("Put(non-seeker): %v", err)
	}
	rc, err := st.Get(ctx, "song-1.wav")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) {
		t.Fatalf("Get returned %d bytes, want the %d put", len(got), len(data))
	}
	link, err := st.SignedURL(ctx, "song-1.wav", time.Hour)
	if err != nil {
		t.Fatalf("SignedURL: %v", err)
	}
	code, body, _ := getWith(t, c, link)
	if code != 200 || !bytes.Equal(body, data) {
		t.Fatalf("GET signed link: %d, %d bytes; want 200 and the %d bytes", code, len(body), len(data))
	}
	if code, _, _ := getWith(t, c, strings.Replace(link, "song-1.wav", "song-2.flac", 1)); checksSignatures && code != 403 {
		t.Errorf("GET a link signed for another name: %d, want 403", code)
	}
	if err := st.Delete(ctx, "song-1.wav"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := st.Delete(ctx, "song-1.wav"); err != nil {
		t.Fatalf("Delete(missing): %v", err)
	}
	if _, err := st.Get(ctx, "song-1.wav"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Get(deleted) = %v, want ErrNotFound", err)
	}
	for _, bad := range []string{"", "../etc/passwd", ".hidden", "a/b", "a b", strings.Repeat("x", 201)} {
		if err := st.Put(ctx, bad, strings.NewReader("x"), 1, ""); !errors.Is(err, blob.ErrName) {
			t.Errorf("Put(%q) = %v, want ErrName", bad, err)
		}
	}
}

func TestLocal(t *testing.T) {
	t.Parallel()

	t.Run("Conformance", func(t *testing.T) {
		t.Parallel()
		b := setupLocal(t)
		exerciseStore(t, b.store, true, http.DefaultClient)
		entries, _ := os.ReadDir(b.dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".put-") {
				t.Errorf("temporary file %s left behind", e.Name())
			}
		}
	})

	t.Run("Expired", func(t *testing.T) {
		t.Parallel()
		b := setupLocal(t)
		link := b.linked(t, "a.wav", "RIFF")
		b.now.Add(61)
		code, body, _ := get(t, link)
		if code != 403 || !bytes.Contains(body, []byte("expired")) {
			t.Fatalf("GET expired link: %d %s, want 403 expired", code, body)
		}
	})

	t.Run("TamperedExpiry", func(t *testing.T) {
		t.Parallel()
		b := setupLocal(t)
		link := b.linked(t, "a.wav", "RIFF")
		i := strings.Index(link, "exp=")
		tampered := link[:i+4] + "9" + link[i+4:]
		if code, _, _ := get(t, tampered); code != 403 {
			t.Fatalf("GET with a changed exp: %d, want 403", code)
		}
		if code, _, _ := get(t, b.srv.URL+"/v3/sl/files/a.wav"); code != 403 {
			t.Fatalf("GET unsigned: %d, want 403", code)
		}
	})

	t.Run("Range", func(t *testing.T) {
		t.Parallel()
		b := setupLocal(t)
		link := b.linked(t, "r.wav", "0123456789")
		req, _ := http.NewRequest(http.MethodGet, link, nil)
		req.Header.Set("Range", "bytes=2-4")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 206 || string(body) != "234" {
			t.Fatalf("ranged GET: %d %q; want 206 \"234\"", resp.StatusCode, body)
		}
	})

	t.Run("Config", func(t *testing.T) {
		t.Parallel()
		for _, cfg := range []blob.LocalConfig{
			{Secret: bytes.Repeat([]byte("k"), 32), BaseURL: "http://x"},
			{Dir: t.TempDir(), Secret: []byte("short"), BaseURL: "http://x"},
			{Dir: t.TempDir(), Secret: bytes.Repeat([]byte("k"), 32), BaseURL: "/relative"},
		} {
			if _, err := blob.NewLocal(cfg); err == nil {
				t.Errorf("NewLocal(%+v) succeeded, want an error", cfg)
			}
		}
	})
}

// s3rverPath finds the s3rver program (npm package s3rver, a fake S3 server
// that speaks the S3 protocol but, in 3.7.1, does not verify Signature
// Version 4): KEYWARD_TEST_S3RVER, then PATH, then the interop npm packages.
func s3rverPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KEYWARD_TEST_S3RVER"); p != "" {
		return p
	}
	if p, err := exec.LookPath("s3rver"); err == nil {
		return p
	}
	// scripts/test.sh installs it with the interop npm packages.
	return testenv.Path(t, filepath.Join("..", "..", "interop", "node_modules", ".bin", "s3rver"))
}

// TestS3AgainstS3rver runs the store against s3rver, which speaks the S3
// protocol (paths, headers, errors, multipart uploads, presigned query
// parameters) but, in 3.7.1, accepts any Signature Version 4 signature
// (minio-go signs; its signing is minio-go's to test). A file larger than
// one part goes up as a multipart upload and comes back whole.
func TestS3AgainstS3rver(t *testing.T) {
	t.Parallel()
	bin := s3rverPath(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	// Over TLS, as S3 is used: minio-go then sends the payload as it is
	// (over plain HTTP it would sign it in aws-chunked streaming form,
	// which s3rver does not decode).
	cert := testenv.NewTLSCert(t)
	cmd := exec.Command(bin, "-d", dir, "-a", "127.0.0.1", "-p", itoa(port), "--no-vhost-buckets", "-s",
		"--configure-bucket", "kwtest", "--key", cert.KeyFile, "--cert", cert.CertFile)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start s3rver: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	endpoint := "https://127.0.0.1:" + itoa(port)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.Dial("tcp", "127.0.0.1:"+itoa(port))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("s3rver did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	sent := &requestLog{next: cert.Transport()}
	st, err := blob.NewS3(blob.S3Config{Endpoint: endpoint, Bucket: "kwtest", Prefix: "songs-", AccessKey: "S3RVER", SecretKey: "S3RVER",
		PartSize: 5 << 20, Transport: sent})
	if err != nil {
		t.Fatal(err)
	}
	exerciseStore(t, st, false, cert.Client())

	// 12 MiB and a bit, in parts of 5 MiB: three parts.
	ctx := context.Background()
	big := make([]byte, 12<<20+12345)
	for i := range big {
		big[i] = byte(i*7 + i>>13)
	}
	before := sent.parts()
	if err := st.Put(ctx, "big.wav", bytes.NewReader(big), int64(len(big)), "audio/wav"); err != nil {
		t.Fatalf("Put(12 MiB): %v", err)
	}
	if n := sent.parts() - before; n != 3 {
		t.Errorf("Put(12 MiB) sent %d parts, want 3", n)
	}
	rc, err := st.Get(ctx, "big.wav")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("Get(big.wav): %d bytes, %v; want the %d put", len(got), err, len(big))
	}
	link, err := st.SignedURL(ctx, "big.wav", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if code, body, _ := getWith(t, cert.Client(), link); code != 200 || !bytes.Equal(body, big) {
		t.Fatalf("GET signed link of big.wav: %d, %d bytes", code, len(body))
	}
	for _, host := range sent.hosts() {
		if host != "127.0.0.1:"+itoa(port) {
			t.Errorf("the store sent a request to %s", host)
		}
	}
}

// requestLog is a transport that records where requests went and counts
// multipart upload parts.
type requestLog struct {
	next http.RoundTripper
	mu   sync.Mutex
	host map[string]bool
	n    int
}

func (l *requestLog) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	if l.host == nil {
		l.host = map[string]bool{}
	}
	l.host[r.URL.Host] = true
	if r.Method == http.MethodPut && r.URL.Query().Get("partNumber") != "" {
		l.n++
	}
	l.mu.Unlock()
	return l.next.RoundTrip(r)
}

func (l *requestLog) parts() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

func (l *requestLog) hosts() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for h := range l.host {
		out = append(out, h)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
