package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/fetch"
	"github.com/keyward/keyward/internal/fetch/fetchtest"
	"github.com/keyward/keyward/internal/jobs"
	"github.com/keyward/keyward/internal/room"
	"github.com/keyward/keyward/internal/store"
	"github.com/keyward/keyward/internal/store/pgstore"
	"github.com/keyward/keyward/internal/store/sqlitestore"
	"github.com/keyward/keyward/internal/store/storetest"
	"github.com/keyward/keyward/internal/testenv"
)

// receiver is a webhook receiver on loopback that verifies every post,
// refuses the first post of every event id with 503 when failFirst is
// set, and keeps the events it accepted in arrival order.
type receiver struct {
	t         *testing.T
	secrets   func(roomID string) string
	failFirst bool

	mu       sync.Mutex
	posts    map[string]int // event id → posts seen
	accepted []map[string]any
	bad      []string
	changed  chan struct{}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	defer func() {
		select {
		case rc.changed <- struct{}{}:
		default:
		}
	}()
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		rc.bad = append(rc.bad, fmt.Sprintf("body %q: %v", body, err))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	id, _ := ev["id"].(string)
	roomID := roomOf(ev)
	if err := Verify(rc.secrets(roomID), r.Header.Get(SignatureHeader), body, time.Now(), 0); err != nil {
		rc.bad = append(rc.bad, fmt.Sprintf("event %s: %v", id, err))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.Header.Get(IDHeader) != id || id == "" {
		rc.bad = append(rc.bad, fmt.Sprintf("Webhook-Id %q, body id %q", r.Header.Get(IDHeader), id))
	}
	rc.posts[id]++
	if rc.failFirst && rc.posts[id] == 1 {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	// A receiver that drops repeats: a second accepted copy is a defect
	// of the sender, recorded as such.
	for _, a := range rc.accepted {
		if a["id"] == id {
			rc.bad = append(rc.bad, "event "+id+" accepted twice")
		}
	}
	rc.accepted = append(rc.accepted, ev)
	w.WriteHeader(http.StatusNoContent)
}

// roomOf finds the room id in any of the three body shapes.
func roomOf(ev map[string]any) string {
	if r, ok := ev["room"].(map[string]any); ok {
		return fmt.Sprint(r["id"])
	}
	data, _ := ev["data"].(map[string]any)
	if id, ok := data["room_id"]; ok {
		return fmt.Sprint(id)
	}
	return fmt.Sprint(data["meetingId"])
}

// waitAccepted waits until n events were accepted.
func (rc *receiver) waitAccepted(t *testing.T, n int) []map[string]any {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		rc.mu.Lock()
		got := slices.Clone(rc.accepted)
		rc.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-rc.changed:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("the receiver accepted %d events, want %d", len(got), n)
		}
	}
}

type testBundle struct {
	st      *store.Store
	svc     *Service
	queue   *jobs.Queue
	account int64
}

// setup opens a store and a job queue on dialect ("sqlite" or
// "postgres") and starts a service that posts through poster.
func setup(t testing.TB, dialect string, poster Poster, opts ...func(*Config)) *testBundle {
	t.Helper()
	ctx := context.Background()
	var d store.Driver
	jc := jobs.Config{
		RetryBase: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond, PollInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	switch dialect {
	case "sqlite":
		dir := t.TempDir()
		db, err := sqlitestore.Open(ctx, &sqlitestore.Config{Path: filepath.Join(dir, "keyward.db")})
		if err != nil {
			t.Fatalf("sqlitestore.Open: %v", err)
		}
		d, jc.SQLitePath = db, filepath.Join(dir, "jobs.db")
	case "postgres":
		url := testenv.Postgres(t)
		db, err := pgstore.Open(ctx, &pgstore.Config{URL: url})
		if err != nil {
			t.Fatalf("pgstore.Open: %v", err)
		}
		d, jc.PostgresURL = db, url
	}
	st := storetest.MustNew(t, d, nil, nil)
	acct, err := st.CreateAccount(credential.NewContextWithActor(ctx, credential.SystemActor()),
		&credential.CreateAccountParams{Email: "dev@example.com", Name: "dev", Role: credential.RoleDeveloper})
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	svc, err := New(with(Config{Store: st, Poster: poster, Key: []byte("0123456789abcdef0123456789abcdef"), MaxAttempts: 5,
		PollInterval: 50 * time.Millisecond, WaitInterval: 50 * time.Millisecond, Logger: jc.Logger}, opts...))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	workers := river.NewWorkers()
	if err := svc.Register(workers); err != nil {
		t.Fatalf("Register: %v", err)
	}
	jc.Workers = workers
	q, err := jobs.Open(ctx, jc)
	if err != nil {
		t.Fatalf("jobs.Open: %v", err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatalf("queue Start: %v", err)
	}
	if err := svc.Start(ctx, q); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		svc.Stop()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.StopAndCancel(sctx)
		q.Close()
	})
	return &testBundle{st: st, svc: svc, queue: q, account: acct.ID}
}

