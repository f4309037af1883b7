package room

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits and defaults of a room.
const (
	// DefaultMaxPeers is a room's max_peers when none is given.
	DefaultMaxPeers = 16
	// MaxMaxPeers bounds max_peers.
	MaxMaxPeers = 10000
	// MaxNameLen bounds a room's name and customRoomId (bytes).
	MaxNameLen = 128
	// MaxDescriptionLen bounds a room's description (bytes).
	MaxDescriptionLen = 1024
	// MaxRoles bounds the roles of a template.
	MaxRoles = 32
)

// Vendor names the API shape a room was made through; webhooks use the
// vendor's own event names for it.
type Vendor string

// The vendors.
const (
	// VendorKeyward is a room made through /v1/rooms, the CLI or the portal.
	VendorKeyward Vendor = "keyward"
	// Vendor100ms is a room made with a 100ms management token.
	Vendor100ms Vendor = "100ms"
	// VendorVideoSDK is a room made with a VideoSDK apikey token.
	VendorVideoSDK Vendor = "videosdk"
)

// Room is a place peers join. It belongs to the account that owns the
// credential that made it; tokens of another account never see it.
type Room struct {
	// ID is the server-made id: 24 lower-case hex digits.
	ID string `json:"id"`
	// AccountID owns the room.
	AccountID int64 `json:"account_id"`
	// Name is unique per account.
	Name string `json:"name"`
	// CustomRoomID is VideoSDK's customRoomId, unique per account when set.
	CustomRoomID string `json:"custom_room_id,omitempty"`
	// Description is free text.
	Description string `json:"description"`
	// Enabled rooms can be joined; a disabled room refuses joins with 403
	// ROOM_DISABLED.
	Enabled bool `json:"enabled"`
	// MaxPeers is how many peers may be in the room at once (default
	// [DefaultMaxPeers]).
	MaxPeers int `json:"max_peers"`
	// Template holds the room's roles.
	Template Template `json:"template"`
	// Webhook, when its URL is set, receives the room's events.
	Webhook Webhook `json:"webhook"`
	// Vendor is the API the room was made through.
	Vendor Vendor `json:"vendor"`
	// CreatedAt and UpdatedAt are the row's times.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks the room's fields (not its id or times, which the store
// makes).
func (r *Room) Validate() error {
	var errs []error
	if r.Name == "" {
		errs = append(errs, errors.New("name is required"))
	}
	if err := CheckText("name", r.Name, MaxNameLen); err != nil {
		errs = append(errs, err)
	}
	if err := CheckText("customRoomId", r.CustomRoomID, MaxNameLen); err != nil {
		errs = append(errs, err)
	}
	if err := CheckText("description", r.Description, MaxDescriptionLen); err != nil {
		errs = append(errs, err)
	}
	if r.MaxPeers < 1 || r.MaxPeers > MaxMaxPeers {
		errs = append(errs, fmt.Errorf("max_peers must be between 1 and %d", MaxMaxPeers))
	}
	switch r.Vendor {
	case VendorKeyward, Vendor100ms, VendorVideoSDK:
	default:
		errs = append(errs, fmt.Errorf("unknown vendor %q", r.Vendor))
	}
	if err := r.Template.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := r.Webhook.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// CheckText refuses invalid UTF-8, control characters and text longer than
// limit bytes.
func CheckText(field, s string, limit int) error {
	if len(s) > limit {
		return fmt.Errorf("%s is longer than %d bytes", field, limit)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("%s contains a control character", field)
	}
	return nil
}

// NewID returns a new room, session or peer id: 24 random hex digits.
func NewID() string {
	var b [12]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// IsID reports whether s has the form of an id [NewID] makes.
func IsID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Capabilities is what a joined peer may do.
type Capabilities struct {
	// PublishAudio, PublishVideo and PublishScreen allow publishing tracks
	// of each kind.
	PublishAudio  bool `json:"publish_audio"`
	PublishVideo  bool `json:"publish_video"`
	PublishScreen bool `json:"publish_screen"`
	// Subscribe lists the roles whose tracks the peer receives; "*" means
	// every role. Empty means none.
	Subscribe []string `json:"subscribe"`
	// Message allows sending room messages.
	Message bool `json:"message"`
	// Hidden peers are not announced to others and not listed in their
	// peer lists.
	Hidden bool `json:"hidden"`
	// Admit allows admitting or denying peers waiting in the lobby.
	Admit bool `json:"admit"`
	// Remove allows removing other peers.
	Remove bool `json:"remove"`
	// Mute allows muting other peers.
	Mute bool `json:"mute"`
	// EndRoom allows ending the room's session.
	EndRoom bool `json:"end_room"`
}

// SubscribesTo reports whether a peer with c receives tracks of role.
func (c *Capabilities) SubscribesTo(role string) bool {
	return slices.Contains(c.Subscribe, "*") || slices.Contains(c.Subscribe, role)
}

// Moderates reports whether c holds any moderator capability.
func (c *Capabilities) Moderates() bool { return c.Admit || c.Remove || c.Mute || c.EndRoom }

// The capability sets of the default template and of VideoSDK permissions.
var (
	// HostCapabilities can do everything.
	HostCapabilities = Capabilities{PublishAudio: true, PublishVideo: true, PublishScreen: true, Subscribe: []string{"*"},
		Message: true, Admit: true, Remove: true, Mute: true, EndRoom: true}
	// GuestCapabilities publish, subscribe and message.
	GuestCapabilities = Capabilities{PublishAudio: true, PublishVideo: true, PublishScreen: true, Subscribe: []string{"*"}, Message: true}
	// ViewerCapabilities only subscribe.
	ViewerCapabilities = Capabilities{Subscribe: []string{"*"}}
	// ModeratorCapabilities are VideoSDK's allow_mod: a guest that may
	// admit, remove, mute and end.
	ModeratorCapabilities = HostCapabilities
)

// Template is a named set of roles. Role names are case-sensitive.
type Template struct {
	// Name names the template ("default" for [DefaultTemplate]).
	Name string `json:"name"`
	// Roles maps a role name to its capabilities.
	Roles map[string]Capabilities `json:"roles"`
}

// DefaultTemplate returns the template rooms get unless told otherwise:
// host, guest and viewer.
func DefaultTemplate() Template {
	return Template{Name: "default", Roles: map[string]Capabilities{
		"host":   CloneCapabilities(HostCapabilities),
		"guest":  CloneCapabilities(GuestCapabilities),
		"viewer": CloneCapabilities(ViewerCapabilities),
	}}
}

// CloneCapabilities returns a copy of c that shares no slice with it.
func CloneCapabilities(c Capabilities) Capabilities {
	c.Subscribe = slices.Clone(c.Subscribe)
	return c
}

// Validate checks the template: at least one role, at most [MaxRoles],
// role names of 1–64 printable bytes, subscriptions naming known roles or
// "*".
func (t *Template) Validate() error {
	if len(t.Roles) == 0 {
		return errors.New("template: at least one role is required")
	}
	if len(t.Roles) > MaxRoles {
		return fmt.Errorf("template: at most %d roles", MaxRoles)
	}
	var errs []error
	for name, c := range t.Roles {
		if name == "" || len(name) > 64 || CheckText("role", name, 64) != nil || name == "*" {
			errs = append(errs, fmt.Errorf("template: role name %q is not allowed", name))
		}
		for _, s := range c.Subscribe {
			if _, ok := t.Roles[s]; !ok && s != "*" {
				errs = append(errs, fmt.Errorf("template: role %q subscribes to unknown role %q", name, s))
			}
		}
	}
	return errors.Join(errs...)
}

// Role returns the capabilities of role, and whether the template has it.
func (t *Template) Role(role string) (Capabilities, bool) {
	c, ok := t.Roles[role]
	return c, ok
}

// Webhook is where a room's events are posted.
type Webhook struct {
	// URL receives the events (POST, JSON, signed); "" means none.
	URL string `json:"url,omitempty"`
	// Events names the events sent; empty means all.
	Events []string `json:"events,omitempty"`
}

// Events a webhook may receive (DESIGN §9).
const (
	EventSessionStarted   = "session.started"
	EventSessionEnded     = "session.ended"
	EventPeerJoined       = "peer.joined"
	EventPeerLeft         = "peer.left"
	EventTrackPublished   = "track.published"
	EventTrackUnpublished = "track.unpublished"
)

// AllEvents lists every event, in a fixed order.
var AllEvents = []string{EventSessionStarted, EventSessionEnded, EventPeerJoined, EventPeerLeft, EventTrackPublished, EventTrackUnpublished}

// Validate checks the webhook: an absolute http(s) URL without user
// information, and known events. Whether the URL may be reached is the
// download guard's decision, made at delivery.
func (w *Webhook) Validate() error {
	if w.URL == "" {
		if len(w.Events) > 0 {
			return errors.New("webhook: events without a URL")
		}
		return nil
	}
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(w.URL) > 2048 {
		return errors.New("webhook: the URL must be an absolute http or https URL without credentials")
	}
	for _, e := range w.Events {
		if !slices.Contains(AllEvents, e) {
			return fmt.Errorf("webhook: unknown event %q", e)
		}
	}
	return nil
}

// Wants reports whether the webhook receives event.
func (w *Webhook) Wants(event string) bool {
	return w.URL != "" && (len(w.Events) == 0 || slices.Contains(w.Events, event))
}

// Session is one live period of a room: it starts at the first join and
// ends at end-room or after the last leave. A room has at most one live
// session.
type Session struct {
	// ID is the session's id (24 hex).
	ID string `json:"id"`
	// RoomID is the room's id.
	RoomID string `json:"room_id"`
	// StartedAt is the first join.
	StartedAt time.Time `json:"started_at"`
	// EndedAt is zero while the session is live.
	EndedAt time.Time `json:"ended_at"`
	// EndReason says why it ended: "empty" after the last leave, or the
	// reason given to end-room.
	EndReason string `json:"end_reason,omitempty"`
	// Peers counts the joins of the session.
	Peers int `json:"peers"`
}

// Live reports whether the session has not ended.
func (s *Session) Live() bool { return s.EndedAt.IsZero() }

// PeerRecord is the stored trace of one peer's stay in a session.
type PeerRecord struct {
	// SessionID is the session's id.
	SessionID string `json:"session_id"`
	// PeerID is the peer's id (24 hex), new for every join.
	PeerID string `json:"peer_id"`
	// Identity is the token's user_id or participantId.
	Identity string `json:"user_id"`
	// Role is the peer's role.
	Role string `json:"role"`
	// CredentialID is the credential whose token joined.
	CredentialID int64 `json:"credential_id"`
	// JoinedAt and LeftAt bound the stay; LeftAt is zero while present.
	JoinedAt time.Time `json:"joined_at"`
	LeftAt   time.Time `json:"left_at"`
	// Reason says why the peer left (see the Leave* reasons).
	Reason string `json:"reason,omitempty"`
}

// Minutes returns the peer-minutes of the stay up to now (or LeftAt).
func (p *PeerRecord) Minutes(now time.Time) float64 {
	end := p.LeftAt
	if end.IsZero() {
		end = now
	}
	if end.Before(p.JoinedAt) {
		return 0
	}
	return end.Sub(p.JoinedAt).Minutes()
}

// Ban keeps an identity out of a room until a time: what "remove" leaves
// behind.
type Ban struct {
	// RoomID is the room's id.
	RoomID string `json:"room_id"`
	// Identity is the user_id or participantId banned.
	Identity string `json:"user_id"`
	// Until is when the ban ends: the removed token's exp plus leeway, and
	// never before the removed peer's resume tokens are stale.
	Until time.Time `json:"until"`
	// Reason is the remover's reason.
	Reason string `json:"reason,omitempty"`
}

// Validate checks the ban.
func (b *Ban) Validate() error {
	switch {
	case !IsID(b.RoomID):
		return errors.New("ban: room id is not valid")
	case b.Identity == "":
		return errors.New("ban: identity is required")
	case b.Until.IsZero():
		return errors.New("ban: until is required")
	}
	return nil
}
