// Package deploy_test checks the files that install keyward: the systemd
// unit, and what the Dockerfile builds. Docker itself cannot run where the
// tests run, so the image is not built; its binary is: CGO_ENABLED=0, as
// the Dockerfile builds it for scratch.
package deploy_test

import (
	"context"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testenv"
)

// staticBinary builds keyward as the Dockerfile does and returns its path.
func staticBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "keyward")
	build := exec.Command(testenv.Command(t, "go"), "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/keyward")
	build.Dir = filepath.Join("..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	return bin
}

// TestStaticBinary: the binary of the Dockerfile needs no libc (scratch has
// none), and it serves.
func TestStaticBinary(t *testing.T) {
	t.Parallel()
	bin := staticBinary(t)
	out, _ := exec.Command(testenv.Command(t, "ldd"), bin).CombinedOutput()
	if !strings.Contains(string(out), "not a dynamic executable") {
		t.Fatalf("ldd keyward: %s, want \"not a dynamic executable\"", out)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	serve := exec.CommandContext(ctx, bin, "serve", "--listen", addr, "--data", t.TempDir(), "--log-level", "warn")
	var logs strings.Builder
	serve.Stdout, serve.Stderr = &logs, &logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); serve.Wait() })
	deadline := time.Now().Add(2 * time.Minute) // a watchdog, not a check of speed
	for {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the static binary does not answer GET /healthz with 200 (last: %v, %v)\n%s", res, err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSystemdUnit checks keyward.service with systemd-analyze verify. It
// needs no running systemd: --root points it at a folder that holds the
// unit, the stock units it names, and a binary at the path of its
// ExecStart.
func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	analyze := testenv.Command(t, "systemd-analyze")
	units := testenv.Path(t, "/usr/lib/systemd/system")
	root := t.TempDir()
	unit, err := os.ReadFile("keyward.service")
	if err != nil {
		t.Fatal(err)
	}
	copyTree(t, units, filepath.Join(root, "usr", "lib", "systemd", "system"))
	bin := filepath.Join(root, "usr", "local", "bin", "keyward")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The check must be able to fail: a unit with a bad setting is refused.
	broken := strings.Replace(string(unit), "DynamicUser=yes", "DynamicUser=maybe", 1)
	for _, u := range []struct {
		name, text string
		ok         bool
	}{{"keyward.service", string(unit), true}, {"broken.service", broken, false}} {
		p := filepath.Join(root, "etc", "systemd", "system", u.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(u.text), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(analyze, "verify", "--root="+root, u.name).CombinedOutput()
		complaint := strings.Contains(string(out), u.name)
		if u.ok && (err != nil || complaint) {
			t.Errorf("systemd-analyze verify deploy/keyward.service: %v\n%s", err, out)
		}
		if !u.ok && (err == nil || !complaint) {
			t.Errorf("systemd-analyze verify passes a unit with DynamicUser=maybe (%v):\n%s", err, out)
		}
	}
}

// copyTree copies the files and symbolic links under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, to)
		case d.Type().IsRegular():
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(to, b, 0o644)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}
