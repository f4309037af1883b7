package e2e

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testenv"
)

// TestEncodingOnS3 runs keyward serve with the S3-compatible store (s3rver
// on loopback): the encoded song lands in the bucket, the complete answer
// links to it, and the file it links to detects to the sound link.
func TestEncodingOnS3(t *testing.T) {
	t.Parallel()
	bin := testenv.Path(t, filepath.Join("..", "..", "interop", "node_modules", ".bin", "s3rver"))
	addr := freePort(t)
	host, port, _ := net.SplitHostPort(addr)
	bucketDir := t.TempDir()
	s3 := exec.Command(bin, "-d", bucketDir, "-a", host, "-p", port, "--no-vhost-buckets", "-s", "--configure-bucket", "songs")
	if err := s3.Start(); err != nil {
		t.Fatalf("start s3rver: %v", err)
	}
	t.Cleanup(func() { s3.Process.Kill(); s3.Wait() })
	waitFor(t, 20*time.Second, "s3rver listening", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	dir := t.TempDir()
	songFiles(t, dir, song(20, 5))
	songs := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer songs.Close()
	n := startNode(t, "", "--fetch-allow", "127.0.0.1/32", "--s3-endpoint", "http://"+addr, "--s3-bucket", "songs",
		"--s3-prefix", "keyward/", "--s3-access-key", "S3RVER", "--s3-secret-key", "S3RVER")
	app := encodingCreds(t, n)
	q := startJob(t, n, app, songs.URL+"/song.wav", "Bucket Artist")
	var a queryAnswer
	waitFor(t, 90*time.Second, "encoding on S3 complete", func() bool {
		_, a = n.query(t, app, q)
		if a.Status == "failed" {
			t.Fatalf("failed: %+v", a)
		}
		return a.Status == "complete"
	})
	if !strings.HasPrefix(a.URL, "http://"+addr+"/songs/keyward/") || !strings.Contains(a.URL, "X-Amz-Signature=") {
		t.Fatalf("complete url %q is not a presigned link into the bucket", a.URL)
	}
	res, err := http.Get(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	marked, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("download from the bucket: %d", res.StatusCode)
	}
	got := detectFile(t, n, app, songs, dir, "from-bucket."+a.Format, marked)
	if !got.Found || got.Soundlink.ID != a.Soundlink {
		t.Errorf("detect on the bucket's file: %+v, want %s", got, a.Soundlink)
	}
	// Nothing was written to the node's own files directory.
	if entries, _ := os.ReadDir(filepath.Join(n.Data, "files")); len(entries) > 0 {
		t.Errorf("S3 mode left %d files in DATA/files", len(entries))
	}
}
