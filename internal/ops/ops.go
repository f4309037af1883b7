// Package ops serves keyward's operational endpoints: GET /healthz (the
// process is up), GET /readyz (every dependency answers) and GET /metrics
// (Prometheus text format). /healthz and /readyz answer with the DESIGN §3
// envelope; /readyz is 503 UNAVAILABLE naming the checks that failed (their
// errors go to the log only). The OpenAPI document is package openapi's.
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

	"github.com/keyward/keyward/internal/auth"
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
	// Degraded makes a failure of the check "degraded" instead of
	// "failed": /readyz still answers 200, since the node still serves
	// (for a dependency that every node shares, whose outage would
	// otherwise take every node out of service at once).
	Degraded bool
}

// Config configures [New].
type Config struct {
	// Checks are run, concurrently, by /readyz.
	Checks []Check
	// CheckTimeout bounds each check. Default 2 s.
	CheckTimeout time.Duration
	// Gatherer is what /metrics serves. Default prometheus.DefaultGatherer.
	Gatherer prometheus.Gatherer
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

// Endpoints returns the operational endpoints; all are public.
func (h *Handler) Endpoints() []auth.Endpoint {
	return []auth.Endpoint{
		{ID: "keyward.healthz", Pattern: "GET /healthz", Summary: "Liveness: the process answers", Tag: "operations", Handler: http.HandlerFunc(h.handleHealthz)},
		{ID: "keyward.readyz", Pattern: "GET /readyz", Summary: "Readiness: the store and the rooms' media socket answer (Redis down: degraded, still ready)", Tag: "operations", Handler: http.HandlerFunc(h.handleReadyz)},
		{ID: "keyward.metrics", Pattern: "GET /metrics", Summary: "Prometheus metrics (text format, not an envelope)", Tag: "operations", Handler: h.metrics},
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
				h.cfg.Logger.Warn("readiness check failed", slog.String("check", c.Name), slog.Any("err", err), slog.Bool("degraded", c.Degraded))
				if c.Degraded {
					results[c.Name] = "degraded"
					return
				}
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
