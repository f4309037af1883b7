package client

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Room is a room that app and apikey tokens join (keyward's own
// /v1/rooms API; DESIGN §9).
type Room struct {
	// ID is the room's id, the room_id or roomId a join token names.
	ID string `json:"id"`
	// Name is unique among the account's rooms.
	Name string `json:"name"`
	// CustomRoomID is a second id of the caller's choosing, or "".
	CustomRoomID string `json:"custom_room_id"`
	// Description is free text.
	Description string `json:"description"`
	// Enabled rooms can be joined; a disabled room refuses every join.
	Enabled bool `json:"enabled"`
	// MaxPeers caps the peers in the room at once; 0 means no cap.
	MaxPeers int `json:"max_peers"`
	// Template is the room's template, its name and roles with their
	// capabilities, as the API gives it.
	Template json.RawMessage `json:"template,omitempty"`
	// Webhook is where the room's events go.
	Webhook RoomWebhook `json:"webhook"`
	// Vendor is the API shape the room was made through: "keyward",
	// "100ms" or "videosdk".
	Vendor string `json:"vendor"`
	// Peers is how many peers are in the room now; only
	// [Client.ListRooms] sets it.
	Peers int `json:"peers"`
	// CreatedAt and UpdatedAt are when the room was made and last changed.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// RoomWebhook is where a room's events are posted (signed, JSON).
type RoomWebhook struct {
	// URL receives the events; "" means none.
	URL string `json:"url,omitempty"`
	// Events names the events sent, e.g. "peer.joined"; empty means all.
	Events []string `json:"events,omitempty"`
}

// CreateRoomParams are the fields of a new room. Only Name is required.
type CreateRoomParams struct {
	Name         string          `json:"name"`
	Description  string          `json:"description,omitempty"`
	CustomRoomID string          `json:"custom_room_id,omitempty"`
	MaxPeers     int             `json:"max_peers,omitempty"`
	Template     json.RawMessage `json:"template,omitempty"`
	Webhook      *RoomWebhook    `json:"webhook,omitempty"`
}

// CreateRoom creates a room, or returns the account's room of that name
// with created false (POST /v1/rooms).
func (c *Client) CreateRoom(ctx context.Context, params CreateRoomParams) (room *Room, created bool, err error) {
	var out struct {
		Room    *Room `json:"room"`
		Created bool  `json:"created"`
	}
	if err := c.do(ctx, http.MethodPost, "/v1/rooms", nil, params, &out); err != nil {
		return nil, false, err
	}
	return out.Room, out.Created, nil
}

// ListRoomsOptions filters [Client.ListRooms].
type ListRoomsOptions struct {
	PageOptions
	// Name keeps only the room of this name; "" for all.
	Name string
	// Enabled, if not nil, keeps only enabled (or only disabled) rooms.
	Enabled *bool
}

// values is the query of opts; the rooms API calls the cursor "after".
func (o *ListRoomsOptions) values() url.Values {
	q := url.Values{}
	setInt(q, "limit", int64(o.Limit))
	setString(q, "after", o.Cursor)
	setString(q, "name", o.Name)
	if o.Enabled != nil {
		q.Set("enabled", strconv.FormatBool(*o.Enabled))
	}
	return q
}

// RoomPage is one page of rooms.
type RoomPage struct {
	// Rooms are the page's rooms, each with its live peer count.
	Rooms []*Room `json:"rooms"`
	// NextCursor is the cursor of the next page, or "" on the last.
	NextCursor string `json:"next"`
}

func (p *RoomPage) items() ([]*Room, string) { return p.Rooms, p.NextCursor }

// ListRooms returns one page of the account's rooms (GET /v1/rooms). opts
// may be nil.
func (c *Client) ListRooms(ctx context.Context, opts *ListRoomsOptions) (*RoomPage, error) {
	return listPage[RoomPage](ctx, c, "/v1/rooms", opts)
}

// AllRooms walks every page of [Client.ListRooms] from opts.Cursor.
func (c *Client) AllRooms(ctx context.Context, opts *ListRoomsOptions) iter.Seq2[*Room, error] {
	return walk(ctx, opts, c.ListRooms, (*RoomPage).items)
}

// RoomInfo is a room with its live session, if any, and its recent
// sessions.
type RoomInfo struct {
	Room *Room `json:"room"`
	// Live is the session in progress, or nil.
	Live *LiveSession `json:"live"`
	// Sessions are the most recent sessions, newest first.
	Sessions []*RoomSession `json:"sessions"`
}

// LiveSession is a room's session in progress: who is in it and who waits
// in the lobby.
type LiveSession struct {
	// SessionID is the session's id; "" when the room is empty.
	SessionID string `json:"session_id"`
	// StartedAt is the first join (only [Client.GetRoom] sets it).
	StartedAt time.Time `json:"started_at,omitzero"`
	// Peers are the peers in the room.
	Peers []*Peer `json:"peers"`
	// Waiting are the peers waiting in the lobby to be admitted.
	Waiting []*Peer `json:"waiting"`
}

// Peer is one connection in a room.
type Peer struct {
	// PeerID is this connection's id, what [Client.RemovePeer] takes.
	PeerID string `json:"peer_id"`
	// UserID is the identity the join token named (user_id or
	// participantId).
	UserID string `json:"user_id"`
	// Role is the peer's role in the room's template.
	Role string `json:"role"`
	// JoinedAt is when the peer joined, in Unix milliseconds.
	JoinedAt int64 `json:"joined_at"`
	// Muted maps a track kind ("audio", "video") to whether a moderator
	// muted it.
	Muted map[string]bool `json:"muted,omitempty"`
}

// RoomSession is one session of a room: from its first join to its end.
type RoomSession struct {
	ID        string    `json:"id"`
	RoomID    string    `json:"room_id"`
	StartedAt time.Time `json:"started_at"`
	// EndedAt is the zero time while the session is live.
	EndedAt time.Time `json:"ended_at"`
	// EndReason says why it ended: "empty" after the last peer left, or
	// the reason given to [Client.EndRoom].
	EndReason string `json:"end_reason,omitempty"`
	// Peers counts the session's joins.
	Peers int `json:"peers"`
}

// GetRoom returns a room with its live session and recent sessions (GET
// /v1/rooms/{id}); id is the room's id or custom id.
func (c *Client) GetRoom(ctx context.Context, id string) (*RoomInfo, error) {
	return envelope[RoomInfo](ctx, c, http.MethodGet, pathf("/v1/rooms/%s", id), nil, nil)
}

// UpdateRoomParams change a room; nil fields stay as they are.
type UpdateRoomParams struct {
	Name        *string         `json:"name,omitempty"`
	Description *string         `json:"description,omitempty"`
	Enabled     *bool           `json:"enabled,omitempty"`
	MaxPeers    *int            `json:"max_peers,omitempty"`
	Template    json.RawMessage `json:"template,omitempty"`
	Webhook     *RoomWebhook    `json:"webhook,omitempty"`
}

// UpdateRoom changes a room (POST /v1/rooms/{id}). Disabling a room
// refuses new joins but leaves the peers in it; [Client.EndRoom] with lock
// also ends the session.
func (c *Client) UpdateRoom(ctx context.Context, id string, params UpdateRoomParams) (*Room, error) {
	return field[*Room](ctx, c, http.MethodPost, pathf("/v1/rooms/%s", id), params, "room")
}

// RoomPeers returns the peers in a room's live session and in its lobby
// (GET /v1/rooms/{id}/peers); an empty room has none.
func (c *Client) RoomPeers(ctx context.Context, id string) (*LiveSession, error) {
	return envelope[LiveSession](ctx, c, http.MethodGet, pathf("/v1/rooms/%s/peers", id), nil, nil)
}

// RemovePeerParams name whom [Client.RemovePeer] removes: exactly one of
// PeerID, Role and Participant.
type RemovePeerParams struct {
	// PeerID removes one connection.
	PeerID string `json:"peer_id,omitempty"`
	// Role removes every peer of the role.
	Role string `json:"role,omitempty"`
	// Participant removes every connection of this identity (user_id or
	// participantId).
	Participant string `json:"participantId,omitempty"`
	// Reason is shown to the removed peers.
	Reason string `json:"reason,omitempty"`
}

// RemovePeer removes peers from a room's live session (POST
// /v1/rooms/{id}/remove-peer): each is closed with code 4001, the token it
// joined with is revoked, and its identity is banned from the room for a
// while, so that neither the same token nor a new one lets it straight back
// in. It returns how many peers were removed.
func (c *Client) RemovePeer(ctx context.Context, id string, params RemovePeerParams) (int, error) {
	return field[int](ctx, c, http.MethodPost, pathf("/v1/rooms/%s/remove-peer", id), params, "removed")
}

// EndRoom ends a room's live session (POST /v1/rooms/{id}/end): every peer
// is closed with reason. With lock the room is also disabled, so that
// nobody joins again until it is enabled with [Client.UpdateRoom].
func (c *Client) EndRoom(ctx context.Context, id, reason string, lock bool) error {
	body := struct {
		Reason string `json:"reason,omitempty"`
		Lock   bool   `json:"lock"`
	}{reason, lock}
	return c.do(ctx, http.MethodPost, pathf("/v1/rooms/%s/end", id), nil, body, nil)
}

// RoomWebhookInfo is a room's webhook as its owner sees it.
type RoomWebhookInfo struct {
	// URL receives the events; "" means none.
	URL string `json:"url"`
	// Events names the events sent; empty means all.
	Events []string `json:"events"`
	// Secret signs every post (X-Keyward-Signature); receivers verify with
	// it. It is the same on every node and does not change while the
	// server's master key does not.
	Secret string `json:"secret"`
	// SignatureHeader describes the signature header.
	SignatureHeader string `json:"signature_header"`
	// Recent holds the room's latest events, newest first.
	Recent []*WebhookDelivery `json:"recent"`
}

// WebhookDelivery is one event of a room's webhook and how its delivery
// went.
type WebhookDelivery struct {
	// ID is the event's id, sent as the Webhook-Id header.
	ID string `json:"id"`
	// Type is keyward's event name; Name is the one sent (the vendor's for
	// vendor rooms).
	Type string `json:"type"`
	Name string `json:"name"`
	// URL is where the event goes.
	URL string `json:"url"`
	// CreatedAt is when the change happened.
	CreatedAt time.Time `json:"created_at"`
	// State is "pending", "delivered" or "failed".
	State string `json:"state"`
	// Attempts counts the posts made.
	Attempts int `json:"attempts"`
	// FinishedAt is when it was delivered or given up.
	FinishedAt time.Time `json:"finished_at"`
	// LastError is why the last failed attempt failed.
	LastError string `json:"last_error,omitempty"`
}

// RoomWebhook returns the room's webhook, its signing secret and its latest
// events with their delivery state (GET /v1/rooms/{id}/webhook).
func (c *Client) RoomWebhook(ctx context.Context, id string) (*RoomWebhookInfo, error) {
	return envelope[RoomWebhookInfo](ctx, c, http.MethodGet, pathf("/v1/rooms/%s/webhook", id), nil, nil)
}
