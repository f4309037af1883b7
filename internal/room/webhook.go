package room

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/keyward/keyward/internal/errcode"
)

// The states of an outbox event.
const (
	// WebhookPending events wait for delivery (or for an earlier event of
	// their room).
	WebhookPending = "pending"
	// WebhookDelivered events were answered 2xx by the receiver.
	WebhookDelivered = "delivered"
	// WebhookFailed events ran out of attempts; the room's later events go
	// on without them.
	WebhookFailed = "failed"
)

// WebhookEvent is one event in the outbox: written in the transaction of
// the change it reports, relayed to the job queue, then delivered.
type WebhookEvent struct {
	// Seq orders the events of a room (and of the outbox).
	Seq int64 `json:"seq"`
	// ID is the event's unique id (32 hex), sent as the Webhook-Id header
	// and in the body, so that receivers can drop a repeat.
	ID string `json:"id"`
	// RoomID and AccountID say whose event it is.
	RoomID    string `json:"room_id"`
	AccountID int64  `json:"account_id"`
	// Type is keyward's event name (one of [AllEvents]).
	Type string `json:"type"`
	// Name is the name on the wire: the vendor's for vendor rooms
	// ([EventName]).
	Name string `json:"name"`
	// URL is where the event goes: the room's webhook URL when the event
	// was written.
	URL string `json:"url"`
	// Body is the JSON body posted, byte for byte what is signed.
	Body []byte `json:"-"`
	// CreatedAt is when the change happened.
	CreatedAt time.Time `json:"created_at"`
	// State is [WebhookPending], [WebhookDelivered] or [WebhookFailed].
	State string `json:"state"`
	// Attempts counts the posts made.
	Attempts int `json:"attempts"`
	// FinishedAt is when the event was delivered or given up (zero while
	// pending).
	FinishedAt time.Time `json:"finished_at,omitzero"`
	// LastError is why the last failed attempt failed.
	LastError string `json:"last_error,omitempty"`
}

// Outbox is the store side of webhooks: the events the room changes
// wrote, for the relay and the delivery jobs (package webhook). The
// events themselves are written by the [Store] methods that make the
// changes (StartSession, EndSession, PeerJoined, PeerLeft) and by
// RecordTrack, each in its own transaction.
//
// API is not stable. DO NOT IMPLEMENT outside keyward.
type Outbox interface {
	// RecordTrack writes a track.published or track.unpublished event for
	// the peer's stay in the room's live session. It writes nothing when
	// the room has no webhook, no live session or no such peer, and never
	// an unpublished event whose published event was not written.
	RecordTrack(ctx context.Context, p *TrackEvent) error
	// UnrelayedWebhooks returns up to limit events not yet handed to the
	// job queue, oldest first.
	UnrelayedWebhooks(ctx context.Context, limit int) ([]*WebhookEvent, error)
	// MarkWebhooksRelayed records that the events' jobs exist.
	MarkWebhooksRelayed(ctx context.Context, ids []string, at time.Time) error
	// RequeueWebhooks marks the events still pending that were handed to
	// the job queue before relayedBefore as not handed over, so that the
	// relay hands them over again: an event whose job was lost (a deleted
	// or restored job database) is delivered after all. Jobs are unique by
	// event id, so an event whose job still exists gets no second one. It
	// returns how many events it marked.
	RequeueWebhooks(ctx context.Context, relayedBefore time.Time) (int64, error)
	// WebhookEvent returns the event of id, or [ErrWebhookNotFound].
	WebhookEvent(ctx context.Context, id string) (*WebhookEvent, error)
	// WebhookWaits returns how many earlier events of e's room are still
	// pending: e waits until none is, so that a room's events arrive in
	// order.
	WebhookWaits(ctx context.Context, e *WebhookEvent) (int, error)
	// FinishWebhookAttempt records one attempt's outcome: state stays
	// pending after a failure that will be retried.
	FinishWebhookAttempt(ctx context.Context, p *WebhookAttempt) error
	// WebhookEvents returns the room's latest events, newest first.
	WebhookEvents(ctx context.Context, roomID string, limit int) ([]*WebhookEvent, error)
	// PruneWebhooks deletes delivered and failed events finished before
	// before, and returns how many it deleted.
	PruneWebhooks(ctx context.Context, before time.Time) (int64, error)
}

