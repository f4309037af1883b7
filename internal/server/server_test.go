package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/server"
	"github.com/keyward/keyward/internal/server/servertest"
)

func mustStart(t *testing.T) *server.Server {
	t.Helper()
	return mustStartWith(t, func(*server.Config) {})
}

// mustStartWith starts a server on SQLite in a temporary directory, with
// the defaults changed by edit.
func mustStartWith(t *testing.T, edit func(*server.Config)) *server.Server {
	t.Helper()
	return servertest.Start(t, edit)
}

// TestOpenAPIMatchesRoutes checks /openapi.json against the server: every
// endpoint the server mounts is documented, and every documented operation
// is served (no "no such API", no 405); those that declare security ask
// for a token, and the public ones do not.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	srv := mustStart(t)
	res, err := http.Get(srv.URL() + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Security    []any  `json:"security"`
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if len(doc.Paths) < 20 {
		t.Fatalf("document has %d paths", len(doc.Paths))
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method, op := range item {
			documented[op.OperationID] = true
			url := srv.URL() + strings.NewReplacer("{id}", "1", "{name}", "encoding", "{kid}", "k", "{path}", "x").Replace(path)
			req, _ := http.NewRequest(strings.ToUpper(method), url, nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if strings.Contains(string(body), "no such API") || res.StatusCode == http.StatusMethodNotAllowed {
				t.Errorf("%s %s (%s) is documented but not served: %d %s", method, path, op.OperationID, res.StatusCode, body)
			}
			if len(op.Security) > 0 && (res.StatusCode != 401 || !strings.Contains(string(body), "TOKEN_MISSING")) {
				t.Errorf("%s %s declares security but answered %d %s", method, path, res.StatusCode, body)
			}
			if len(op.Security) == 0 && (strings.Contains(string(body), `"err":"TOKEN_`) || res.StatusCode >= 500) {
				t.Errorf("%s %s is public but answered %d %s", method, path, res.StatusCode, body)
			}
		}
	}
	eps := srv.Endpoints()
	if len(eps) < 30 {
		t.Fatalf("the server mounts %d endpoints", len(eps))
	}
	for _, ep := range eps {
		method, _ := ep.Split()
		id := ep.ID
		if method == "" {
			id += ".get"
		}
		if !documented[id] {
			t.Errorf("%s (%s) is mounted but not in /openapi.json", ep.Pattern, ep.ID)
		}
	}
	for _, tt := range []struct {
		method, path string
		status       int
	}{{"GET", "/v9/nothing", 404}, {"DELETE", "/healthz", 405}, {"GET", "/v3/sl/encoding", 405}} {
		req, _ := http.NewRequest(tt.method, srv.URL()+tt.path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.status || !strings.Contains(string(body), `"status":"failed"`) {
			t.Errorf("%s %s = %d %s; want %d in the envelope", tt.method, tt.path, res.StatusCode, body, tt.status)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	c := server.Defaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	c.Redis = "localhost:6379"
	c.Window = 0
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "redis") || !strings.Contains(err.Error(), "window") {
		t.Errorf("Validate = %v, want redis and window errors", err)
	}
}

// TestConfigAdvertise: with Redis, each node needs the URL the others
// reach it at; it is derived from --listen where that names one address.
func TestConfigAdvertise(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, listen, advertise, redis string
		want, wantErr                  string
	}{
		{"no redis, no advertise", "127.0.0.1:8080", "", "", "", ""},
		{"from listen", "127.0.0.1:8080", "", "redis://127.0.0.1:6379/0", "http://127.0.0.1:8080", ""},
		{"port 0: set once listening", "127.0.0.1:0", "", "redis://127.0.0.1:6379/0", "", ""},
		{"given", "0.0.0.0:8080", "http://10.0.0.5:8080/", "redis://127.0.0.1:6379/0", "http://10.0.0.5:8080", ""},
		{"every interface, port 0", "0.0.0.0:0", "", "redis://127.0.0.1:6379/0", "", "advertise"},
		{"not a URL", "127.0.0.1:8080", "10.0.0.5:8080", "redis://127.0.0.1:6379/0", "", "advertise"},
		{"a path", "127.0.0.1:8080", "http://10.0.0.5:8080/keyward", "", "", "advertise"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := server.Defaults()
			c.Listen, c.Advertise, c.Redis = tt.listen, tt.advertise, tt.redis
			err := c.Validate()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Validate = %v, want an error naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || c.Advertise != tt.want {
				t.Fatalf("Validate = %v, Advertise %q; want nil, %q", err, c.Advertise, tt.want)
			}
		})
	}
}

// Close while Run serves is a stop, not a failure: Run returns nil.
func TestCloseStopsRun(t *testing.T) {
	t.Parallel()
	cfg := server.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.Data = t.TempDir()
	srv, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(context.Background()) }()
	res, err := http.Get(srv.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after Close = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after Close")
	}
}
