package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// UsageSink receives one count per verified request.
type UsageSink interface {
	// Record counts one request of credentialID on route answered with
	// status at now; accepted says whether the door let it through (a
	// proven token that was then refused, say for a group, counts but is
	// not a use of the credential). It must not block.
	Record(credentialID int64, route string, status int, accepted bool, now time.Time)
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

// LastUse is the newest accepted request of one credential.
type LastUse struct {
	// CredentialID is the credential.
	CredentialID int64
	// At is when its newest accepted request arrived.
	At time.Time
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
	// LastUsedFunc receives, at the same flushes, the newest accepted
	// request of each credential used since the last flush: one write per
	// flush however many requests there were. Nil means last use is not
	// recorded. On error the times are kept and retried at the next flush.
	LastUsedFunc func(ctx context.Context, uses []LastUse) error
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
	used    map[int64]int64 // credential id → newest accepted request, unix ns
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
	u := &Usage{cfg: cfg, rows: make(map[usageKey]int64), used: make(map[int64]int64), stop: make(chan struct{}), done: make(chan struct{})}
	go u.run()
	return u, nil
}

// Record implements [UsageSink].
func (u *Usage) Record(credentialID int64, route string, status int, accepted bool, now time.Time) {
	k := usageKey{credentialID, route, status, now.Unix() / 60 * 60}
	ns := now.UnixNano()
	u.mu.Lock()
	if _, ok := u.rows[k]; ok || len(u.rows) < u.cfg.MaxRows {
		u.rows[k]++
	} else {
		u.dropped++
	}
	if accepted && u.cfg.LastUsedFunc != nil {
		u.keepNewest(credentialID, ns)
	}
	u.mu.Unlock()
}

// keepNewest records ns as credentialID's last use unless a newer one is
// held, within MaxRows credentials. u.mu must be held.
func (u *Usage) keepNewest(credentialID, ns int64) {
	if old, ok := u.used[credentialID]; ok {
		if ns > old {
			u.used[credentialID] = ns
		}
	} else if len(u.used) < u.cfg.MaxRows {
		u.used[credentialID] = ns
	}
}

// Flush hands the gathered rows to FlushFunc, and the last uses to
// LastUsedFunc, now.
func (u *Usage) Flush(ctx context.Context) error {
	u.flushMu.Lock()
	defer u.flushMu.Unlock()
	u.mu.Lock()
	rows, used, dropped := u.rows, u.used, u.dropped
	u.rows, u.used, u.dropped = make(map[usageKey]int64, len(rows)), make(map[int64]int64, len(used)), 0
	u.mu.Unlock()
	if dropped > 0 {
		u.cfg.Logger.Warn("usage: rows dropped (MaxRows reached)", slog.Int64("requests", dropped))
	}
	return errors.Join(u.flushRows(ctx, rows), u.flushUsed(ctx, used))
}

// flushUsed hands the last uses to LastUsedFunc, keeping them for the next
// flush if it fails.
func (u *Usage) flushUsed(ctx context.Context, used map[int64]int64) error {
	if len(used) == 0 {
		return nil
	}
	out := make([]LastUse, 0, len(used))
	for id, ns := range used {
		out = append(out, LastUse{CredentialID: id, At: time.Unix(0, ns).UTC()})
	}
	if err := u.cfg.LastUsedFunc(ctx, out); err != nil {
		u.mu.Lock()
		for id, ns := range used {
			u.keepNewest(id, ns)
		}
		u.mu.Unlock()
		return fmt.Errorf("usage: record last use: %w", err)
	}
	return nil
}

// flushRows hands the counts to FlushFunc, keeping them for the next flush
// if it fails.
func (u *Usage) flushRows(ctx context.Context, rows map[usageKey]int64) error {
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
		return fmt.Errorf("usage: record counts: %w", err)
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
