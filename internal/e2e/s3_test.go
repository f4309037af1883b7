package e2e

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testenv"
)

// TestEncodingOnS3 runs keyward serve with the S3-compatible store (s3rver
// on loopback, over TLS): the encoded song, larger than one multipart part
// (about 19 MB against 16 MiB), lands in the bucket, the complete answer
// links to it, and the file it links to detects to the sound link.
func TestEncodingOnS3(t *testing.T) {
	t.Parallel()
	bin := testenv.Path(t, filepath.Join("..", "..", "interop", "node_modules", ".bin", "s3rver"))
	addr := freePort(t)
	host, port, _ := net.SplitHostPort(addr)
	bucketDir := t.TempDir()
	cert := testenv.NewTLSCert(t)
	s3 := exec.Command(bin, "-d", bucketDir, "-a", host, "-p", port, "--no-vhost-buckets", "-s", "--configure-bucket", "songs",
		"--key", cert.KeyFile, "--cert", cert.CertFile)
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

	dir, _, songs := serveSong(t, 110, 5)
	// The node trusts the bucket's certificate through SSL_CERT_FILE.
	n := &node{t: t, Data: t.TempDir(), Env: []string{"SSL_CERT_FILE=" + cert.CertFile},
		Args: []string{"--fetch-allow", "127.0.0.1/32", "--s3-endpoint", "https://" + addr, "--s3-bucket", "songs",
			"--s3-prefix", "keyward/", "--s3-access-key", "S3RVER", "--s3-secret-key", "S3RVER"}}
	n.start()
	t.Cleanup(n.stop)
	app := encodingCreds(t, n)
	q := startJob(t, n, app, songs.URL+"/song.wav", "Bucket Artist")
	a := n.awaitComplete(t, app, q, 180*time.Second, "encoding on S3 complete")
	if !strings.HasPrefix(a.URL, "https://"+addr+"/songs/keyward/") || !strings.Contains(a.URL, "X-Amz-Signature=") {
		t.Fatalf("complete url %q is not a presigned link into the bucket", a.URL)
	}
	res, err := cert.Client().Get(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	marked, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || len(marked) <= 16<<20 {
		t.Fatalf("download from the bucket: %d, %d bytes (want more than one 16 MiB part)", res.StatusCode, len(marked))
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