// loopbackPoster is the guard, allowed to reach 127.0.0.1 only, as an
// operator would allow it with --fetch-allow 127.0.0.1/32.
func loopbackPoster(t testing.TB) *fetch.Fetcher {
	t.Helper()
	f, err := fetch.New(fetch.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("fetch.New: %v", err)
	}
	return f
}

// session runs a session of two peers in r and returns the events the
// store wrote, oldest first.
func (b *testBundle) session(t *testing.T, r *room.Room) []*room.WebhookEvent {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	ss, err := b.st.StartSession(ctx, r.ID, now)
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	for _, p := range []string{"alice", "bob"} {
		if err := b.st.PeerJoined(ctx, &room.PeerRecord{SessionID: ss.ID, PeerID: "peer-" + p, Identity: p, Role: "guest", JoinedAt: now}); err != nil {
			t.Fatalf("PeerJoined: %v", err)
		}
	}
	if err := b.st.RecordTrack(ctx, &room.TrackEvent{RoomID: r.ID, PeerID: "peer-alice", Published: true, TrackID: "a1", Kind: "audio", Source: "audio", At: now}); err != nil {
		t.Fatalf("RecordTrack: %v", err)
	}
	if err := b.st.PeerLeft(ctx, ss.ID, "peer-alice", "LEFT", now); err != nil {
		t.Fatalf("PeerLeft: %v", err)
	}
	if err := b.st.EndSession(ctx, ss.ID, "ROOM_ENDED", now); err != nil {
		t.Fatalf("EndSession: %v", err)
	}
	b.svc.Kick()
	list, err := b.st.WebhookEvents(ctx, r.ID, 100)
	if err != nil {
		t.Fatalf("WebhookEvents: %v", err)
	}
	slices.Reverse(list)
	return list
}

func (b *testBundle) room(t testing.TB, name string, vendor room.Vendor, url string) *room.Room {
	t.Helper()
	r, _, err := b.st.CreateRoom(context.Background(), &room.CreateRoomParams{
		Room: room.Room{AccountID: b.account, Name: name, Enabled: true, Vendor: vendor, Webhook: room.Webhook{URL: url}}, Now: time.Now()})
	if err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	return r
}

// TestDelivery delivers the events of sessions in three rooms (one per
// body shape) to a receiver that refuses the first post of every event:
// each event is accepted exactly once, signed, in its room's order.
func TestDelivery(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			rc := &receiver{t: t, failFirst: true, posts: map[string]int{}, changed: make(chan struct{}, 1)}
			srv := httptest.NewServer(rc)
			t.Cleanup(srv.Close)
			b := setup(t, dialect, loopbackPoster(t))
			rc.secrets = b.svc.Secret
			var want [][]*room.WebhookEvent
			total := 0
			for _, v := range []room.Vendor{room.VendorKeyward, room.Vendor100ms, room.VendorVideoSDK} {
				r := b.room(t, string(v), v, srv.URL+"/hooks/"+string(v))
				events := b.session(t, r)
				want = append(want, events)
				total += len(events)
			}
			got := rc.waitAccepted(t, total)
			rc.mu.Lock()
			defer rc.mu.Unlock()
			if len(rc.bad) > 0 {
				t.Fatalf("the receiver saw: %s", strings.Join(rc.bad, "; "))
			}
			for _, events := range want {
				// The room's events, in the order they arrived.
				var ids []string
				for _, ev := range got {
					if roomOf(ev) == events[0].RoomID {
						ids = append(ids, ev["id"].(string))
					}
				}
				var wantIDs []string
				for _, e := range events {
					wantIDs = append(wantIDs, e.ID)
					if n := rc.posts[e.ID]; n != 2 {
						t.Fatalf("event %s (%s) was posted %d times, want 2 (a refused one and an accepted one)", e.ID, e.Name, n)
					}
				}
				if !slices.Equal(ids, wantIDs) {
					t.Fatalf("room %s: events arrived as %v, want %v (the outbox's order)", events[0].RoomID, ids, wantIDs)
				}
			}
			// The outbox says delivered, after two attempts each (the last
			// answer may still be on its way into the outbox).
			for _, events := range want {
				for _, e := range events {
					got := b.waitFinished(t, e.ID)
					if got.State != room.WebhookDelivered || got.Attempts != 2 {
						t.Fatalf("event %s (%s) is %s after %d attempts, want delivered after 2", e.ID, e.Name, got.State, got.Attempts)
					}
				}
			}
		})
	}
}

