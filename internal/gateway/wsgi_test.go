package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testenv"
)

// wsgiEcho is a WSGI application on Python's reference server that answers
// with the CGI variables (HTTP_*) it was given, as JSON. Its first line of
// output is the port it listens on.
const wsgiEcho = `
import json
from wsgiref.simple_server import make_server, WSGIRequestHandler
def app(environ, start):
    body = json.dumps({k: v for k, v in environ.items() if k.startswith("HTTP_")}).encode()
    start("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
class Quiet(WSGIRequestHandler):
    def log_message(self, *args): pass
srv = make_server("127.0.0.1", 0, app, handler_class=Quiet)
print(srv.server_port, flush=True)
srv.serve_forever()
`

// startWSGI runs wsgiEcho and returns its URL.
func startWSGI(t *testing.T) string {
	t.Helper()
	python := testenv.Command(t, "python3")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, python, "-u", "-c", wsgiEcho)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start the WSGI upstream: %v", err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	port := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		port <- strings.TrimSpace(line)
	}()
	select {
	case p := <-port:
		if p == "" {
			t.Fatal("the WSGI upstream printed no port")
		}
		return "http://127.0.0.1:" + p
	case <-time.After(30 * time.Second):
		t.Fatal("the WSGI upstream did not start within 30s")
	}
	return ""
}

// TestIdentityHeadersReachWSGIOnlyFromTheGateway sends the identity
// headers spelled with underscores, in every case, through the gateway to a
// real WSGI upstream, where "-" and "_" both become "_": the upstream must
// see only the values the gateway set.
func TestIdentityHeadersReachWSGIOnlyFromTheGateway(t *testing.T) {
	t.Parallel()
	b := setup(t, `{"routes":[{"api_id":"wsgi","prefix":"/wsgi/","upstream":"`+startWSGI(t)+`","strip_prefix":true,"profiles":["management"]}]}`)
	spoofed := http.Header{
		"Authorization":        {"Bearer " + mgmt(t)},
		"X_Keyward_Owner_Role": {"admin"},
		"x_keyward_groups":     {"billing"},
		"X-KEYWARD_ACCOUNT":    {"1"},
		"X_keyward-Credential": {"1"},
		"X_Keyward_Key":        {"admin-key"},
		"X_Keyward_Profile":    {"request"},
		"X_Keyward_User":       {"root"},
		"X_Forwarded_For":      {"10.0.0.1"},
		"X_Forwarded_Host":     {"internal.example"},
		"X_Forwarded_Proto":    {"https"},
		"X_Other_Header":       {"kept"},
	}
	res, raw := b.do(t, "GET", "/wsgi/whoami", spoofed, "")
	if res.StatusCode != 200 {
		t.Fatalf("GET /wsgi/whoami = %d, want 200\n%s", res.StatusCode, raw)
	}
	var env map[string]string
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("upstream answer: %v\n%s", err, raw)
	}
	want := map[string]string{
		"HTTP_X_KEYWARD_OWNER_ROLE": "developer",
		"HTTP_X_KEYWARD_GROUPS":     "encoding,rooms",
		"HTTP_X_KEYWARD_ACCOUNT":    "3",
		"HTTP_X_KEYWARD_CREDENTIAL": "7",
		"HTTP_X_KEYWARD_KEY":        devKey,
		"HTTP_X_KEYWARD_PROFILE":    "management",
		"HTTP_X_FORWARDED_FOR":      "127.0.0.1",
		"HTTP_X_OTHER_HEADER":       "kept",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("upstream %s = %q, want %q", k, env[k], v)
		}
	}
	for _, k := range []string{"HTTP_X_KEYWARD_USER", "HTTP_AUTHORIZATION"} {
		if v, ok := env[k]; ok {
			t.Errorf("upstream %s = %q, want it absent", k, v)
		}
	}
	if v := env["HTTP_X_FORWARDED_HOST"]; v == "internal.example" || strings.Contains(v, ",") {
		t.Errorf("upstream HTTP_X_FORWARDED_HOST = %q, want only the gateway's", v)
	}
	if v := env["HTTP_X_FORWARDED_PROTO"]; v != "http" {
		t.Errorf("upstream HTTP_X_FORWARDED_PROTO = %q, want http", v)
	}
}
