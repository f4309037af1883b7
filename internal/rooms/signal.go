package rooms

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// MaxFrame is the largest signal frame a client may send (64 KiB); a
// larger one closes the socket with 1009 (message too big).
const MaxFrame = 64 << 10

// Close codes of the signal socket (DESIGN §9), besides the standard ones
// (1000 normal, 1001 going away, 1008 policy, 1009 too big).
const (
	CloseRemoved   = 4001
	CloseEnded     = 4002
	CloseDenied    = 4003
	CloseDuplicate = 4004
	CloseToken     = 4401
	// CloseMoved (1012, "service restart") sends a peer to reconnect: the
	// room moved to another node.
	CloseMoved = 1012
)

// Reasons a peer leaves, in peer_left{reason}, leave{reason} and the
// stored peer record.
const (
	ReasonLeft      = "LEFT"
	ReasonGone      = "DISCONNECTED"
	ReasonTimeout   = "TIMEOUT"
	ReasonRemoved   = "REMOVED"
	ReasonEnded     = "ROOM_ENDED"
	ReasonDuplicate = "DUPLICATE_IDENTITY"
	ReasonDenied    = "ENTRY_DENIED"
	ReasonLobbyTime = "ENTRY_TIMEOUT"
	ReasonToken     = "TOKEN_INVALID"
	ReasonShutdown  = "SERVER_SHUTDOWN"
	ReasonSlow      = "SLOW_CONSUMER"
	ReasonMoved     = "ROOM_MOVED"
)

// Client → server message types.
const (
	TypeAnswer    = "answer"
	TypeCandidate = "candidate"
	TypePublish   = "publish"
	TypeMute      = "mute"
	TypeMessage   = "message"
	TypeAdmit     = "admit"
	TypeRemove    = "remove"
	TypeMutePeer  = "mute_peer"
	TypeEndRoom   = "end_room"
	TypeRefresh   = "refresh"
	TypePing      = "ping"
	TypeLeave     = "leave"
)

// Server → client message types (besides message and candidate).
const (
	TypeJoined           = "joined"
	TypePeerJoined       = "peer_joined"
	TypePeerLeft         = "peer_left"
	TypeWaiting          = "waiting"
	TypeEntryRequested   = "entry_requested"
	TypeEntryResponded   = "entry_responded"
	TypeOffer            = "offer"
	TypeTrackPublished   = "track_published"
	TypeTrackUnpublished = "track_unpublished"
	TypeMuted            = "muted"
	TypeError            = "error"
	TypeLeaveNotice      = "leave"
	TypePong             = "pong"
)

// Codes of error{code,message} frames; the socket stays open.
const (
	SignalBadMessage   = "BAD_MESSAGE"
	SignalUnknownType  = "UNKNOWN_TYPE"
	SignalRateLimited  = "RATE_LIMITED"
	SignalForbidden    = "PERMISSION_DENIED"
	SignalPeerNotFound = "PEER_NOT_FOUND"
	SignalRoomFull     = "ROOM_FULL"
	SignalMedia        = "MEDIA_UNAVAILABLE"
	SignalInternal     = "INTERNAL"
)

// Target addresses a room message: a peer, a role, or (neither) everyone.
type Target struct {
	PeerID string `json:"peer_id,omitempty"`
	Role   string `json:"role,omitempty"`
}

// Inbound is a parsed client frame. Only the fields of its Type are
// meaningful; Raw is the whole frame (for the media layer).
type Inbound struct {
	Type    string          `json:"type"`
	PeerID  string          `json:"peer_id,omitempty"`
	Role    string          `json:"role,omitempty"`
	Reason  string          `json:"reason,omitempty"`
	Kind    string          `json:"kind,omitempty"`
	Muted   *bool           `json:"muted,omitempty"`
	Allow   *bool           `json:"allow,omitempty"`
	Lock    bool            `json:"lock,omitempty"`
	Token   string          `json:"token,omitempty"`
	Message json.RawMessage `json:"message,omitempty"`
	To      *Target         `json:"to,omitempty"`
	Raw     []byte          `json:"-"`
}

var (
	errNotObject = errors.New("a frame is one JSON object")
	errNoType    = errors.New(`a frame needs a string "type"`)
	errTooLong   = errors.New("a text field is longer than 1 KiB")
)

// ParseInbound parses one client frame: a JSON object with a string type.
// Unknown members are ignored; an unknown type is the caller's to refuse.
func ParseInbound(b []byte) (*Inbound, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, errNotObject
	}
	var in Inbound
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&in); err != nil {
		return nil, errNotObject
	}
	if dec.More() {
		return nil, errNotObject
	}
	if in.Type == "" {
		return nil, errNoType
	}
	for _, s := range []string{in.Type, in.PeerID, in.Role, in.Reason, in.Kind} {
		if len(s) > 1024 {
			return nil, errTooLong
		}
	}
	if in.To != nil && (len(in.To.PeerID) > 1024 || len(in.To.Role) > 1024) {
		return nil, errTooLong
	}
	in.Raw = b
	return &in, nil
}

// knownKind reports whether kind names a track kind.
func knownKind(kind string) bool {
	switch strings.ToLower(kind) {
	case "audio", "video", "screen":
		return true
	}
	return false
}

// PeerInfo is how a peer is shown to others (joined.peers, peer_joined,
// the REST peer lists).
type PeerInfo struct {
	PeerID   string          `json:"peer_id"`
	UserID   string          `json:"user_id"`
	Role     string          `json:"role"`
	JoinedAt int64           `json:"joined_at"`
	Muted    map[string]bool `json:"muted"`
}

// frame marshals a server message: {"type": typ, …fields}.
func frame(typ string, fields map[string]any) []byte {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["type"] = typ
	b, err := json.Marshal(fields)
	if err != nil {
		// Only values this package builds reach here.
		b, _ = json.Marshal(map[string]any{"type": TypeError, "code": SignalInternal, "message": "internal error"})
	}
	return b
}

func errorFrame(code, msg string) []byte {
	return frame(TypeError, map[string]any{"code": code, "message": msg})
}
