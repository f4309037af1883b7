package room

import (
	"errors"

	"github.com/keyward/keyward/internal/errcode"
)

// The codes of the rooms API. They are codes of keyward's one table
// (package errcode), which gives each its HTTP status.
const (
	// CodeRoomNotFound: no such room for the credential's account (404).
	CodeRoomNotFound = errcode.RoomNotFound
	// CodeRoomDisabled: the room exists but refuses joins (403).
	CodeRoomDisabled = errcode.RoomDisabled
	// CodeRoomFull: the room holds max_peers peers (409).
	CodeRoomFull = errcode.RoomFull
	// CodeRoleUnknown: the token's role is not in the room's template (403).
	CodeRoleUnknown = errcode.RoleUnknown
	// CodeTokenProfile: a valid token of a profile that cannot join (403).
	CodeTokenProfile = errcode.TokenProfile
	// CodePeerNotFound: no such peer in the room's live session (404).
	CodePeerNotFound = errcode.PeerNotFound
	// CodeNotActive: the room has no live session (404).
	CodeNotActive = errcode.RoomNotActive
	// CodeInvalid: the request's input is not acceptable (400).
	CodeInvalid = errcode.BadRequest
	// CodeResumeInvalid: a resume token that is malformed, forged, expired
	// or of a removed peer (401).
	CodeResumeInvalid = errcode.ResumeInvalid
	// CodeRevoked: the identity is banned from the room, or the token
	// revoked (401).
	CodeRevoked = errcode.TokenRevoked
	// CodePermission: the token lacks the permission or role (403).
	CodePermission = errcode.PermissionDenied
	// CodeConflict: the name or customRoomId is taken (409).
	CodeConflict = errcode.Conflict
)

// Error is the rooms package's error, keyward's one coded error
// ([errcode.Error]): a stable code and a message safe to show to the client.
type Error = errcode.Error

// Errorf returns an *Error; msg is shown to the client.
func Errorf(code, msg string) *Error { return errcode.New(code, msg) }

// CodeOf returns the code of the *Error in err's chain, or "".
func CodeOf(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return ""
}

// The errors the join checks return.
var (
	ErrRoomNotFound = Errorf(CodeRoomNotFound, "no such room")
	ErrRoomDisabled = Errorf(CodeRoomDisabled, "the room is disabled")
	ErrRoomFull     = Errorf(CodeRoomFull, "the room is full")
	ErrRoleUnknown  = Errorf(CodeRoleUnknown, "the room's template has no such role")
	ErrTokenProfile = Errorf(CodeTokenProfile, "use an app token to join")
	ErrBanned       = Errorf(CodeRevoked, "this identity has been removed from the room")
	ErrNoRoom       = Errorf(CodeInvalid, "the token names no room: add room_id (app) or roomId (apikey), or ?room=")
	ErrRoomMismatch = Errorf(CodePermission, "the token is for another room")
	ErrNoJoin       = Errorf(CodePermission, "this apikey token may not join (roles: crawler only, or no join permission)")
	ErrNoREST       = Errorf(CodePermission, "this apikey token may not use the REST API (roles: rtc only)")
	ErrPeerNotFound = Errorf(CodePeerNotFound, "no such peer in the room")
	ErrNotActive    = Errorf(CodeNotActive, "the room has no live session")
	ErrResume       = Errorf(CodeResumeInvalid, "the resume token is not valid (expired, forged, or the peer was removed)")
)