// ErrWebhookNotFound is returned for an event id the outbox does not hold.
var ErrWebhookNotFound = Errorf(errcode.NotFound, "no such webhook event")

// TrackEvent are the arguments of [Outbox.RecordTrack].
type TrackEvent struct {
	// RoomID and PeerID name the publisher.
	RoomID, PeerID string
	// Published is true for track.published, false for track.unpublished.
	Published bool
	// TrackID, Kind ("audio" or "video") and Source ("audio", "video" or
	// "screen") describe the track.
	TrackID, Kind, Source string
	// At is when it happened.
	At time.Time
}

// WebhookAttempt are the arguments of [Outbox.FinishWebhookAttempt].
type WebhookAttempt struct {
	// ID is the event's id.
	ID string
	// State is the event's state after the attempt.
	State string
	// Error is why the attempt failed ("" after a success).
	Error string
	// At is when the attempt ended.
	At time.Time
}

// NewEventID returns a new webhook event id: 32 random hex digits.
func NewEventID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// eventNames maps keyward's event names onto each vendor's.
var eventNames = map[Vendor]map[string]string{
	Vendor100ms: {
		EventSessionStarted: "session.open.success", EventSessionEnded: "session.close.success",
		EventPeerJoined: "peer.join.success", EventPeerLeft: "peer.leave.success",
		EventTrackPublished: "track.add.success", EventTrackUnpublished: "track.remove.success",
	},
	VendorVideoSDK: {
		EventSessionStarted: "session-started", EventSessionEnded: "session-ended",
		EventPeerJoined: "participant-joined", EventPeerLeft: "participant-left",
		EventTrackPublished: "stream-enabled", EventTrackUnpublished: "stream-disabled",
	},
}

// EventName returns the wire name of event for a room made through
// vendor: keyward's own name for [VendorKeyward].
func EventName(vendor Vendor, event string) string {
	if n, ok := eventNames[vendor][event]; ok {
		return n
	}
	return event
}

// CanonicalEvent returns keyward's name of an event named in keyward's,
// 100ms's or VideoSDK's words, and whether the name is known.
func CanonicalEvent(name string) (string, bool) {
	for _, e := range AllEvents {
		if e == name {
			return e, true
		}
	}
	for _, names := range eventNames {
		for k, v := range names {
			if v == name {
				return k, true
			}
		}
	}
	return name, false
}

// canonicalize renames the webhook's events given in 100ms's or
// VideoSDK's words to keyward's; unknown names stay for Validate to name.
func (w *Webhook) canonicalize() {
	for i, e := range w.Events {
		w.Events[i], _ = CanonicalEvent(e)
	}
}

// EventFacts is what an event reports; the store fills it in the
// transaction of the change, counts included.
type EventFacts struct {
	// ID is the event's id ([NewEventID]).
	ID string
	// Type is keyward's event name.
	Type string
	// At is when the change happened.
	At time.Time
	// Room is the room, as the transaction read it.
	Room *Room
	// Session is the session the event belongs to.
	Session Session
	// Peer is the peer of peer.* and track.* events.
	Peer *PeerRecord
	// Track is the track of track.* events.
	Track *TrackEvent
	// Present counts the peers in the session after the change.
	Present int
}

