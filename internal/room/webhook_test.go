package room_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/room"
)

func TestEventNames(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		vendor    room.Vendor
		event     string
		wire      string
		canonical bool // the wire name maps back
	}{
		{room.VendorKeyward, room.EventPeerJoined, "peer.joined", true},
		{room.Vendor100ms, room.EventSessionStarted, "session.open.success", true},
		{room.Vendor100ms, room.EventTrackUnpublished, "track.remove.success", true},
		{room.VendorVideoSDK, room.EventPeerLeft, "participant-left", true},
		{room.VendorVideoSDK, room.EventTrackPublished, "stream-enabled", true},
		{room.VendorVideoSDK, "no.such", "no.such", false},
	} {
		if got := room.EventName(c.vendor, c.event); got != c.wire {
			t.Errorf("EventName(%s, %s) = %q, want %q", c.vendor, c.event, got, c.wire)
		}
		back, ok := room.CanonicalEvent(c.wire)
		if ok != c.canonical || (ok && back != c.event) {
			t.Errorf("CanonicalEvent(%q) = %q, %v; want %q, %v", c.wire, back, ok, c.event, c.canonical)
		}
	}
}

// TestWebhookVendorNames accepts a webhook's events in any vendor's words
// and keeps keyward's.
func TestWebhookVendorNames(t *testing.T) {
	t.Parallel()
	p := &room.CreateRoomParams{Room: room.Room{AccountID: 1, Name: "r", Webhook: room.Webhook{URL: "https://h.example/in",
		Events: []string{"peer.join.success", "participant-left", "session.started"}}}}
	if err := p.Normalize(); err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	if got, want := p.Room.Webhook.Events, []string{room.EventPeerJoined, room.EventPeerLeft, room.EventSessionStarted}; !slices.Equal(got, want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	bad := &room.CreateRoomParams{Room: room.Room{AccountID: 1, Name: "r", Webhook: room.Webhook{URL: "https://h.example/in", Events: []string{"peer.teleported"}}}}
	if err := bad.Normalize(); err == nil || !strings.Contains(err.Error(), "peer.teleported") {
		t.Fatalf("Normalize(unknown event) = %v, want an error naming it", err)
	}
	hook := room.Webhook{URL: "https://h.example/in", Events: []string{"track.add.success"}}
	r := p.Room
	if err := (&room.UpdateRoomParams{Webhook: &hook}).Apply(&r); err != nil || r.Webhook.Events[0] != room.EventTrackPublished || hook.Events[0] != "track.add.success" {
		t.Fatalf("Apply = %v, events %v (given %v); want track.published, the caller's slice untouched", err, r.Webhook.Events, hook.Events)
	}
}
