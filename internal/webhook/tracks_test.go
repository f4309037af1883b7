package webhook

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/room"
	"github.com/keyward/keyward/internal/rooms/sfu"
)

// nextEvents records what Tracks passes on.
type nextEvents struct{ got []string }

func (n *nextEvents) TrackPublished(roomID, peer string, t sfu.TrackInfo) {
	n.got = append(n.got, "published "+peer+" "+t.ID)
}

func (n *nextEvents) TrackUnpublished(roomID, peer string, t sfu.TrackInfo) {
	n.got = append(n.got, "unpublished "+peer+" "+t.ID)
}

// TestTracks feeds the SFU's track events through Tracks: they land in the
// outbox with the publisher's stay, and go on to the media layer, which
// also hears of the tracks the outbox ignores.
func TestTracks(t *testing.T) {
	t.Parallel()
	b := setup(t, "sqlite", loopbackPoster(t))
	ctx := context.Background()
	r := b.room(t, "tracks", room.Vendor100ms, "https://hooks.example.com/in")
	ss, err := b.st.StartSession(ctx, r.ID, time.Now())
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	if err := b.st.PeerJoined(ctx, &room.PeerRecord{SessionID: ss.ID, PeerID: "pub", Identity: "alice", Role: "host", JoinedAt: time.Now()}); err != nil {
		t.Fatalf("PeerJoined: %v", err)
	}
	next := &nextEvents{}
	tr := &Tracks{Service: b.svc, Next: next}
	screen := sfu.TrackInfo{ID: "s1", Kind: "video", Source: "screen", Codec: "video/VP8"}
	tr.TrackPublished(r.ID, "pub", screen)
	tr.TrackPublished(r.ID, "stranger", sfu.TrackInfo{ID: "x", Kind: "audio", Source: "audio"})
	tr.TrackUnpublished(r.ID, "pub", screen)
	if want := []string{"published pub s1", "published stranger x", "unpublished pub s1"}; !slices.Equal(next.got, want) {
		t.Fatalf("the media layer heard %v, want %v", next.got, want)
	}
	list, err := b.st.WebhookEvents(ctx, r.ID, 10)
	if err != nil {
		t.Fatalf("WebhookEvents: %v", err)
	}
	slices.Reverse(list)
	var names []string
	for _, e := range list {
		names = append(names, e.Name)
	}
	if want := []string{"session.open.success", "peer.join.success", "track.add.success", "track.remove.success"}; !slices.Equal(names, want) {
		t.Fatalf("outbox = %v, want %v", names, want)
	}
	var add struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(list[2].Body, &add); err != nil {
		t.Fatalf("track.add.success body %s: %v", list[2].Body, err)
	}
	if d := add.Data; d["track_id"] != "s1" || d["type"] != "video" || d["source"] != "screen" || d["user_id"] != "alice" || d["peer_id"] != "pub" {
		t.Fatalf("track.add.success data = %v, want track s1, video, screen, of alice's peer", d)
	}
}
