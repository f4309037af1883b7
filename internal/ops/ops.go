// Package ops serves keyward's operational endpoints: GET /healthz (the
// process is up), GET /readyz (every dependency answers), GET /metrics
// (Prometheus text format) and GET /openapi.json (the API description the
// server is built from). /healthz, /readyz and /openapi.json answer with the
// DESIGN §3 envelope; /readyz is 503 UNAVAILABLE naming the checks that
// failed (their errors go to the log only).
package ops

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/errcode"
)

// DefaultCheckTimeout is the default of [Config.CheckTimeout].
const DefaultCheckTimeout = 2 * time.Second

// Check is one readiness check, such as pinging the database or Redis.
type Check struct {
	// Name names the check in /readyz answers, e.g. "database".
	Name string
	// Func returns nil when the dependency answers.
	Func func(ctx context.Context) error
}

// Config configures [New].
type Config struct {
	// Checks are run, concurrently, by /readyz.
	Checks []Check
	// CheckTimeout bounds each check. Default 2 s.
	CheckTimeout time.Duration
	// Gatherer is what /metrics serves. Default prometheus.DefaultGatherer.
	Gatherer prometheus.Gatherer
	// OpenAPI is the document /openapi.json serves; nil leaves the endpoint
	// out.
	OpenAPI []byte
	// Logger receives failed checks. Default slog.Default().
	Logger *slog.Logger
}

// Handler serves the endpoints.
type Handler struct {
	cfg     Config
	metrics http.Handler
}

// New returns the handler.
func New(cfg Config) (*Handler, error) {
	if cfg.CheckTimeout <= 0 {
		cfg.CheckTimeout = DefaultCheckTimeout
	}
	if cfg.Gatherer == nil {
		cfg.Gatherer = prometheus.DefaultGatherer
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	for _, c := range cfg.Checks {
		if c.Name == "" || c.Func == nil {
			return nil, errors.New("ops: every Check needs a Name and a Func")
		}
	}
	return &Handler{cfg: cfg, metrics: promhttp.HandlerFor(cfg.Gatherer, promhttp.HandlerOpts{})}, nil
}

// Register adds the endpoints to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", h.handleHealthz)
	mux.HandleFunc("GET /readyz", h.handleReadyz)
	mux.Handle("GET /metrics", h.metrics)
	if h.cfg.OpenAPI != nil {
		mux.HandleFunc("GET /openapi.json", h.handleOpenAPI)
	}
}

// handleHealthz is GET /healthz.
func (h *Handler) handleHealthz(w http.ResponseWriter, r *http.Request) {
	envelope.Write(w, r, http.StatusOK, "keyward.healthz", map[string]string{"health": "ok"})
}

// handleReadyz is GET /readyz.
func (h *Handler) handleReadyz(w http.ResponseWriter, r *http.Request) {
	results := make(map[string]string, len(h.cfg.Checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var failed []string
	for _, c := range h.cfg.Checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(r.Context(), h.cfg.CheckTimeout)
			defer cancel()
			err := c.Func(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				h.cfg.Logger.Warn("readiness check failed", slog.String("check", c.Name), slog.Any("err", err))
				results[c.Name] = "failed"
				failed = append(failed, c.Name)
				return
			}
			results[c.Name] = "ok"
		})
	}
	wg.Wait()
	if len(failed) > 0 {
		r = r.WithContext(envelope.NewContext(r.Context(), &envelope.Meta{ID: "keyward.readyz", Logger: h.cfg.Logger}))
		envelope.Error(w, r, errcode.Errorf(errcode.Unavailable, "not ready: %v", failed))
		return
	}
	envelope.Write(w, r, http.StatusOK, "keyward.readyz", map[string]any{"checks": results})
}

// handleOpenAPI is GET /openapi.json.
func (h *Handler) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(h.cfg.OpenAPI)
}
