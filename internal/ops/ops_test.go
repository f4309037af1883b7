package ops_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/ops"
)

func TestEndpoints(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "keyward_test_total", Help: "test"})
	reg.MustRegister(c)
	c.Inc()
	newServer := func(t *testing.T, fail, failShared bool) *httptest.Server {
		h, err := ops.New(ops.Config{Gatherer: reg, Checks: []ops.Check{
			{Name: "database", Func: func(context.Context) error { return nil }},
			{Name: "redis", Func: func(context.Context) error {
				if fail {
					return errors.New("dial tcp 10.0.0.1:6379: secret detail")
				}
				return nil
			}},
			{Name: "shared", Degraded: true, Func: func(context.Context) error {
				if failShared {
					return errors.New("dial tcp 10.0.0.2:6379: secret detail")
				}
				return nil
			}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		mux, err := auth.NewMux(nil, h.Endpoints()...)
		if err != nil {
			t.Fatal(err)
		}
		s := httptest.NewServer(mux)
		t.Cleanup(s.Close)
		return s
	}
	ok, bad, degraded := newServer(t, false, false), newServer(t, true, true), newServer(t, false, true)
	do := func(t *testing.T, s *httptest.Server, method, path string) (int, string) {
		req, err := http.NewRequest(method, s.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
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
		method string
		path   string
		status int
		want   string
		reject string
	}{
		{"healthz", ok, "GET", "/healthz", 200, `"id":"keyward.healthz"`, ""},
		{"readyz ok", ok, "GET", "/readyz", 200, `"redis":"ok"`, ""},
		{"readyz failing", bad, "GET", "/readyz", 503, `"err":"UNAVAILABLE"`, "10.0.0.1"},
		{"readyz degraded", degraded, "GET", "/readyz", 200, `"shared":"degraded"`, "10.0.0.2"},
		{"metrics", ok, "GET", "/metrics", 200, "keyward_test_total 1", ""},
		{"unknown path", ok, "GET", "/nothing", 404, `"err":"NOT_FOUND"`, ""},
		{"other method", ok, "POST", "/healthz", 405, `"err":"METHOD_NOT_ALLOWED"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := do(t, tt.srv, tt.method, tt.path)
			if status != tt.status || !strings.Contains(body, tt.want) || (tt.reject != "" && strings.Contains(body, tt.reject)) {
				t.Fatalf("%s %s = %d %s; want %d containing %q without %q", tt.method, tt.path, status, body, tt.status, tt.want, tt.reject)
			}
		})
	}
}
