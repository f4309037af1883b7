// Package testenv finds the real programs and servers that keyward's tests
// run against: PostgreSQL, Redis, Chromium, lame, ffmpeg, Node, Ruby and the
// Debian Python. Each helper skips the test when the thing is missing, unless
// KEYWARD_TEST_STRICT=1 is set (the repository's test command sets it after
// installing everything), in which case a missing dependency fails the test:
// CI must never pass by skipping.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Strict reports whether missing dependencies fail tests instead of skipping.
func Strict() bool { return os.Getenv("KEYWARD_TEST_STRICT") == "1" }

// Missing skips tb, or fails it in strict mode, with a formatted reason.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if Strict() {
		tb.Fatalf("testenv: %s (KEYWARD_TEST_STRICT=1: install it; see scripts/test.sh)", msg)
	}
	tb.Skipf("testenv: %s", msg)
}

// Command returns the path of program name, or skips/fails tb.
func Command(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(tb, "program %q not found", name)
	}
	return p
}

// Path returns path if it exists, or skips/fails tb.
func Path(tb testing.TB, path string) string {
	tb.Helper()
	if _, err := os.Stat(path); err != nil {
		Missing(tb, "%s not found", path)
	}
	return path
}

// PostgresURL is the server the tests use; KEYWARD_TEST_POSTGRES overrides it.
func PostgresURL() string {
	if u := os.Getenv("KEYWARD_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// RedisAddr is the Redis the tests use; KEYWARD_TEST_REDIS overrides it.
func RedisAddr() string {
	if a := os.Getenv("KEYWARD_TEST_REDIS"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

// Postgres creates a database of its own for tb on the test server and
// returns its URL; the database is dropped when tb ends.
func Postgres(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, PostgresURL())
	if err != nil {
		Missing(tb, "PostgreSQL at %s: %v", PostgresURL(), err)
	}
	defer admin.Close(context.Background())
	name := "keyward_test_" + randomHex(8)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("testenv: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, PostgresURL())
		if err != nil {
			tb.Logf("testenv: drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("testenv: drop database %s: %v", name, err)
		}
	})
	cfg, err := pgx.ParseConfig(PostgresURL())
	if err != nil {
		tb.Fatalf("testenv: parse %s: %v", PostgresURL(), err)
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
}

// Redis returns the address of a Redis server that answers, and a key prefix
// of tb's own so parallel tests never see each other's keys.
func Redis(tb testing.TB) (addr, prefix string) {
	tb.Helper()
	addr = RedisAddr()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		Missing(tb, "Redis at %s: %v", addr, err)
	}
	c.Close()
	return addr, "kwtest:" + randomHex(8) + ":"
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// RedisProcess is a redis-server of a test's own, for tests that stop it.
type RedisProcess struct {
	// Addr is host:port on loopback.
	Addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartRedis starts a redis-server of tb's own on a free loopback port,
// without persistence, and stops it when tb ends. Use it where a test
// stops Redis or counts its commands; the shared one ([Redis]) must stay
// up for every other test.
func StartRedis(tb testing.TB) *RedisProcess {
	tb.Helper()
	bin := Command(tb, "redis-server")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("testenv: free port: %v", err)
	}
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	ln.Close()
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		tb.Fatalf("testenv: start redis-server: %v", err)
	}
	p := &RedisProcess{Addr: addr, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	tb.Cleanup(p.Stop)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return p
		}
		select {
		case <-p.done:
			tb.Fatalf("testenv: redis-server on %s exited at start", addr)
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("testenv: redis-server on %s did not answer within 10s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server and waits for it to exit.
func (p *RedisProcess) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.done
}
