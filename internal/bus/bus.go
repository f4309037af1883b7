// Package bus carries change notices between keyward nodes over Redis
// pub/sub: a node that revokes a credential or a token publishes a notice,
// and every node (itself included) drops what it cached within
// milliseconds, instead of waiting for its next poll of the change feed.
//
// Pub/sub delivers a message only to the connections subscribed when it is
// published: a node that was disconnected misses what was sent meanwhile.
// So every topic has a Resync function, called each time its subscription
// is (re)established, which catches up from the durable source (the store's
// change feed, the revocations kept in Redis). Until the first resync a
// topic's state is not trusted: [Bus.Start] waits for it.
//
// The API is internal and not stable.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Defaults of [Config].
const (
	DefaultPrefix       = "keyward:"
	DefaultPingInterval = 5 * time.Second
	DefaultStartTimeout = 10 * time.Second
)

// Config configures [New].
type Config struct {
	// Client is the Redis connection, shared with other users; the bus
	// opens one more connection of its own for the subscription. Required.
	Client goredis.UniversalClient
	// Prefix starts every channel name ("PREFIXbus:TOPIC"). Default
	// "keyward:".
	Prefix string
	// PingInterval is how long the subscription may be silent before the
	// bus pings it, so a dead connection is noticed and replaced. Default
	// 5 s.
	PingInterval time.Duration
	// StartTimeout bounds [Bus.Start]'s wait for the first subscription
	// and resyncs. Default 10 s.
	StartTimeout time.Duration
	// Logger receives connection losses and handler errors. Default
	// slog.Default().
	Logger *slog.Logger
}

// Handler is what a topic does with its notices.
type Handler struct {
	// Message handles one notice's payload. It runs on the bus's one
	// receiving goroutine: keep it short.
	Message func(payload string)
	// Resync catches up on anything missed while not subscribed. It runs
	// when the subscription is first made and after every reconnection,
	// before any later notice of the topic is handled. On error it is
	// logged and tried again (up to ten times, a second apart at most)
	// before the notices that waited meanwhile are handled.
	Resync func(ctx context.Context) error
}

// Bus is one node's subscription to the change notices. It is safe for
// concurrent use.
type Bus struct {
	cfg     Config
	mu      sync.Mutex
	topics  map[string]Handler // by channel
	started bool
	up      atomic.Bool
	resyncs atomic.Int64
	cancel  context.CancelFunc
	done    chan struct{}
}

// New returns a bus; register topics with [Bus.Handle], then call
// [Bus.Start].
func New(cfg Config) (*Bus, error) {
	if cfg.Client == nil {
		return nil, errors.New("bus: Config.Client is required")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = DefaultPingInterval
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = DefaultStartTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Bus{cfg: cfg, topics: map[string]Handler{}}, nil
}

func (b *Bus) channel(topic string) string { return b.cfg.Prefix + "bus:" + topic }

// Handle registers h for topic. It panics after Start or when h has no
// Message function: topics are fixed at start-up.
func (b *Bus) Handle(topic string, h Handler) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started || h.Message == nil {
		panic("bus: Handle after Start or without a Message function")
	}
	b.topics[b.channel(topic)] = h
}

// Publish sends payload to every node subscribed to topic. An error means
// the notice may not have been delivered: the receivers' resync or their
// own polling must cover it.
func (b *Bus) Publish(ctx context.Context, topic, payload string) error {
	_, err := b.Send(ctx, topic, payload)
	return err
}

// Send is Publish that also says how many subscriptions received the
// notice: 0 means no node listens on topic now (a node that listens only
// on its own topic is gone).
func (b *Bus) Send(ctx context.Context, topic, payload string) (int64, error) {
	n, err := b.cfg.Client.Publish(ctx, b.channel(topic), payload).Result()
	if err != nil {
		return 0, fmt.Errorf("bus: publish %s: %w", topic, err)
	}
	return n, nil
}

