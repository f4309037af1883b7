package webhook

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/keyward/keyward/internal/fetch"
	"github.com/keyward/keyward/internal/room"
)

// Defaults of [Config].
const (
	DefaultMaxAttempts  = 12
	DefaultPollInterval = 500 * time.Millisecond
	DefaultWaitInterval = 100 * time.Millisecond
	DefaultRetention    = 7 * 24 * time.Hour
	DefaultRequeueAfter = 15 * time.Minute
	// maxWait bounds one wait behind earlier events of the room.
	maxWait = 30 * time.Second
	// relayBatch is how many events the relay hands over at once.
	relayBatch = 100
)

// Store is what the service needs of the store: the outbox, and the
// rooms for the owner's endpoint.
type Store interface {
	room.Outbox
	// Room returns the account's room whose id or customRoomId is ref.
	Room(ctx context.Context, accountID int64, ref string) (*room.Room, error)
}

// Poster posts a body; *fetch.Fetcher is the guarded one.
type Poster interface {
	Post(ctx context.Context, rawURL string, header http.Header, body []byte) (*fetch.PostResult, error)
}

var _ Poster = (*fetch.Fetcher)(nil)

// Inserter enqueues jobs; *jobs.Queue satisfies it.
type Inserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error)
}

// Config configures a [Service].
type Config struct {
	// Store holds the outbox. Required.
	Store Store
	// Poster posts the events. Required: a *fetch.Fetcher, so that the
	// guard refuses private, loopback and metadata addresses unless the
	// operator allows them (--fetch-allow).
	Poster Poster
	// Key derives the rooms' secrets ([Secret]); at least 16 bytes.
	// Required.
	Key []byte
	// MaxAttempts is how many posts an event gets before it is given up.
	// Default [DefaultMaxAttempts]; the queue's backoff spaces them
	// (jobs.Config.RetryBase, RetryMax).
	MaxAttempts int
	// PollInterval is how often the relay looks for new events. Default
	// [DefaultPollInterval].
	PollInterval time.Duration
	// WaitInterval is how long an event waits, per earlier pending event
	// of its room (at most 30 s), before it looks again. Default
	// [DefaultWaitInterval].
	WaitInterval time.Duration
	// Retention is how long delivered and failed events stay in the outbox
	// (for GET /v1/rooms/{id}/webhook). Default [DefaultRetention].
	Retention time.Duration
	// RequeueAfter is how long an event may stay pending after it was
	// handed to the job queue before the relay hands it over again (its
	// job may have been lost with a deleted job database; a job that still
	// exists is not doubled). It is longer than an event's retries take.
	// Default [DefaultRequeueAfter].
	RequeueAfter time.Duration
	// Logger receives delivery failures. Default slog.Default().
	Logger *slog.Logger
	// NowFunc is the clock of the signatures. Default time.Now.
	NowFunc func() time.Time
}

// Service relays and delivers webhook events.
type Service struct {
	cfg Config

	mu      sync.Mutex
	kick    chan struct{}
	stop    context.CancelFunc
	stopped chan struct{}
}

// New validates cfg and returns the service. Register its worker with the
// job queue's workers before the queue opens, then [Service.Start] it.
func New(cfg Config) (*Service, error) {
	cfg.MaxAttempts = cmp.Or(cfg.MaxAttempts, DefaultMaxAttempts)
	cfg.PollInterval = cmp.Or(cfg.PollInterval, DefaultPollInterval)
	cfg.WaitInterval = cmp.Or(cfg.WaitInterval, DefaultWaitInterval)
	cfg.Retention = cmp.Or(cfg.Retention, DefaultRetention)
	cfg.RequeueAfter = cmp.Or(cfg.RequeueAfter, DefaultRequeueAfter)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	switch {
	case cfg.Store == nil:
		return nil, errors.New("webhook: Store is required")
	case cfg.Poster == nil:
		return nil, errors.New("webhook: Poster is required")
	case len(cfg.Key) < 16:
		return nil, errors.New("webhook: Key must have at least 16 bytes")
	case cfg.MaxAttempts < 1 || cfg.PollInterval < 0 || cfg.WaitInterval < 0 || cfg.Retention < 0:
		return nil, errors.New("webhook: MaxAttempts must be positive and the intervals not negative")
	}
	return &Service{cfg: cfg, kick: make(chan struct{}, 1)}, nil
}

// Secret returns the webhook secret of the room.
func (s *Service) Secret(roomID string) string { return Secret(s.cfg.Key, roomID) }

// Register adds the delivery worker to workers.
func (s *Service) Register(workers *river.Workers) error {
	if err := river.AddWorkerSafely(workers, &worker{s: s}); err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	return nil
}

// Start starts the relay, which hands the outbox's events to q. Stop it
// with [Service.Stop].
func (s *Service) Start(ctx context.Context, q Inserter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		return errors.New("webhook: already started")
	}
	ctx, s.stop = context.WithCancel(context.WithoutCancel(ctx))
	s.stopped = make(chan struct{})
	go s.relay(ctx, q)
	return nil
}

// Stop stops the relay; events it had not handed over stay in the outbox.
func (s *Service) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop == nil {
		return
	}
	s.stop()
	<-s.stopped
	s.stop = nil
}

