package room

import (
	"context"
	"errors"
	"slices"
	"time"
)

// Store keeps rooms, sessions, peer records and bans. internal/store
// implements it on SQLite and PostgreSQL; every method is scoped to an
// account, so that one account never reads another's rooms.
//
// Errors: a missing room is [ErrRoomNotFound]; a name or customRoomId
// taken by another room is an [*Error] with [CodeConflict]; invalid input
// is an [*Error] with [CodeInvalid]. Any other error is the store's.
//
// API is not stable. DO NOT IMPLEMENT outside keyward.
type Store interface {
	// CreateRoom creates the room p describes, or returns the account's
	// existing room of that name (created false), as 100ms does.
	CreateRoom(ctx context.Context, p *CreateRoomParams) (r *Room, created bool, err error)
	// Room returns the account's room whose id (or, failing that,
	// customRoomId) is ref.
	Room(ctx context.Context, accountID int64, ref string) (*Room, error)
	// ListRooms returns a page of the account's rooms, newest first.
	ListRooms(ctx context.Context, p *ListRoomsParams) (*RoomPage, error)
	// UpdateRoom changes the fields p sets.
	UpdateRoom(ctx context.Context, p *UpdateRoomParams) (*Room, error)

	// StartSession starts a session of room at time at and returns it; if
	// the room has a live session (a node died without ending it), that
	// one is ended first with reason "restarted".
	StartSession(ctx context.Context, roomID string, at time.Time) (*Session, error)
	// EndSession ends the session; peers still present are marked left
	// with the same reason.
	EndSession(ctx context.Context, sessionID, reason string, at time.Time) error
	// PeerJoined records a peer's arrival in its session.
	PeerJoined(ctx context.Context, p *PeerRecord) error
	// PeerLeft records a peer's departure.
	PeerLeft(ctx context.Context, sessionID, peerID, reason string, at time.Time) error
	// Sessions returns the room's latest sessions, newest first.
	Sessions(ctx context.Context, roomID string, limit int) ([]*Session, error)
	// SessionPeers returns the peer records of a session, in join order.
	SessionPeers(ctx context.Context, sessionID string) ([]*PeerRecord, error)

	// AddBan bans an identity from a room (extending an existing ban).
	AddBan(ctx context.Context, b *Ban) error
	// Banned reports whether identity is banned from room at now.
	Banned(ctx context.Context, roomID, identity string, now time.Time) (bool, error)
}

// CreateRoomParams are the arguments of [Store.CreateRoom].
type CreateRoomParams struct {
	// Room is the room to create: AccountID, Name and the other settings;
	// the store sets ID and the times. Zero MaxPeers and an empty Template
	// take the defaults.
	Room Room
	// Now is the creation time.
	Now time.Time
}

// Normalize fills the defaults of the room to create and validates it.
func (p *CreateRoomParams) Normalize() error {
	r := &p.Room
	if r.MaxPeers == 0 {
		r.MaxPeers = DefaultMaxPeers
	}
	if len(r.Template.Roles) == 0 {
		r.Template = DefaultTemplate()
	}
	if r.Vendor == "" {
		r.Vendor = VendorKeyward
	}
	if r.AccountID <= 0 {
		return errors.New("rooms: create: account is required")
	}
	r.Webhook.canonicalize()
	if err := r.Validate(); err != nil {
		return &Error{Code: CodeInvalid, Message: err.Error(), Err: err}
	}
	return nil
}

// ListRoomsParams are the arguments of [Store.ListRooms].
type ListRoomsParams struct {
	// AccountID owns the rooms.
	AccountID int64
	// Limit is the page size (1–100; default 10).
	Limit int
	// After is the cursor of the previous page ("" for the first).
	After string
	// Name, when set, keeps only the room of that name.
	Name string
	// Enabled, when not nil, keeps only enabled (or disabled) rooms.
	Enabled *bool
}

// Normalize fills the defaults.
func (p *ListRoomsParams) Normalize() error {
	if p.Limit == 0 {
		p.Limit = 10
	}
	if p.Limit < 1 || p.Limit > 100 {
		return Errorf(CodeInvalid, "limit must be between 1 and 100")
	}
	if p.After != "" && !IsID(p.After) {
		return Errorf(CodeInvalid, "the page cursor is not valid")
	}
	return nil
}

// RoomPage is a page of rooms.
type RoomPage struct {
	// Rooms, newest first.
	Rooms []*Room
	// Next is the cursor of the next page, "" after the last.
	Next string
}

// UpdateRoomParams are the arguments of [Store.UpdateRoom]; nil fields are
// left alone.
type UpdateRoomParams struct {
	// AccountID and Ref (id or customRoomId) address the room.
	AccountID int64
	Ref       string
	// The fields to change.
	Name         *string
	Description  *string
	Enabled      *bool
	MaxPeers     *int
	Template     *Template
	Webhook      *Webhook
	CustomRoomID *string
	// Now is the update time.
	Now time.Time
}

// Apply sets p's fields on r and validates the result.
func (p *UpdateRoomParams) Apply(r *Room) error {
	if p.Name != nil {
		r.Name = *p.Name
	}
	if p.Description != nil {
		r.Description = *p.Description
	}
	if p.Enabled != nil {
		r.Enabled = *p.Enabled
	}
	if p.MaxPeers != nil {
		r.MaxPeers = *p.MaxPeers
	}
	if p.Template != nil {
		r.Template = *p.Template
	}
	if p.Webhook != nil {
		r.Webhook = *p.Webhook
		r.Webhook.Events = slices.Clone(r.Webhook.Events)
		r.Webhook.canonicalize()
	}
	if p.CustomRoomID != nil {
		r.CustomRoomID = *p.CustomRoomID
	}
	if err := r.Validate(); err != nil {
		return &Error{Code: CodeInvalid, Message: err.Error(), Err: err}
	}
	return nil
}
