package auth

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// UsageSink receives one count per verified request.
type UsageSink interface {
	// Record counts one request of credentialID on route answered with
	// status at now. It must not block.
	Record(credentialID int64, route string, status int, now time.Time)
}

// UsageRow is the number of requests of one credential on one route with
// one status in one minute.
type UsageRow struct {
	// CredentialID is the credential.
	CredentialID int64
	// Route is the route's API id.
	Route string
	// Status is the HTTP status answered.
	Status int
	// Minute is the start of the minute, in UTC.
	Minute time.Time
	// Count is the number of requests.
	Count int64
}

// Defaults of [UsageConfig].
const (
	DefaultUsageInterval = 10 * time.Second
	DefaultUsageMaxRows  = 100_000
)

// UsageConfig configures [NewUsage].
type UsageConfig struct {
	// FlushFunc receives the counts gathered since the last flush, summed
	// per (credential, route, status, minute). The lead connects it to the
	// store. Required. On error the rows are kept and retried at the next
	// flush (up to MaxRows distinct rows; past that, new rows are dropped
	// and counted in the log).
	FlushFunc func(ctx context.Context, rows []UsageRow) error
	// Interval is how often FlushFunc is called. Default 10 s.
	Interval time.Duration
	// MaxRows bounds the rows held between flushes. Default 100 000.
	MaxRows int
	// Logger receives flush errors. Default slog.Default().
	Logger *slog.Logger
}

// Usage is an in-memory [UsageSink] that aggregates counts and hands them
// to FlushFunc every Interval. It is safe for concurrent use; call
// [Usage.Close] to stop it and flush what remains.
type Usage struct {
	cfg     UsageConfig
	mu      sync.Mutex
	rows    map[usageKey]int64
	dropped int64
	flushMu sync.Mutex
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

type usageKey struct {
	credentialID int64
	route        string
	status       int
	minute       int64 // Unix seconds
}

var _ UsageSink = (*Usage)(nil)

// NewUsage returns an aggregator and starts its flusher.
func NewUsage(cfg UsageConfig) (*Usage, error) {
	if cfg.FlushFunc == nil {
		return nil, errors.New("auth: UsageConfig.FlushFunc is required")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultUsageInterval
	}
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = DefaultUsageMaxRows
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	u := &Usage{cfg: cfg, rows: make(map[usageKey]int64), stop: make(chan struct{}), done: make(chan struct{})}
	go u.run()
	return u, nil
}

// Record implements [UsageSink].
func (u *Usage) Record(credentialID int64, route string, status int, now time.Time) {
	k := usageKey{credentialID, route, status, now.Unix() / 60 * 60}
	u.mu.Lock()
	if _, ok := u.rows[k]; ok || len(u.rows) < u.cfg.MaxRows {
		u.rows[k]++
	} else {
		u.dropped++
	}
	u.mu.Unlock()
}

// Flush hands the gathered rows to FlushFunc now.
func (u *Usage) Flush(ctx context.Context) error {
	u.flushMu.Lock()
	defer u.flushMu.Unlock()
	u.mu.Lock()
	rows, dropped := u.rows, u.dropped
	u.rows, u.dropped = make(map[usageKey]int64, len(rows)), 0
	u.mu.Unlock()
	if dropped > 0 {
		u.cfg.Logger.Warn("usage: rows dropped (MaxRows reached)", slog.Int64("requests", dropped))
	}
	if len(rows) == 0 {
		return nil
	}
	out := make([]UsageRow, 0, len(rows))
	for k, n := range rows {
		out = append(out, UsageRow{CredentialID: k.credentialID, Route: k.route, Status: k.status, Minute: time.Unix(k.minute, 0).UTC(), Count: n})
	}
	if err := u.cfg.FlushFunc(ctx, out); err != nil {
		u.mu.Lock()
		for k, n := range rows {
			if _, ok := u.rows[k]; ok || len(u.rows) < u.cfg.MaxRows {
				u.rows[k] += n
			}
		}
		u.mu.Unlock()
		return err
	}
	return nil
}

func (u *Usage) run() {
	defer close(u.done)
	t := time.NewTicker(u.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-u.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), u.cfg.Interval)
			if err := u.Flush(ctx); err != nil {
				u.cfg.Logger.Warn("usage: flush", slog.Any("err", err))
			}
			cancel()
		}
	}
}

// Close stops the flusher and flushes what remains.
func (u *Usage) Close(ctx context.Context) error {
	u.once.Do(func() { close(u.stop) })
	<-u.done
	return u.Flush(ctx)
}