// Render returns the event's body in the shape of its room's vendor:
// 100ms's (version, id, account_id, timestamp, type, data), VideoSDK's
// (webhookType, data, plus id) or keyward's own (docs/webhooks.md).
func (f *EventFacts) Render() ([]byte, error) {
	var v any
	switch f.Room.Vendor {
	case Vendor100ms:
		v = f.hms()
	case VendorVideoSDK:
		v = f.videoSDK()
	default:
		v = f.keyward()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("render %s event: %w", f.Type, err)
	}
	return b, nil
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func seconds(from, to time.Time) int64 {
	if from.IsZero() || to.Before(from) {
		return 0
	}
	return int64(to.Sub(from) / time.Second)
}

// keyward is the body of a room made through /v1/rooms.
func (f *EventFacts) keyward() map[string]any {
	ss := map[string]any{"id": f.Session.ID, "started_at": stamp(f.Session.StartedAt)}
	if f.Type == EventSessionEnded {
		ss["ended_at"] = stamp(f.Session.EndedAt)
		ss["reason"] = f.Session.EndReason
		ss["joins"] = f.Session.Peers
		ss["duration_seconds"] = seconds(f.Session.StartedAt, f.Session.EndedAt)
	}
	body := map[string]any{
		"id": f.ID, "type": f.Type, "created_at": stamp(f.At),
		"room":    map[string]any{"id": f.Room.ID, "name": f.Room.Name},
		"session": ss,
		"peers":   f.Present,
	}
	if p := f.Peer; p != nil {
		peer := map[string]any{"id": p.PeerID, "user_id": p.Identity, "role": p.Role, "joined_at": stamp(p.JoinedAt)}
		if f.Type == EventPeerLeft {
			peer["left_at"] = stamp(p.LeftAt)
			peer["reason"] = p.Reason
			peer["duration_seconds"] = seconds(p.JoinedAt, p.LeftAt)
		}
		body["peer"] = peer
	}
	if t := f.Track; t != nil {
		body["track"] = map[string]any{"id": t.TrackID, "kind": t.Kind, "source": t.Source}
	}
	return body
}

// hms is the body of a room made with a 100ms management token.
func (f *EventFacts) hms() map[string]any {
	data := map[string]any{
		"room_id": f.Room.ID, "room_name": f.Room.Name, "session_id": f.Session.ID,
		"session_started_at": stamp(f.Session.StartedAt), "template_id": f.Room.Template.Name,
	}
	if f.Type == EventSessionEnded {
		data["session_stopped_at"] = stamp(f.Session.EndedAt)
		data["session_duration"] = seconds(f.Session.StartedAt, f.Session.EndedAt)
		data["reason"] = f.Session.EndReason
	}
	if p := f.Peer; p != nil {
		data["peer_id"], data["user_id"], data["role"], data["joined_at"] = p.PeerID, p.Identity, p.Role, stamp(p.JoinedAt)
		data["user_name"] = p.Identity
		if f.Type == EventPeerLeft {
			data["left_at"] = stamp(p.LeftAt)
			data["duration"] = seconds(p.JoinedAt, p.LeftAt)
			data["reason"] = p.Reason
		}
	}
	if t := f.Track; t != nil {
		source := "regular"
		if t.Source == "screen" {
			source = "screen"
		}
		data["track_id"], data["type"], data["source"] = t.TrackID, t.Kind, source
		if t.Published {
			data["started_at"] = stamp(t.At)
		} else {
			data["stopped_at"] = stamp(t.At)
		}
	}
	if f.Type == EventPeerJoined || f.Type == EventPeerLeft {
		data["peer_count"] = f.Present
	}
	return map[string]any{
		"version": "2.0", "id": f.ID, "account_id": strconv.FormatInt(f.Room.AccountID, 10),
		"timestamp": stamp(f.At), "type": EventName(Vendor100ms, f.Type), "data": data,
	}
}

// videoSDK is the body of a room made with a VideoSDK apikey token.
func (f *EventFacts) videoSDK() map[string]any {
	data := map[string]any{"meetingId": f.Room.ID, "sessionId": f.Session.ID, "start": stamp(f.Session.StartedAt)}
	if f.Room.CustomRoomID != "" {
		data["customRoomId"] = f.Room.CustomRoomID
	}
	if f.Type == EventSessionEnded {
		data["end"] = stamp(f.Session.EndedAt)
		data["reason"] = f.Session.EndReason
	}
	if p := f.Peer; p != nil {
		data["participantId"], data["participantName"], data["peerId"] = p.Identity, p.Identity, p.PeerID
		if f.Type == EventPeerLeft {
			data["reason"] = p.Reason
			data["leftAt"] = stamp(p.LeftAt)
		}
		data["joinedAt"] = stamp(p.JoinedAt)
	}
	if t := f.Track; t != nil {
		kind := t.Kind
		if t.Source == "screen" {
			kind = "share"
		}
		data["streamId"], data["kind"] = t.TrackID, kind
	}
	if f.Type == EventPeerJoined || f.Type == EventPeerLeft {
		data["participantCount"] = f.Present
	}
	return map[string]any{"id": f.ID, "webhookType": EventName(VendorVideoSDK, f.Type), "timestamp": stamp(f.At), "data": data}
}
