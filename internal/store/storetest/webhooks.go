package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/internal/room"
)

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// exerciseWebhooks is the part of the suite for [room.Outbox]: the events
// the room changes write in their own transactions.
func exerciseWebhooks(s suite) {
	ctx := context.Background()
	mkRoom := func(t *testing.T, b *testBundle, name string, vendor room.Vendor, hook room.Webhook) *room.Room {
		t.Helper()
		r, _, err := b.st.CreateRoom(ctx, &room.CreateRoomParams{Room: room.Room{AccountID: b.devID, Name: name, Enabled: true, Vendor: vendor, Webhook: hook}, Now: b.clock.Now()})
		must(t, "CreateRoom "+name, err)
		return r
	}
	// events returns the room's events oldest first.
	events := func(t *testing.T, b *testBundle, roomID string) []*room.WebhookEvent {
		t.Helper()
		list, err := b.st.WebhookEvents(ctx, roomID, 100)
		must(t, "WebhookEvents", err)
		slices.Reverse(list)
		return list
	}
	names := func(list []*room.WebhookEvent) []string {
		out := make([]string, len(list))
		for i, e := range list {
			out[i] = e.Name
		}
		return out
	}
	body := func(t *testing.T, e *room.WebhookEvent) map[string]any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal(e.Body, &m); err != nil {
			t.Fatalf("event %s body %q: %v", e.Name, e.Body, err)
		}
		return m
	}
	hook := room.Webhook{URL: "https://hooks.example.com/in"}

	s.run("WebhookEventsInTheTransaction", func(t *testing.T, b *testBundle) {
		r := mkRoom(t, b, "w", room.VendorKeyward, hook)
		t0 := b.clock.Now()
		ss, err := b.st.StartSession(ctx, r.ID, t0)
		must(t, "StartSession", err)
		for i, id := range []string{"peer-a", "peer-b"} {
			must(t, "PeerJoined", b.st.PeerJoined(ctx, &room.PeerRecord{SessionID: ss.ID, PeerID: id, Identity: "u-" + id, Role: "guest", CredentialID: 9, JoinedAt: t0.Add(time.Duration(i) * time.Second)}))
		}
		must(t, "RecordTrack", b.st.RecordTrack(ctx, &room.TrackEvent{RoomID: r.ID, PeerID: "peer-a", Published: true, TrackID: "t1", Kind: "audio", Source: "audio", At: t0}))
		must(t, "RecordTrack(again)", b.st.RecordTrack(ctx, &room.TrackEvent{RoomID: r.ID, PeerID: "peer-a", Published: true, TrackID: "t1", Kind: "audio", Source: "audio", At: t0}))
		must(t, "PeerLeft", b.st.PeerLeft(ctx, ss.ID, "peer-a", "LEFT", t0.Add(time.Minute)))
		must(t, "RecordTrack(unpublished)", b.st.RecordTrack(ctx, &room.TrackEvent{RoomID: r.ID, PeerID: "peer-a", TrackID: "t1", Kind: "audio", Source: "audio", At: t0.Add(time.Minute)}))
		// An unpublished track that was never published says nothing.
		must(t, "RecordTrack(unknown)", b.st.RecordTrack(ctx, &room.TrackEvent{RoomID: r.ID, PeerID: "peer-b", TrackID: "t9", Kind: "video", Source: "video", At: t0}))
		must(t, "EndSession", b.st.EndSession(ctx, ss.ID, "ROOM_ENDED", t0.Add(2*time.Minute)))
		// The hub records leaves after the end: nothing more is said.
		must(t, "PeerLeft(after end)", b.st.PeerLeft(ctx, ss.ID, "peer-b", "ROOM_ENDED", t0.Add(2*time.Minute)))

		list := events(t, b, r.ID)
		want := []string{room.EventSessionStarted, room.EventPeerJoined, room.EventPeerJoined, room.EventTrackPublished,
			room.EventPeerLeft, room.EventTrackUnpublished, room.EventPeerLeft, room.EventSessionEnded}
		if got := names(list); !slices.Equal(got, want) {
			t.Fatalf("events = %v, want %v", got, want)
		}
		ids := map[string]bool{}
		for i, e := range list {
			if !hex32.MatchString(e.ID) || ids[e.ID] || e.State != room.WebhookPending || e.URL != hook.URL || e.AccountID != b.devID {
				t.Fatalf("event %d = %+v, want a new 32-hex id, pending, to %s", i, e, hook.URL)
			}
			ids[e.ID] = true
			if m := body(t, e); m["id"] != e.ID || m["type"] != e.Type {
				t.Fatalf("event %d body = %v, want its id and type", i, m)
			}
		}
		// The counts are those of the transaction that wrote each event.
		for i, want := range map[int]float64{1: 1, 2: 2, 4: 1, 6: 0} {
			if got := body(t, list[i])["peers"]; got != want {
				t.Fatalf("event %d (%s) peers = %v, want %v", i, list[i].Type, got, want)
			}
		}
		left := body(t, list[4])["peer"].(map[string]any)
		if left["id"] != "peer-a" || left["reason"] != "LEFT" || left["duration_seconds"] != float64(60) {
			t.Fatalf("peer.left peer = %v, want peer-a, LEFT, 60 s", left)
		}
		ended := body(t, list[7])["session"].(map[string]any)
		if ended["reason"] != "ROOM_ENDED" || ended["joins"] != float64(2) || ended["duration_seconds"] != float64(120) {
			t.Fatalf("session.ended session = %v, want ROOM_ENDED, 2 joins, 120 s", ended)
		}
	})

	s.run("WebhookNeverLeftWithoutJoined", func(t *testing.T, b *testBundle) {
		r := mkRoom(t, b, "late", room.VendorKeyward, room.Webhook{})
		t0 := b.clock.Now()
		ss, err := b.st.StartSession(ctx, r.ID, t0)
		must(t, "StartSession", err)
		must(t, "PeerJoined", b.st.PeerJoined(ctx, &room.PeerRecord{SessionID: ss.ID, PeerID: "early", Identity: "e", Role: "guest", JoinedAt: t0}))
		// The webhook arrives mid-session: the early peer's leave and the
		// session's end are not said, since their starts were not.
		_, err = b.st.UpdateRoom(ctx, &room.UpdateRoomParams{AccountID: b.devID, Ref: r.ID, Webhook: &hook, Now: t0})
		must(t, "UpdateRoom(webhook)", err)
		must(t, "PeerJoined(late)", b.st.PeerJoined(ctx, &room.PeerRecord{SessionID: ss.ID, PeerID: "late", Identity: "l", Role: "guest", JoinedAt: t0}))
		must(t, "PeerLeft(early)", b.st.PeerLeft(ctx, ss.ID, "early", "LEFT", t0))
		must(t, "EndSession", b.st.EndSession(ctx, ss.ID, "empty", t0))
		got := names(events(t, b, r.ID))
		if want := []string{room.EventPeerJoined, room.EventPeerLeft}; !slices.Equal(got, want) {
			t.Fatalf("events = %v, want %v (the late peer only)", got, want)
		}
		// A filter keeps only the events asked for.
		f := mkRoom(t, b, "filtered", room.VendorKeyward, room.Webhook{URL: hook.URL, Events: []string{room.EventSessionEnded, room.EventSessionStarted}})
		ss, err = b.st.StartSession(ctx, f.ID, t0)
		must(t, "StartSession(filtered)", err)
		must(t, "PeerJoined(filtered)", b.st.PeerJoined(ctx, &room.PeerRecord{SessionID: ss.ID, PeerID: "p", Identity: "p", Role: "guest", JoinedAt: t0}))
		must(t, "EndSession(filtered)", b.st.EndSession(ctx, ss.ID, "empty", t0))
		if got, want := names(events(t, b, f.ID)), []string{room.EventSessionStarted, room.EventSessionEnded}; !slices.Equal(got, want) {
			t.Fatalf("filtered events = %v, want %v", got, want)
		}
	})

	s.run("WebhookVendorShapes", func(t *testing.T, b *testBundle) {
		for _, c := range []struct {
			vendor room.Vendor
			names  []string
			check  func(m map[string]any) error
		}{
			{room.Vendor100ms, []string{"session.open.success", "peer.join.success", "peer.leave.success", "session.close.success"}, func(m map[string]any) error {
				data, _ := m["data"].(map[string]any)
				if m["version"] != "2.0" || m["type"] == nil || data["room_id"] == nil || data["session_id"] == nil {
					return fmt.Errorf("not 100ms's shape")
				}
				return nil
			}},
			{room.VendorVideoSDK, []string{"session-started", "participant-joined", "participant-left", "session-ended"}, func(m map[string]any) error {
				data, _ := m["data"].(map[string]any)
				if m["webhookType"] == nil || data["meetingId"] == nil || data["sessionId"] == nil {
					return fmt.Errorf("not VideoSDK's shape")
				}
				return nil
			}},
		} {
			r := mkRoom(t, b, string(c.vendor), c.vendor, hook)
			t0 := b.clock.Now()
			ss, err := b.st.StartSession(ctx, r.ID, t0)
			must(t, "StartSession", err)
			must(t, "PeerJoined", b.st.PeerJoined(ctx, &room.PeerRecord{SessionID: ss.ID, PeerID: "p", Identity: "alice", Role: "host", JoinedAt: t0}))
			must(t, "EndSession", b.st.EndSession(ctx, ss.ID, "empty", t0.Add(time.Minute)))
			list := events(t, b, r.ID)
			if got := names(list); !slices.Equal(got, c.names) {
				t.Fatalf("%s events = %v, want %v", c.vendor, got, c.names)
			}
			for _, e := range list {
				m := body(t, e)
				if err := c.check(m); err != nil || m["id"] != e.ID {
					t.Fatalf("%s %s body %s: %v (or id missing)", c.vendor, e.Name, e.Body, err)
				}
			}
		}
	})

	s.run("WebhookRelayAndDelivery", func(t *testing.T, b *testBundle) {
		r := mkRoom(t, b, "d", room.VendorKeyward, hook)
		t0 := b.clock.Now()
		ss, err := b.st.StartSession(ctx, r.ID, t0)
		must(t, "StartSession", err)
		must(t, "PeerJoined", b.st.PeerJoined(ctx, &room.PeerRecord{SessionID: ss.ID, PeerID: "p", Identity: "p", Role: "guest", JoinedAt: t0}))
		todo, err := b.st.UnrelayedWebhooks(ctx, 10)
		must(t, "UnrelayedWebhooks", err)
		if len(todo) != 2 || todo[0].Seq >= todo[1].Seq {
			t.Fatalf("UnrelayedWebhooks = %d events, want 2 in order", len(todo))
		}
		must(t, "MarkWebhooksRelayed", b.st.MarkWebhooksRelayed(ctx, []string{todo[0].ID, todo[1].ID}, t0))
		if again, err := b.st.UnrelayedWebhooks(ctx, 10); err != nil || len(again) != 0 {
			t.Fatalf("UnrelayedWebhooks after marking = %d, %v; want none", len(again), err)
		}
		first, second := todo[0], todo[1]
		if waits, err := b.st.WebhookWaits(ctx, second); err != nil || waits != 1 {
			t.Fatalf("WebhookWaits(second) = %v, %v; want 1 while the first is pending", waits, err)
		}
		if waits, err := b.st.WebhookWaits(ctx, first); err != nil || waits != 0 {
			t.Fatalf("WebhookWaits(first) = %v, %v; want 0", waits, err)
		}
		must(t, "FinishWebhookAttempt(retry)", b.st.FinishWebhookAttempt(ctx, &room.WebhookAttempt{ID: first.ID, State: room.WebhookPending, Error: "503", At: t0}))
		must(t, "FinishWebhookAttempt(delivered)", b.st.FinishWebhookAttempt(ctx, &room.WebhookAttempt{ID: first.ID, State: room.WebhookDelivered, At: t0}))
		got, err := b.st.WebhookEvent(ctx, first.ID)
		must(t, "WebhookEvent", err)
		if got.State != room.WebhookDelivered || got.Attempts != 2 || got.FinishedAt.IsZero() || string(got.Body) != string(first.Body) {
			t.Fatalf("delivered event = %+v, want delivered after 2 attempts with its body", got)
		}
		// A finished event is never finished twice.
		err = b.st.FinishWebhookAttempt(ctx, &room.WebhookAttempt{ID: first.ID, State: room.WebhookDelivered, At: t0})
		wantRoomCode(t, "FinishWebhookAttempt(twice)", err, errcode.NotFound)
		if waits, err := b.st.WebhookWaits(ctx, second); err != nil || waits != 0 {
			t.Fatalf("WebhookWaits(second) = %v, %v; want 0 once the first is delivered", waits, err)
		}
		_, err = b.st.WebhookEvent(ctx, "0123456789abcdef0123456789abcdef")
		wantRoomCode(t, "WebhookEvent(unknown)", err, errcode.NotFound)
		err = b.st.FinishWebhookAttempt(ctx, &room.WebhookAttempt{ID: second.ID, State: "lost", At: t0})
		wantRoomCode(t, "FinishWebhookAttempt(bad state)", err, room.CodeInvalid)
		// Requeue: the pending event handed over before the cutoff goes
		// back to the relay; the delivered one never does.
		if k, err := b.st.RequeueWebhooks(ctx, t0); err != nil || k != 0 {
			t.Fatalf("RequeueWebhooks(relayed at the cutoff) = %d, %v; want 0", k, err)
		}
		if k, err := b.st.RequeueWebhooks(ctx, t0.Add(time.Second)); err != nil || k != 1 {
			t.Fatalf("RequeueWebhooks = %d, %v; want the pending one", k, err)
		}
		if again, err := b.st.UnrelayedWebhooks(ctx, 10); err != nil || len(again) != 1 || again[0].ID != second.ID {
			t.Fatalf("UnrelayedWebhooks after requeue = %d, %v; want the pending one", len(again), err)
		}
		n, err := b.st.PruneWebhooks(ctx, t0.Add(time.Second))
		if err != nil || n != 1 {
			t.Fatalf("PruneWebhooks = %d, %v; want the delivered one", n, err)
		}
	})

	s.run("WebhookOrderUnderConcurrentJoins", func(t *testing.T, b *testBundle) {
		r := mkRoom(t, b, "busy", room.VendorKeyward, hook)
		ss, err := b.st.StartSession(ctx, r.ID, b.clock.Now())
		must(t, "StartSession", err)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				id := fmt.Sprintf("p%d", i)
				if errs[i] = b.st.PeerJoined(ctx, &room.PeerRecord{SessionID: ss.ID, PeerID: id, Identity: id, Role: "guest", JoinedAt: b.clock.Now()}); errs[i] == nil {
					errs[i] = b.st.PeerLeft(ctx, ss.ID, id, "LEFT", b.clock.Now())
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			must(t, "PeerJoined/PeerLeft(concurrent)", err)
		}
		// Each peer's joined comes before its left, and the counts written
		// in each transaction step by one in seq order.
		joined := map[string]bool{}
		count := 0
		for _, e := range events(t, b, r.ID)[1:] {
			m := body(t, e)
			id := m["peer"].(map[string]any)["id"].(string)
			switch e.Type {
			case room.EventPeerJoined:
				joined[id] = true
				count++
			case room.EventPeerLeft:
				if !joined[id] {
					t.Fatalf("peer.left of %s before its peer.joined", id)
				}
				count--
			}
			if m["peers"] != float64(count) {
				t.Fatalf("event %d (%s %s) peers = %v, want %d", e.Seq, e.Type, id, m["peers"], count)
			}
		}
		if len(joined) != 8 || count != 0 {
			t.Fatalf("%d peers joined, %d left present; want 8 and 0", len(joined), count)
		}
	})
}
