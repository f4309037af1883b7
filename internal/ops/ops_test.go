package ops_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keyward/keyward/internal/openapi"
	"github.com/keyward/keyward/internal/ops"
	"github.com/keyward/keyward/token"
)

func TestEndpoints(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "keyward_test_total", Help: "test"})
	reg.MustRegister(c)
	c.Inc()
	doc, err := openapi.Document("keyward", "test", []openapi.Operation{{Pattern: "POST /v3/sl/encoding", ID: "sl.encoding.start",
		Summary: "Start encoding.", Profiles: token.ProfileSet(token.Request, token.QSH), Group: "encoding", SingleUse: true}})
	if err != nil {
		t.Fatalf("OpenAPI: %v", err)
	}
	newServer := func(t *testing.T, fail bool) *httptest.Server {
		h, err := ops.New(ops.Config{Gatherer: reg, OpenAPI: doc, Checks: []ops.Check{
			{Name: "database", Func: func(context.Context) error { return nil }},
			{Name: "redis", Func: func(context.Context) error {
				if fail {
					return errors.New("dial tcp 10.0.0.1:6379: secret detail")
				}
				return nil
			}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		h.Register(mux)
		s := httptest.NewServer(mux)
		t.Cleanup(s.Close)
		return s
	}
	ok, bad := newServer(t, false), newServer(t, true)
	get := func(t *testing.T, s *httptest.Server, path string) (int, string) {
		res, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	tests := []struct {
		name   string
		srv    *httptest.Server
		path   string
		status int
		want   string
		reject string
	}{
		{"healthz", ok, "/healthz", 200, `"id":"keyward.healthz"`, ""},
		{"readyz ok", ok, "/readyz", 200, `"redis":"ok"`, ""},
		{"readyz failing", bad, "/readyz", 503, `"err":"UNAVAILABLE"`, "10.0.0.1"},
		{"metrics", ok, "/metrics", 200, "keyward_test_total 1", ""},
		{"openapi", ok, "/openapi.json", 200, `"sl.encoding.start"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := get(t, tt.srv, tt.path)
			if status != tt.status || !strings.Contains(body, tt.want) || (tt.reject != "" && strings.Contains(body, tt.reject)) {
				t.Fatalf("GET %s = %d %s; want %d containing %q without %q", tt.path, status, body, tt.status, tt.want, tt.reject)
			}
		})
	}
	var parsed map[string]any
	if err := json.Unmarshal(doc, &parsed); err != nil || parsed["openapi"] != "3.1.0" {
		t.Fatalf("OpenAPI document does not parse as 3.1: %v", err)
	}
}