// Listeners returns how many subscriptions listen on topic now, on any
// node.
func (b *Bus) Listeners(ctx context.Context, topic string) (int64, error) {
	m, err := b.cfg.Client.PubSubNumSub(ctx, b.channel(topic)).Result()
	if err != nil {
		return 0, fmt.Errorf("bus: listeners of %s: %w", topic, err)
	}
	return m[b.channel(topic)], nil
}

// Connected reports whether the subscription is up.
func (b *Bus) Connected() bool { return b.up.Load() }

// Resyncs returns how many times the topics' Resync functions have run
// (all topics together); for tests and metrics.
func (b *Bus) Resyncs() int64 { return b.resyncs.Load() }

// Start subscribes to every registered topic and returns once each has
// been resynced for the first time, or with an error when that did not
// happen within StartTimeout (the bus keeps trying in the background until
// [Bus.Close]).
func (b *Bus) Start(ctx context.Context) error {
	b.mu.Lock()
	if b.started {
		b.mu.Unlock()
		return errors.New("bus: already started")
	}
	b.started = true
	channels := make([]string, 0, len(b.topics))
	for ch := range b.topics {
		channels = append(channels, ch)
	}
	b.mu.Unlock()
	if len(channels) == 0 {
		return errors.New("bus: no topics")
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.cancel, b.done = cancel, make(chan struct{})
	ready := make(chan struct{})
	ps := b.cfg.Client.Subscribe(runCtx, channels...)
	go b.run(runCtx, ps, len(channels), ready)
	select {
	case <-ready:
		return nil
	case <-time.After(b.cfg.StartTimeout):
		return fmt.Errorf("bus: not subscribed within %v", b.cfg.StartTimeout)
	case <-ctx.Done():
		return fmt.Errorf("bus: start: %w", ctx.Err())
	}
}

// run receives until ctx ends. ready is closed when every one of n
// channels has been subscribed and resynced once.
func (b *Bus) run(ctx context.Context, ps *goredis.PubSub, n int, ready chan struct{}) {
	defer close(b.done)
	defer ps.Close()
	first := map[string]bool{}
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(ctx, b.cfg.PingInterval)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if isTimeout(err) {
				if perr := ps.Ping(ctx); perr == nil {
					continue
				}
			}
			if b.up.Swap(false) {
				b.cfg.Logger.Warn("bus: subscription lost; notices are missed until it is back (the change feed still applies them)", slog.Any("err", err))
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		switch m := msg.(type) {
		case *goredis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			backoff = 50 * time.Millisecond
			b.resync(ctx, m.Channel)
			if !first[m.Channel] {
				first[m.Channel] = true
				if len(first) == n {
					close(ready)
				}
			}
			if !b.up.Swap(true) && len(first) == n {
				b.cfg.Logger.Info("bus: subscribed", slog.Int("topics", n))
			}
		case *goredis.Message:
			b.mu.Lock()
			h, ok := b.topics[m.Channel]
			b.mu.Unlock()
			if ok {
				h.Message(m.Payload)
			}
		}
	}
}

// resync runs the Resync of the topic on channel, trying again on error.
func (b *Bus) resync(ctx context.Context, channel string) {
	b.mu.Lock()
	h := b.topics[channel]
	b.mu.Unlock()
	if h.Resync == nil {
		return
	}
	wait := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := h.Resync(rctx)
		cancel()
		if err == nil {
			b.resyncs.Add(1)
			return
		}
		b.cfg.Logger.Warn("bus: resync failed", slog.String("channel", channel), slog.Int("attempt", attempt), slog.Any("err", err))
		if attempt == 10 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// isTimeout reports whether err is a read that timed out (an idle
// subscription), not a broken connection.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// Close stops the subscription. It is safe to call more than once, and
// without Start.
func (b *Bus) Close() error {
	b.mu.Lock()
	cancel, done := b.cancel, b.done
	b.cancel = nil
	b.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	<-done
	return nil
}
