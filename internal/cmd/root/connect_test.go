package root

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
	"github.com/keyward/keyward/internal/server"
)

// startServer runs a real keyward server with its data in dir/keyward-data
// on a free loopback port, as "keyward serve" would.
func startServer(t *testing.T, dir string) *server.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := server.Defaults()
	cfg.Listen = addr
	cfg.Data = filepath.Join(dir, "keyward-data")
	srv, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	return srv
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
	srv := startServer(t, dir)
	t.Chdir(dir)
	for _, args := range [][]string{
		{"admin", "whoami"},
		{"call", "GET", "/v1/me"},
		{"encode", "https://192.0.2.1/song.mp3", "--artist", "Ann"},
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
