package auth

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keyward/keyward/internal/envelope"
)

// Metrics are the door's Prometheus metrics:
//
//	keyward_http_requests_total{route,status}        requests answered
//	keyward_http_request_duration_seconds{route}     latency, middleware included
//	keyward_auth_failures_total{code}                refusals by error code
//
// A nil *Metrics records nothing.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	failures *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keyward_http_requests_total", Help: "Requests answered, by route and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "keyward_http_request_duration_seconds",
			Help:    "Time to answer a request, authentication included, by route.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keyward_auth_failures_total", Help: "Requests refused by the door, by error code.",
		}, []string{"code"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.failures} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("auth: register metrics: %w", err)
		}
	}
	return m, nil
}

// routeMetrics are one route's children, looked up once.
type routeMetrics struct {
	m        *Metrics
	route    string
	duration prometheus.Observer
	byStatus [600]atomic.Pointer[prometheus.Counter]
}

func (m *Metrics) route(name string) *routeMetrics {
	if m == nil {
		return nil
	}
	return &routeMetrics{m: m, route: name, duration: m.duration.WithLabelValues(name)}
}

// Observe records one request of the route; the gateway uses it too.
func (rm *routeMetrics) observe(status int, d time.Duration) {
	if rm == nil {
		return
	}
	rm.duration.Observe(d.Seconds())
	if status <= 0 || status >= len(rm.byStatus) {
		status = 0
	}
	p := rm.byStatus[status].Load()
	if p == nil {
		c := rm.m.requests.WithLabelValues(rm.route, strconv.Itoa(status))
		p = &c
		rm.byStatus[status].Store(p)
	}
	(*p).Inc()
}

func (m *Metrics) failure(err error) {
	if m == nil {
		return
	}
	code, _, _, _ := envelope.Classify(err)
	m.failures.WithLabelValues(code).Inc()
}