// waitFinished waits until event id is no longer pending.
func (b *testBundle) waitFinished(t *testing.T, id string) *room.WebhookEvent {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		e, err := b.st.WebhookEvent(context.Background(), id)
		if err != nil {
			t.Fatalf("WebhookEvent(%s): %v", id, err)
		}
		if e.State != room.WebhookPending {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("event %s (%s) still pending after 60 s: %s", id, e.Name, e.LastError)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func with(c Config, opts ...func(*Config)) Config {
	for _, o := range opts {
		o(&c)
	}
	return c
}

// lostJobs is a job queue that loses every job it is given.
type lostJobs struct{}

func (lostJobs) Insert(context.Context, river.JobArgs, *river.InsertOpts) (int64, error) {
	return 1, nil
}

// TestLostJobsRequeued: the events were handed to the queue, which then
// lost their jobs (a deleted jobs.db). They are handed over again once
// they have been pending for RequeueAfter, and delivered, each once.
func TestLostJobsRequeued(t *testing.T) {
	t.Parallel()
	rc := &receiver{t: t, posts: map[string]int{}, changed: make(chan struct{}, 1)}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	const after = 300 * time.Millisecond
	b := setup(t, "sqlite", loopbackPoster(t), func(c *Config) { c.RequeueAfter = after })
	rc.secrets = b.svc.Secret
	b.svc.Stop()
	events := b.session(t, b.room(t, "lost", room.VendorKeyward, srv.URL+"/hooks"))
	if n, err := b.svc.RelayOnce(context.Background(), lostJobs{}); err != nil || n != len(events) {
		t.Fatalf("RelayOnce into a queue that loses its jobs = %d, %v; want %d", n, err, len(events))
	}
	time.Sleep(after)
	if err := b.svc.Start(context.Background(), b.queue); err != nil {
		t.Fatalf("Start: %v", err)
	}
	rc.waitAccepted(t, len(events))
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, e := range events {
		if n := rc.posts[e.ID]; n != 1 {
			t.Errorf("event %s (%s) was posted %d times, want once", e.ID, e.Name, n)
		}
	}
}

// TestRelayIsIdempotent hands the same event to the queue twice: one job.
func TestRelayIsIdempotent(t *testing.T) {
	t.Parallel()
	b := setup(t, "sqlite", loopbackPoster(t))
	ctx := context.Background()
	args := deliverArgs{EventID: room.NewEventID(), RoomID: room.NewID()}
	for range 3 {
		if _, err := b.queue.Insert(ctx, args, b.svc.insertOpts()); err != nil {
			t.Fatalf("Insert: %v", err)
		}
	}
	n, err := b.queue.QueryInt64s(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = $1`, deliverArgs{}.Kind())
	if err != nil || len(n) != 1 || n[0] != 1 {
		t.Fatalf("jobs of one event inserted three times = %v, %v; want 1", n, err)
	}
}

// TestGuardRefuses points webhooks at the metadata service and a private
// network: the events fail at once, and nothing is ever dialled.
func TestGuardRefuses(t *testing.T) {
	t.Parallel()
	// Names resolve from a table; the dialer records every attempt and
	// never connects.
	gn := &fetchtest.Net{Hosts: map[string][]netip.Addr{
		"metadata.hooks.test": {netip.MustParseAddr("169.254.169.254")},
		"private.hooks.test":  {netip.MustParseAddr("10.20.30.40")},
	}}
	f, err := fetch.New(fetch.Config{Resolver: gn, DialContext: gn.DialContext, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("fetch.New: %v", err)
	}
	b := setup(t, "sqlite", f)
	ctx := context.Background()
	for _, url := range []string{"http://metadata.hooks.test/latest/meta-data/", "http://private.hooks.test:8080/in",
		"http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:9/in", "http://[::ffff:10.0.0.1]/in"} {
		r := b.room(t, url, room.VendorKeyward, url)
		if _, err := b.st.StartSession(ctx, r.ID, time.Now()); err != nil {
			t.Fatalf("StartSession: %v", err)
		}
		b.svc.Kick()
		list, err := b.st.WebhookEvents(ctx, r.ID, 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("WebhookEvents(%s) = %d, %v; want session.started", url, len(list), err)
		}
		e := b.waitFinished(t, list[0].ID)
		if e.State != room.WebhookFailed || e.Attempts != 1 || !strings.Contains(e.LastError, "private, loopback, link-local") {
			t.Fatalf("%s: event is %s after %d attempts (%s), want given up after 1 attempt by the guard", url, e.State, e.Attempts, e.LastError)
		}
	}
	if dialed := gn.Dialed(); len(dialed) != 0 {
		t.Fatalf("the guard dialled %v, want nothing", dialed)
	}
}