// Kick makes the relay look at the outbox now rather than at its next
// poll.
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// relay hands the outbox's new events to q until ctx ends, hands over
// again those pending too long (see Config.RequeueAfter), and prunes old
// events now and then.
func (s *Service) relay(ctx context.Context, q Inserter) {
	defer close(s.stopped)
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	var nextPrune, nextRequeue time.Time
	for {
		if now := s.cfg.NowFunc(); now.After(nextRequeue) {
			nextRequeue = now.Add(s.cfg.RequeueAfter / 4)
			if n, err := s.cfg.Store.RequeueWebhooks(ctx, now.Add(-s.cfg.RequeueAfter)); err != nil && ctx.Err() == nil {
				s.cfg.Logger.Error("webhook: requeue", "err", err)
			} else if n > 0 {
				s.cfg.Logger.Info("webhook: handing events pending too long to the queue again", "events", n)
			}
		}
		n, err := s.RelayOnce(ctx, q)
		if err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("webhook: relay", "err", err)
		}
		if now := s.cfg.NowFunc(); now.After(nextPrune) {
			nextPrune = now.Add(time.Hour)
			if _, err := s.cfg.Store.PruneWebhooks(ctx, now.Add(-s.cfg.Retention)); err != nil && ctx.Err() == nil {
				s.cfg.Logger.Error("webhook: prune", "err", err)
			}
		}
		if n == relayBatch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// RelayOnce hands up to one batch of unrelayed events to q and returns how
// many. An event's job is unique by its id: handing an event over twice
// (a relay that died before marking it) makes no second job.
func (s *Service) RelayOnce(ctx context.Context, q Inserter) (int, error) {
	events, err := s.cfg.Store.UnrelayedWebhooks(ctx, relayBatch)
	if err != nil {
		return 0, err
	}
	ids := make([]string, 0, len(events))
	for _, e := range events {
		if _, err := q.Insert(ctx, deliverArgs{EventID: e.ID, RoomID: e.RoomID}, s.insertOpts()); err != nil {
			return 0, fmt.Errorf("webhook: enqueue %s: %w", e.ID, err)
		}
		ids = append(ids, e.ID)
	}
	if err := s.cfg.Store.MarkWebhooksRelayed(ctx, ids, s.cfg.NowFunc()); err != nil {
		return 0, err
	}
	return len(events), nil
}

func (s *Service) insertOpts() *river.InsertOpts {
	return &river.InsertOpts{MaxAttempts: s.cfg.MaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// deliverArgs is the job of one event.
type deliverArgs struct {
	// EventID names the event; jobs are unique by it.
	EventID string `json:"event_id" river:"unique"`
	// RoomID is for people reading the queue.
	RoomID string `json:"room_id"`
}

// Kind implements river.JobArgs.
func (deliverArgs) Kind() string { return "webhook_deliver" }

// worker posts one event.
type worker struct {
	river.WorkerDefaults[deliverArgs]
	s *Service
}

// Work posts the job's event once every earlier event of its room is
// done, and records the outcome.
func (w *worker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	return w.s.deliver(ctx, job.Args.EventID, job.Attempt >= job.MaxAttempts)
}

// deliver makes one attempt at event id; last says the job has no attempt
// left after this one.
func (s *Service) deliver(ctx context.Context, id string, last bool) error {
	st := s.cfg.Store
	e, err := st.WebhookEvent(ctx, id)
	if errors.Is(err, room.ErrWebhookNotFound) {
		return river.JobCancel(err) // pruned: nothing to send
	} else if err != nil {
		return err
	}
	if e.State != room.WebhookPending {
		return nil // done by an earlier run of this job
	}
	waits, err := st.WebhookWaits(ctx, e)
	if err != nil {
		return err
	}
	if waits > 0 {
		// Snoozes use no attempt. Waiting in proportion to the events
		// ahead wakes a long queue's jobs about once each rather than
		// all of them every interval.
		return river.JobSnooze(min(time.Duration(waits)*s.cfg.WaitInterval, maxWait))
	}
	now := s.cfg.NowFunc()
	header := http.Header{}
	header.Set(SignatureHeader, Sign(s.Secret(e.RoomID), now, e.Body))
	header.Set(IDHeader, e.ID)
	header.Set(EventHeader, e.Name)
	header.Set("Content-Type", "application/json")
	_, perr := s.cfg.Poster.Post(ctx, e.URL, header, e.Body)
	if perr == nil {
		err := st.FinishWebhookAttempt(ctx, &room.WebhookAttempt{ID: e.ID, State: room.WebhookDelivered, At: s.cfg.NowFunc()})
		if errors.Is(err, room.ErrWebhookNotFound) {
			return nil
		}
		return err
	}
	if ctx.Err() != nil {
		// Shutting down: run again at the next start, without using an
		// attempt (the receiver drops a repeat by its Webhook-Id).
		return river.JobSnooze(0)
	}
	// A URL the guard refuses stays refused: give up at once.
	permanent := errors.Is(perr, fetch.ErrBlocked) || errors.Is(perr, fetch.ErrURL)
	state := room.WebhookPending
	if permanent || last {
		state = room.WebhookFailed
	}
	msg := perr.Error()
	if fe, ok := errors.AsType[*fetch.Error](perr); ok {
		msg = fe.Message
	}
	s.cfg.Logger.Warn("webhook: delivery failed", "event", e.ID, "room", e.RoomID, "type", e.Type, "final", state == room.WebhookFailed, "err", msg)
	if err := st.FinishWebhookAttempt(ctx, &room.WebhookAttempt{ID: e.ID, State: state, Error: msg, At: s.cfg.NowFunc()}); err != nil && !errors.Is(err, room.ErrWebhookNotFound) {
		return errors.Join(perr, err)
	}
	if permanent {
		return river.JobCancel(perr)
	}
	return perr
}
