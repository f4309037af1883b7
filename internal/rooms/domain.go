// Code in this file re-exports the rooms domain of package room, so that
// the service code reads as before; the domain itself lives in package
// room, a leaf the store can import without reaching net/http.

package rooms

import "github.com/keyward/keyward/internal/room"

// The domain types.
type (
	Vendor           = room.Vendor
	Room             = room.Room
	Capabilities     = room.Capabilities
	Template         = room.Template
	Webhook          = room.Webhook
	Session          = room.Session
	PeerRecord       = room.PeerRecord
	Ban              = room.Ban
	Store            = room.Store
	CreateRoomParams = room.CreateRoomParams
	ListRoomsParams  = room.ListRoomsParams
	RoomPage         = room.RoomPage
	UpdateRoomParams = room.UpdateRoomParams
	Error            = room.Error
)

// The domain constants.
const (
	DefaultMaxPeers       = room.DefaultMaxPeers
	MaxMaxPeers           = room.MaxMaxPeers
	MaxNameLen            = room.MaxNameLen
	MaxDescriptionLen     = room.MaxDescriptionLen
	MaxRoles              = room.MaxRoles
	VendorKeyward         = room.VendorKeyward
	Vendor100ms           = room.Vendor100ms
	VendorVideoSDK        = room.VendorVideoSDK
	EventSessionStarted   = room.EventSessionStarted
	EventSessionEnded     = room.EventSessionEnded
	EventPeerJoined       = room.EventPeerJoined
	EventPeerLeft         = room.EventPeerLeft
	EventTrackPublished   = room.EventTrackPublished
	EventTrackUnpublished = room.EventTrackUnpublished
	CodeRoomNotFound      = room.CodeRoomNotFound
	CodeRoomDisabled      = room.CodeRoomDisabled
	CodeRoomFull          = room.CodeRoomFull
	CodeRoleUnknown       = room.CodeRoleUnknown
	CodeTokenProfile      = room.CodeTokenProfile
	CodePeerNotFound      = room.CodePeerNotFound
	CodeNotActive         = room.CodeNotActive
	CodeInvalid           = room.CodeInvalid
	CodeResumeInvalid     = room.CodeResumeInvalid
	CodeRevoked           = room.CodeRevoked
	CodePermission        = room.CodePermission
	CodeConflict          = room.CodeConflict
)

// The domain variables and functions.
var (
	CloneCapabilities     = room.CloneCapabilities
	CheckText             = room.CheckText
	HostCapabilities      = room.HostCapabilities
	GuestCapabilities     = room.GuestCapabilities
	ViewerCapabilities    = room.ViewerCapabilities
	ModeratorCapabilities = room.ModeratorCapabilities
	AllEvents             = room.AllEvents
	ErrRoomNotFound       = room.ErrRoomNotFound
	ErrRoomDisabled       = room.ErrRoomDisabled
	ErrRoomFull           = room.ErrRoomFull
	ErrRoleUnknown        = room.ErrRoleUnknown
	ErrTokenProfile       = room.ErrTokenProfile
	ErrBanned             = room.ErrBanned
	ErrNoRoom             = room.ErrNoRoom
	ErrRoomMismatch       = room.ErrRoomMismatch
	ErrNoJoin             = room.ErrNoJoin
	ErrNoREST             = room.ErrNoREST
	ErrPeerNotFound       = room.ErrPeerNotFound
	ErrNotActive          = room.ErrNotActive
	ErrResume             = room.ErrResume
	NewID                 = room.NewID
	IsID                  = room.IsID
	DefaultTemplate       = room.DefaultTemplate
	Errorf                = room.Errorf
	CodeOf                = room.CodeOf
)
