package detect

import (
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/cmd/cmdtest"
)

func TestNewCmdDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli        string
		wantSrc    string
		wantServer string
		wantJSON   bool
		wantErr    string
	}{
		{"marked.wav", "marked.wav", "", false, ""},
		{"https://example.com/a.mp3 --json --server http://127.0.0.1:9", "https://example.com/a.mp3", "http://127.0.0.1:9", true, ""},
		{"a.wav --json=soundlink", "a.wav", "", true, ""},
		{"a.wav --json=nope", "", "", false, `unknown JSON field "nope"`},
		{"", "", "", false, "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.cli, func(t *testing.T) {
			t.Parallel()
			got, err := cmdtest.Parse(t, cmdtest.Factory(time.Now()), newCmdDetect, tt.cli, tt.wantErr)
			if err == nil && (got.Src != tt.wantSrc || got.Conn.Server != tt.wantServer || got.Exporter.Enabled() != tt.wantJSON) {
				t.Errorf("detect %s: src %q server %q json %v; want %q %q %v", tt.cli, got.Src, got.Conn.Server, got.Exporter.Enabled(), tt.wantSrc, tt.wantServer, tt.wantJSON)
			}
		})
	}
}

// TestServeFileOnlyToLoopback: a local file is offered only to a server on
// this machine, and only under its random path.
func TestServeFileOnlyToLoopback(t *testing.T) {
	t.Parallel()
	if _, _, err := serveFile("http://192.0.2.1:8080", "detect.go"); err == nil || !strings.Contains(err.Error(), "not on loopback") {
		t.Errorf("serveFile to a remote server: %v, want the loopback refusal", err)
	}
	if _, _, err := serveFile("http://127.0.0.1:8080", "no-such-file.wav"); err == nil || !strings.Contains(err.Error(), "neither an http(s) URL nor a file") {
		t.Errorf("serveFile of a missing file: %v", err)
	}
	link, stop, err := serveFile("http://127.0.0.1:8080", "detect.go")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(link, "http://127.0.0.1:") || !strings.HasSuffix(link, "/detect.go") {
		t.Errorf("link %q", link)
	}
}
