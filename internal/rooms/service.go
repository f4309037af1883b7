package rooms

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/coder/websocket"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/token"
)

// API ids of the join routes.
const (
	APIJoin     = "rooms.rtc.join"
	APIValidate = "rooms.rtc.validate"
)

// CheckFunc runs the door's checks of rt on r and returns the caller
// (internal/auth's Authenticator.Check).
type CheckFunc func(r *http.Request, rt auth.Route) (*auth.Identity, error)

// Config configures [New].
type Config struct {
	// Store keeps rooms. Required.
	Store Store
	// Check verifies tokens through the door. Required.
	Check CheckFunc
	// Hub configures the live rooms; its Store, Logger and NowFunc default
	// to this Config's, its RefreshFunc to the service's own.
	Hub HubConfig
	// Cluster, when set, shares rooms with the other nodes through Redis:
	// each room lives on the node holding its lease, the others proxy
	// joins and send commands to it. Nil means every room is in this
	// process.
	Cluster *ClusterConfig
	// Logger receives errors. Default slog.Default().
	Logger *slog.Logger
	// NowFunc is the clock. Default time.Now.
	NowFunc func() time.Time
}

// Service is the rooms API: REST in three shapes and the signal socket.
type Service struct {
	cfg   Config
	hub   *Hub
	nodes *nodes // nil: this node alone
}

