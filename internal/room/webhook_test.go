package room_test

import (
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
