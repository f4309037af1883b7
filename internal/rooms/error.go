package rooms

import (
	"errors"
	"net/http"
)

// The codes of the rooms API, with their HTTP statuses (see [Error]). They
// join the envelope's one code table through [Error.EnvelopeCode].
const (
	// CodeRoomNotFound: no such room for the credential's account (404).
	CodeRoomNotFound = "ROOM_NOT_FOUND"
	// CodeRoomDisabled: the room exists but refuses joins (403).
	CodeRoomDisabled = "ROOM_DISABLED"
	// CodeRoomFull: the room holds max_peers peers (409).
	CodeRoomFull = "ROOM_FULL"
	// CodeRoleUnknown: the token's role is not in the room's template (403).
	CodeRoleUnknown = "ROLE_UNKNOWN"
	// CodeTokenProfile: a valid token of a profile that cannot join (403).
	CodeTokenProfile = "TOKEN_PROFILE"
	// CodePeerNotFound: no such peer in the room's live session (404).
	CodePeerNotFound = "PEER_NOT_FOUND"
	// CodeNotActive: the room has no live session (404).
	CodeNotActive = "ROOM_NOT_ACTIVE"
	// CodeInvalid: the request's input is not acceptable (400).
	CodeInvalid = "BAD_REQUEST"
	// CodeResumeInvalid: a resume token that is malformed, forged, expired
	// or of a removed peer (401).
	CodeResumeInvalid = "RESUME_INVALID"
	// CodeRevoked: the identity is banned from the room, or the token
	// revoked (401).
	CodeRevoked = "TOKEN_REVOKED"
	// CodePermission: the token lacks the permission or role (403).
	CodePermission = "PERMISSION_DENIED"
	// CodeConflict: the name or customRoomId is taken (409).
	CodeConflict = "CONFLICT"
)

var statuses = map[string]int{
	CodeRoomNotFound:  http.StatusNotFound,
	CodeRoomDisabled:  http.StatusForbidden,
	CodeRoomFull:      http.StatusConflict,
	CodeRoleUnknown:   http.StatusForbidden,
	CodeTokenProfile:  http.StatusForbidden,
	CodePeerNotFound:  http.StatusNotFound,
	CodeNotActive:     http.StatusNotFound,
	CodeInvalid:       http.StatusBadRequest,
	CodeResumeInvalid: http.StatusUnauthorized,
	CodeRevoked:       http.StatusUnauthorized,
	CodePermission:    http.StatusForbidden,
	CodeConflict:      http.StatusConflict,
}

// Codes returns the rooms codes and their statuses, for the code table.
func Codes() map[string]int {
	out := make(map[string]int, len(statuses))
	for k, v := range statuses {
		out[k] = v
	}
	return out
}

// Error is the rooms package's error: a stable code and a message safe to
// show to the client. Err, the cause, is for the log only.
type Error struct {
	// Code is one of the Code* constants.
	Code string
	// Message is shown to the client.
	Message string
	// Err is the cause.
	Err error
}

// Errorf returns an *Error; msg is shown to the client.
func Errorf(code, msg string) *Error { return &Error{Code: code, Message: msg} }

// Error returns "rooms: CODE: message".
func (e *Error) Error() string {
	s := "rooms: " + e.Code + ": " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches another *Error of the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Status returns the HTTP status of the error's code.
func (e *Error) Status() int {
	if s, ok := statuses[e.Code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// EnvelopeCode lets the envelope write the error with its code and status.
func (e *Error) EnvelopeCode() (code string, status int, message string) {
	return e.Code, e.Status(), e.Message
}

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
