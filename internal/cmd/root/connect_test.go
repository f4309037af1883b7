package root

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/audio/audiotest"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
	"github.com/keyward/keyward/internal/server"
	"github.com/keyward/keyward/internal/server/servertest"
)

// startServer runs a real keyward server with its data in dir/keyward-data
// on a free loopback port, as "keyward serve" would.
func startServer(t *testing.T, dir string, fetchAllow ...string) *server.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return servertest.Start(t, func(cfg *server.Config) {
		cfg.Listen = addr
		cfg.Data = filepath.Join(dir, "keyward-data")
		cfg.FetchAllow = fetchAllow
	})
}

// run runs the keyward command line with no KEYWARD_* variables set.
func run(args ...string) (code int, stdout, stderr string) {
	ios, _, out, errOut := iostreams.Test()
	f := &factory.Factory{IOStreams: ios, Getenv: func(string) string { return "" }, NowFunc: time.Now, Version: "test"}
	code = Main(f, args)
	return code, out.String(), errOut.String()
}

// TestAPICommandsFindCredentialsAlike is issues 13.1 and 13.3: in the
// folder where "keyward serve" made keyward-data, admin, call and encode
// all sign with keyward-data/admin.json and call the server it names (here
// not the default port), with no flag and no variable.
func TestAPICommandsFindCredentialsAlike(t *testing.T) {
	dir := t.TempDir()
	// 127.0.0.1 allowed: the start is accepted (its job fails later on the
	// closed port), so only finding the credential is under test.
	srv := startServer(t, dir, "127.0.0.1/32")
	t.Chdir(dir)
	for _, args := range [][]string{
		{"admin", "whoami"},
		{"call", "GET", "/v1/me"},
		{"encode", "http://127.0.0.1:9/song.mp3", "--artist", "Ann"},
	} {
		code, out, errOut := run(args...)
		if code != ExitOK {
			t.Errorf("keyward %s (server %s): exit %d\nstdout %s\nstderr %s", strings.Join(args, " "), srv.URL(), code, out, errOut)
		}
	}
}

// TestVersionFromBuildInfo is issue 13.9: --version reports what the build
// info says (the Go version, and the VCS revision when the build recorded
// one), not "dev".
func TestVersionFromBuildInfo(t *testing.T) {
	t.Parallel()
	ios, _, out, _ := iostreams.Test()
	f := factory.New("dev")
	f.IOStreams = ios
	if code := Main(f, []string{"--version"}); code != ExitOK {
		t.Fatalf("--version: exit %d", code)
	}
	got := out.String()
	if strings.TrimSpace(got) == "keyward version dev" || !strings.Contains(got, runtime.Version()) {
		t.Errorf("--version printed %q, want the build info (%s)", got, runtime.Version())
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && !strings.Contains(got, s.Value) {
				t.Errorf("--version printed %q, want the revision %s", got, s.Value)
			}
		}
	}
}

// TestDetectTheServersMarks is issue 13.2: after "keyward encode … --out
// marked.wav" in the folder where the server keeps keyward-data,
// "keyward watermark detect marked.wav" finds the mark offline with the key
// the server derives from its master key, and "keyward detect marked.wav"
// asks the server, which names the job and artist.
func TestDetectTheServersMarks(t *testing.T) {
	dir := t.TempDir()
	var wav bytes.Buffer
	if err := audio.EncodeWAV(&wav, audiotest.Song(12, 7)); err != nil {
		t.Fatal(err)
	}
	songs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(wav.Bytes())
	}))
	defer songs.Close()
	startServer(t, dir, "127.0.0.1/32")
	t.Chdir(dir)

	code, out, errOut := run("encode", songs.URL+"/song.wav", "--artist", "Ann", "--wait", "--out", "marked.wav", "--json=soundlink")
	if code != ExitOK {
		t.Fatalf("encode: exit %d\n%s\n%s", code, out, errOut)
	}
	var enc struct{ Soundlink string }
	if err := json.Unmarshal([]byte(out), &enc); err != nil || enc.Soundlink == "" {
		t.Fatalf("encode --json=soundlink printed %q (%v)", out, err)
	}

	code, out, errOut = run("watermark", "detect", "marked.wav", "--json=found,results")
	if code != ExitOK || !strings.Contains(out, enc.Soundlink) {
		t.Errorf("watermark detect marked.wav (no key flag, ./keyward-data present): exit %d\n%s\n%s; want %s", code, out, errOut, enc.Soundlink)
	}
	code, out, errOut = run("detect", "marked.wav", "--json")
	var a struct {
		Found     bool
		SoundLink struct{ ID, Artist, Job string } `json:"soundlink"`
	}
	if code != ExitOK || json.Unmarshal([]byte(out), &a) != nil || !a.Found || a.SoundLink.ID != enc.Soundlink || a.SoundLink.Artist != "Ann" || a.SoundLink.Job == "" {
		t.Errorf("detect marked.wav: exit %d\n%s\n%s; want %s by Ann", code, out, errOut, enc.Soundlink)
	}
	code, out, errOut = run("detect", songs.URL+"/song.wav")
	if code != ExitError || !strings.Contains(errOut, "no sound link") {
		t.Errorf("detect of the unmarked song: exit %d\n%s\n%s; want exit 1 and \"no sound link\"", code, out, errOut)
	}
}
