package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/token"
)

// binary is the keyward binary built once for the whole package.
var binary string

func TestMain(m *testing.M) {
	// A test re-run inside a network namespace (the media tests) reuses
	// the binary its parent built.
	if b := os.Getenv("KEYWARD_E2E_BINARY"); b != "" {
		if _, err := os.Stat(b); err == nil {
			binary = b
			os.Exit(m.Run())
		}
	}
	dir, err := os.MkdirTemp("", "keyward-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "keyward")
	build := exec.Command("go", "build", "-o", binary, "github.com/keyward/keyward/cmd/keyward")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build keyward:", err)
		os.Exit(1)
	}
	os.Setenv("KEYWARD_E2E_BINARY", binary)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// node is one running "keyward serve".
type node struct {
	t      testing.TB
	URL    string
	Data   string
	Args   []string
	Env    []string
	cmd    *exec.Cmd
	logs   *syncBuffer
	exited chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startNode starts keyward serve with a data directory (a fresh one when
// data is "") and extra flags, and waits until /readyz answers 200.
func startNode(t testing.TB, data string, args ...string) *node {
	t.Helper()
	if data == "" {
		data = t.TempDir()
	}
	n := &node{t: t, Data: data, Args: args}
	n.start()
	t.Cleanup(n.stop)
	return n
}

func (n *node) start() {
	t := n.t
	t.Helper()
	addr := freePort(t)
	n.URL = "http://" + addr
	argv := append([]string{"serve", "--listen", addr, "--data", n.Data, "--log-level", "warn"}, n.Args...)
	n.cmd = exec.Command(binary, argv...)
	n.cmd.Env = append(os.Environ(), n.Env...)
	n.logs = &syncBuffer{}
	n.cmd.Stdout, n.cmd.Stderr = n.logs, n.logs
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start keyward serve: %v", err)
	}
	n.exited = make(chan struct{})
	go func() { n.cmd.Wait(); close(n.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(n.URL + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		select {
		case <-n.exited:
			t.Fatalf("keyward serve exited early:\n%s", n.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("keyward serve not ready within 60s:\n%s", n.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to die.
func (n *node) kill() {
	n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.exited
}

func (n *node) stop() {
	select {
	case <-n.exited:
		return
	default:
	}
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(20 * time.Second):
		n.kill()
		n.t.Errorf("keyward serve did not stop within 20s of SIGTERM")
	}
	if n.t.Failed() {
		n.t.Logf("keyward serve output:\n%s", n.logs)
	}
}

// adminCreds reads DATA/admin.json.
func (n *node) adminCreds() creds {
	n.t.Helper()
	b, err := os.ReadFile(filepath.Join(n.Data, "admin.json"))
	if err != nil {
		n.t.Fatalf("admin.json: %v", err)
	}
	fi, _ := os.Stat(filepath.Join(n.Data, "admin.json"))
	if fi.Mode().Perm() != 0o600 {
		n.t.Errorf("admin.json mode %v, want 0600", fi.Mode().Perm())
	}
	var c creds
	if err := json.Unmarshal(b, &c); err != nil {
		n.t.Fatalf("admin.json: %v", err)
	}
	return c
}

// creds is a key and its secret.
type creds struct {
	Key      string `json:"key"`
	Secret   string `json:"secret"`
	KID      string `json:"kid"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

// resp is a decoded envelope.
type resp struct {
	Status int
	Header http.Header
	Body   map[string]json.RawMessage
	Raw    []byte
	Params envelope.Params
	ID     string
}

func (r *resp) field(name string, v any) {
	if err := json.Unmarshal(r.Body[name], v); err != nil {
		panic(fmt.Sprintf("field %s of %s: %v", name, r.Raw, err))
	}
}

// call makes a management API call signed with a fresh management token of c.
func (n *node) call(c creds, method, path string, body any) *resp {
	n.t.Helper()
	r, err := n.callErr(c, method, path, body)
	if err != nil {
		n.t.Fatal(err)
	}
	return r
}

// callErr is call that returns transport errors instead of failing.
func (n *node) callErr(c creds, method, path string, body any) (*resp, error) {
	tok, err := token.New(token.Management, c.Key, []byte(c.Secret)).SetKeyID(c.KID).ToJWT()
	if err != nil {
		return nil, err
	}
	return n.do(method, path, "Bearer "+tok, body)
}

// raw sends a request with the given Authorization header and JSON body.
func (n *node) raw(method, path, authz string, body any) *resp {
	n.t.Helper()
	r, err := n.do(method, path, authz, body)
	if err != nil {
		n.t.Fatal(err)
	}
	return r
}

func (n *node) do(method, path, authz string, body any) (*resp, error) {
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case []byte:
			rd = bytes.NewReader(b)
		case string:
			rd = strings.NewReader(b)
		default:
			raw, _ := json.Marshal(body)
			rd = bytes.NewReader(raw)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, n.URL+path, rd)
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	out := &resp{Status: res.StatusCode, Header: res.Header}
	out.Raw, err = io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read: %w", method, path, err)
	}
	if err := json.Unmarshal(out.Raw, &out.Body); err != nil {
		return nil, fmt.Errorf("%s %s: %d %q is not an envelope: %w", method, path, res.StatusCode, out.Raw, err)
	}
	json.Unmarshal(out.Body["params"], &out.Params)
	json.Unmarshal(out.Body["id"], &out.ID)
	return out, nil
}

// waitFor polls cond every 100ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(start)
}

// scanLines returns the lines of s.
func scanLines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}