// New returns a Service; with [Config.Cluster] it first subscribes to
// this node's command topic (within the bus's start timeout). Close it
// when done.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Check == nil {
		return nil, errors.New("rooms: Config.Store and Config.Check are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	s := &Service{cfg: cfg}
	hc := cfg.Hub
	hc.Store = cfg.Store
	if hc.Logger == nil {
		hc.Logger = cfg.Logger
	}
	if hc.NowFunc == nil {
		hc.NowFunc = cfg.NowFunc
	}
	if hc.RefreshFunc == nil {
		hc.RefreshFunc = s.refresh
	}
	if cfg.Cluster != nil {
		n, err := newNodes(*cfg.Cluster, cfg.Logger)
		if err != nil {
			return nil, err
		}
		s.nodes = n
		hc.OnClose = n.closed
	}
	hub, err := NewHub(hc)
	if err != nil {
		return nil, err
	}
	s.hub = hub
	if s.nodes != nil {
		if err := s.nodes.start(context.Background(), s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Close stops sharing rooms with the other nodes and releases this node's
// leases, so that its rooms move at once. Call it after [Hub.Shutdown].
func (s *Service) Close() error {
	if s.nodes == nil {
		return nil
	}
	return s.nodes.close()
}

// Hub returns the service's live rooms.
func (s *Service) Hub() *Hub { return s.hub }

// joinProfiles are what the join routes let through the door: app and
// apikey join; management is let through only to be refused with a clear
// 403 TOKEN_PROFILE.
var joinProfiles = token.ProfileSet(token.App, token.APIKey, token.Management)

// joinToken copies ?access_token= (browsers cannot set headers on a
// WebSocket) into the Authorization header of a copy of r, and drops it
// from the URL so that no log line can carry it.
func joinToken(r *http.Request) (*http.Request, error) {
	q := r.URL.Query()
	tok := q.Get("access_token")
	if tok == "" {
		return r, nil
	}
	if len(q["access_token"]) > 1 {
		return nil, &token.Error{Code: token.CodeConflict, Reason: "access_token given twice"}
	}
	q.Del("access_token")
	r.URL.RawQuery = q.Encode()
	if h := r.Header.Get("Authorization"); h != "" && h != "Bearer "+tok && h != tok {
		return nil, &token.Error{Code: token.CodeConflict, Reason: "the Authorization header and access_token differ"}
	}
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+tok)
	return r2, nil
}

// Check runs every join check of r (token, room, role, ban, capacity)
// and returns what the join may do. It answers nothing.
func (s *Service) Check(r *http.Request, apiID string) (*Grant, error) {
	if tok := r.URL.Query().Get("resume"); tok != "" {
		return s.checkResume(r.Context(), tok)
	}
	r, err := joinToken(r)
	if err != nil {
		return nil, err
	}
	id, err := s.cfg.Check(r, auth.Route{APIID: apiID, Profiles: joinProfiles})
	if err != nil {
		if token.CodeOf(err) == token.CodeProfile {
			return nil, ErrTokenProfile
		}
		return nil, err
	}
	q := r.URL.Query()
	return s.grant(r.Context(), id, q.Get("room"), q.Get("participant"))
}

// grant turns a verified identity into a join grant: the room, the role
// and its capabilities, the lobby, and the ban and capacity checks.
func (s *Service) grant(ctx context.Context, id *auth.Identity, roomParam, participantParam string) (*Grant, error) {
	if id.Profile != token.App && id.Profile != token.APIKey {
		return nil, ErrTokenProfile
	}
	g := &Grant{CredentialID: id.CredentialID, Key: id.Key, JTI: id.JTI, Expires: id.ExpiresAt, Identity: id.UserID}
	ref := id.RoomID
	switch {
	case ref == "" && roomParam == "":
		return nil, ErrNoRoom
	case ref == "":
		ref = roomParam
	case roomParam != "" && roomParam != ref:
		return nil, ErrRoomMismatch
	}
	room, err := s.cfg.Store.Room(ctx, id.AccountID, ref)
	if err != nil {
		return nil, err
	}
	if !room.Enabled {
		return nil, ErrRoomDisabled
	}
	g.Room = room
	switch id.Profile {
	case token.App:
		caps, ok := room.Template.Role(id.Role)
		if !ok {
			return nil, ErrRoleUnknown
		}
		g.Role, g.Caps = id.Role, caps
	case token.APIKey:
		if len(id.Roles) > 0 && !slices.Contains(id.Roles, "rtc") {
			return nil, ErrNoJoin
		}
		switch {
		case slices.Contains(id.Permissions, "allow_mod"):
			g.Role, g.Caps = "moderator", CloneCapabilities(ModeratorCapabilities)
		case slices.Contains(id.Permissions, "allow_join"):
			g.Role, g.Caps = "guest", CloneCapabilities(GuestCapabilities)
		case slices.Contains(id.Permissions, "ask_join"):
			g.Role, g.Caps, g.Lobby = "guest", CloneCapabilities(GuestCapabilities), true
		default:
			return nil, ErrNoJoin
		}
		if g.Identity == "" {
			g.Identity = participantParam
		}
		if g.Identity == "" {
			// A token that binds no participant: this socket is its own.
			g.Identity = "anonymous-" + NewID()
		}
	}
	if err := CheckText("identity", g.Identity, MaxNameLen); err != nil || g.Identity == "" {
		return nil, Errorf(CodeInvalid, "the participant id is not acceptable")
	}
	return g, s.admissible(ctx, g)
}

// admissible checks the ban and the capacity of g's join.
func (s *Service) admissible(ctx context.Context, g *Grant) error {
	banned, err := s.cfg.Store.Banned(ctx, g.Room.ID, g.Identity, s.cfg.NowFunc())
	if err != nil {
		return err
	}
	if banned {
		return ErrBanned
	}
	if s.hub.Full(g) {
		return ErrRoomFull
	}
	return nil
}

// checkResume turns a resume token into a grant: no JWT is needed, so an
// expired one never blocks a reconnect; a removed (banned) identity, a
// disabled or deleted room, and a forged or stale resume token are
// refused.
func (s *Service) checkResume(ctx context.Context, tok string) (*Grant, error) {
	c, err := s.hub.resume.parse(tok, s.cfg.NowFunc())
	if err != nil {
		return nil, err
	}
	room, err := s.cfg.Store.Room(ctx, c.Account, c.Room)
	if err != nil {
		return nil, err
	}
	if !room.Enabled {
		return nil, ErrRoomDisabled
	}
	g := &Grant{Room: room, Identity: c.Identity, Role: c.Role, Caps: c.Caps, CredentialID: c.Credential,
		Key: c.Key, JTI: c.JTI, PeerID: c.Peer}
	if c.TokenExp != 0 {
		g.Expires = time.Unix(c.TokenExp, 0)
	}
	if room.Vendor != VendorVideoSDK {
		if caps, ok := room.Template.Role(c.Role); ok {
			g.Caps = caps
		}
	}
	if err := s.admissible(ctx, g); err != nil {
		if errors.Is(err, ErrBanned) {
			return nil, ErrResume
		}
		return nil, err
	}
	return g, nil
}

// refresh is the hub's RefreshFunc: the new token must pass the door and
// name the same room and identity.
func (s *Service) refresh(ctx context.Context, raw string, cur *Grant) (*Grant, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, "/rtc", nil)
	if err != nil {
		return nil, err
	}
	r.Header.Set("Authorization", "Bearer "+raw)
	id, err := s.cfg.Check(r, auth.Route{APIID: APIJoin, Profiles: joinProfiles})
	if err != nil {
		return nil, err
	}
	if id.Profile != token.App && id.Profile != token.APIKey {
		return nil, ErrTokenProfile
	}
	if id.AccountID != cur.Room.AccountID || (id.RoomID != "" && id.RoomID != cur.Room.ID && id.RoomID != cur.Room.CustomRoomID) ||
		(id.UserID != "" && id.UserID != cur.Identity) {
		return nil, ErrRoomMismatch
	}
	return &Grant{Key: id.Key, JTI: id.JTI, Expires: id.ExpiresAt}, nil
}

// handleValidate answers the join checks over plain HTTP.
//
//	GET /rtc/validate
func (s *Service) handleValidate(w http.ResponseWriter, r *http.Request) {
	r = r.WithContext(envelope.NewContext(r.Context(), &envelope.Meta{ID: APIValidate, Logger: s.cfg.Logger}))
	r, err := joinToken(r)
	if err != nil {
		envelope.Error(w, r, err)
		return
	}
	g, err := s.Check(r, APIValidate)
	if err != nil {
		envelope.Error(w, r, err)
		return
	}
	if s.nodes != nil {
		// The room's owner decides capacity: ask it, when it is not here.
		o, err := s.nodes.holder(r.Context(), g.Room.ID)
		if err != nil {
			envelope.Error(w, r, err)
			return
		}
		if o != nil && !o.self {
			s.nodes.proxyTo(w, r, g.Room.ID, o)
			return
		}
	}
	envelope.Write(w, r, http.StatusOK, "", map[string]any{
		"room":  map[string]any{"id": g.Room.ID, "name": g.Room.Name},
		"peer":  map[string]any{"user_id": g.Identity, "role": g.Role, "capabilities": g.Caps, "lobby": g.Lobby},
		"valid": true,
	})
}

// handleJoin runs every check, reserves a place, then upgrades.
//
//	GET /rtc
func (s *Service) handleJoin(w http.ResponseWriter, r *http.Request) {
	r = r.WithContext(envelope.NewContext(r.Context(), &envelope.Meta{ID: APIJoin, Logger: s.cfg.Logger}))
	// The token moves to the header here, so that a proxied join carries
	// it there and never in a URL.
	r, err := joinToken(r)
	if err != nil {
		envelope.Error(w, r, err)
		return
	}
	g, err := s.Check(r, APIJoin)
	if err != nil {
		envelope.Error(w, r, err)
		return
	}
	if s.nodes != nil {
		o, err := s.nodes.claim(r.Context(), g.Room.ID)
		if err != nil {
			envelope.Error(w, r, err)
			return
		}
		if !o.self {
			s.nodes.proxyTo(w, r, g.Room.ID, o)
			return
		}
		// Reserve makes the room live here before the claim ends, so the
		// lease is kept; a refused join lets it go.
		defer s.nodes.done(g.Room.ID)
	}
	res, err := s.hub.Reserve(g)
	if err != nil {
		envelope.Error(w, r, err)
		return
	}
	defer res.Cancel()
	// The token, not the page's origin, is what admits a socket: any
	// origin may connect.
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	c.SetReadLimit(MaxFrame)
	// The socket outlives the request's deadlines; the hub watches it.
	s.hub.Attach(context.WithoutCancel(r.Context()), res, wsConn{c})
}

// wsConn adapts a WebSocket to [Conn].
type wsConn struct{ c *websocket.Conn }

func (w wsConn) Read(ctx context.Context) ([]byte, bool, error) {
	typ, b, err := w.c.Read(ctx)
	return b, typ == websocket.MessageBinary, err
}

func (w wsConn) Write(ctx context.Context, b []byte) error {
	return w.c.Write(ctx, websocket.MessageText, b)
}

func (w wsConn) Ping(ctx context.Context) error { return w.c.Ping(ctx) }

func (w wsConn) Close(code int, reason string) error {
	return w.c.Close(websocket.StatusCode(code), reason)
}

func (w wsConn) CloseNow() error { return w.c.CloseNow() }
