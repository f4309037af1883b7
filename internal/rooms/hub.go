package rooms

import (
	"context"
	"errors"
	"fmt"
	"github.com/keyward/keyward/internal/rooms/sfu"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of [HubConfig].
const (
	DefaultLobbyTimeout = 60 * time.Second
	DefaultPingInterval = 10 * time.Second
	DefaultPingTimeout  = 20 * time.Second
	DefaultResumeTTL    = 60 * time.Second
	DefaultMessageRate  = 50
	DefaultMessageBurst = 100
	// DefaultSendQueue is how many frames may wait for a slow peer before
	// it is dropped.
	DefaultSendQueue = 512
	// DefaultBanWithoutExp is how long a removed identity stays banned when
	// its token has no exp.
	DefaultBanWithoutExp = 24 * time.Hour
)

// HubConfig configures [NewHub].
type HubConfig struct {
	// Store records sessions, peers and bans. Required.
	Store Store
	// RevokeFunc revokes a removed peer's token (credential key and jti)
	// until until on every node. Nil means tokens are not revoked (bans
	// still hold).
	RevokeFunc func(ctx context.Context, key, jti string, until time.Time) error
	// Media is the media layer (issue 16). Nil means signal only: media
	// messages get error{MEDIA_UNAVAILABLE}.
	Media Media
	// RefreshFunc checks the token of a refresh message against the
	// peer's grant (same room, same identity) and returns the new grant.
	// Nil means refresh is refused.
	RefreshFunc func(ctx context.Context, raw string, current *Grant) (*Grant, error)
	// ResumeKey signs resume tokens (32 bytes or more). Required.
	ResumeKey []byte
	// ResumeTTL is how long a resume token works. Default 60 s.
	ResumeTTL time.Duration
	// Leeway is added to a removed token's exp to make its ban (the door's
	// leeway; zero means none).
	Leeway time.Duration
	// LobbyTimeout is how long ask_join waits for a moderator. Default 60 s.
	LobbyTimeout time.Duration
	// PingInterval is how often the server pings each socket; PingTimeout
	// is how long a socket may stay silent (no pong, no frame) before it is
	// dropped with reason TIMEOUT. Defaults 10 s and 20 s.
	PingInterval, PingTimeout time.Duration
	// MessageRate and MessageBurst bound each peer's frames per second;
	// beyond them frames are dropped with error{RATE_LIMITED}. Defaults 50
	// and 100.
	MessageRate, MessageBurst int
	// SendQueue is the per-peer queue of outgoing frames. Default 512.
	SendQueue int
	// OnClose, when set, is told (in a goroutine of its own) that a room
	// has left the hub: nobody is in it or on the way any more.
	OnClose func(roomID string)
	// Logger receives errors. Default slog.Default().
	Logger *slog.Logger
	// NowFunc is the clock. Default time.Now.
	NowFunc func() time.Time
}

func (c *HubConfig) setDefaults() {
	if c.ResumeTTL == 0 {
		c.ResumeTTL = DefaultResumeTTL
	}
	if c.LobbyTimeout == 0 {
		c.LobbyTimeout = DefaultLobbyTimeout
	}
	if c.PingInterval == 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.PingTimeout == 0 {
		c.PingTimeout = DefaultPingTimeout
	}
	if c.MessageRate == 0 {
		c.MessageRate = DefaultMessageRate
	}
	if c.MessageBurst == 0 {
		c.MessageBurst = DefaultMessageBurst
	}
	if c.SendQueue == 0 {
		c.SendQueue = DefaultSendQueue
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.NowFunc == nil {
		c.NowFunc = time.Now
	}
}

// Hub holds the live rooms of this node: their sessions, peers and lobby.
// It is safe for concurrent use.
type Hub struct {
	cfg    HubConfig
	resume *resumer

	mu    sync.Mutex
	rooms map[string]*live
}

// NewHub returns a Hub.
func NewHub(cfg HubConfig) (*Hub, error) {
	cfg.setDefaults()
	if cfg.Store == nil {
		return nil, errors.New("rooms: HubConfig.Store is required")
	}
	if len(cfg.ResumeKey) < 32 {
		return nil, errors.New("rooms: HubConfig.ResumeKey must be at least 32 bytes")
	}
	if cfg.PingTimeout < cfg.PingInterval {
		return nil, errors.New("rooms: HubConfig.PingTimeout must not be shorter than PingInterval")
	}
	return &Hub{cfg: cfg, resume: &resumer{key: cfg.ResumeKey, ttl: cfg.ResumeTTL}, rooms: map[string]*live{}}, nil
}

// live is a room with a session on this node.
type live struct {
	mu       sync.Mutex
	room     *Room
	session  *Session
	peers    map[string]*Peer // joined, by peer id
	ident    map[string]*Peer // joined, by identity
	waiting  map[string]*Peer // in the lobby, by peer id
	reserved int              // slots taken by joins not yet attached
	closed   bool             // removed from the hub: make a new one
}

// Grant is what the join checks allow: who joins which room as what. It
// is made before the upgrade ([Service.Check]) and spent by [Hub.Reserve].
type Grant struct {
	Room         *Room
	Identity     string
	Role         string
	Caps         Capabilities
	Lobby        bool
	CredentialID int64
	Key, JTI     string
	Expires      time.Time
	// PeerID is set when resuming: the peer keeps its id.
	PeerID string
}

// banUntil is when a removal of g's identity ends: the token's exp plus
// leeway, or a day for a token without exp — and never before every
// resume token the peer was given is stale, so that a peer whose token
// expired during the session (it may stay) cannot resume or rejoin at
// once.
func (h *Hub) banUntil(g *Grant) time.Time {
	now := h.cfg.NowFunc()
	if g.Expires.IsZero() {
		return now.Add(DefaultBanWithoutExp)
	}
	until := g.Expires.Add(h.cfg.Leeway)
	if stale := now.Add(h.cfg.ResumeTTL); until.Before(stale) {
		return stale
	}
	return until
}

// Peer is one socket in a room.
type Peer struct {
	ID       string
	grant    Grant
	joinedAt time.Time

	mu    sync.Mutex
	muted map[string]bool

	out      chan []byte
	kicked   chan struct{}
	kickOnce sync.Once
	code     int
	reason   string
	canRe    bool

	// decided carries the moderator's answer to a peer in the lobby.
	decided chan bool
	// joined is set once the peer is in the room (not in the lobby).
	joined atomic.Bool

	bucket bucket
	// lastErr limits error{RATE_LIMITED} frames to one a second.
	lastErr time.Time

	// mediaPeer is the peer's media connection, when the hub has a media
	// layer.
	mediaPeer atomic.Pointer[sfu.Peer]
}

// Identity returns the peer's user_id or participantId.
func (p *Peer) Identity() string { return p.grant.Identity }

// Role returns the peer's role.
func (p *Peer) Role() string { return p.grant.Role }

// Capabilities returns what the peer may do.
func (p *Peer) Capabilities() Capabilities { return p.grant.Caps }

func (p *Peer) info() PeerInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PeerInfo{PeerID: p.ID, UserID: p.grant.Identity, Role: p.grant.Role, JoinedAt: p.joinedAt.UnixMilli(), Muted: maps.Clone(p.muted)}
}

// send queues a frame; a peer whose queue is full is dropped.
func (p *Peer) send(b []byte) {
	select {
	case p.out <- b:
	default:
		p.kick(1008, ReasonSlow, true)
	}
}

// Send queues a frame for the peer (for the media layer).
func (p *Peer) Send(b []byte) { p.send(b) }

// kick makes the peer's writer send leave{reason} and close with code.
func (p *Peer) kick(code int, reason string, canReconnect bool) {
	p.kickOnce.Do(func() {
		p.code, p.reason, p.canRe = code, reason, canReconnect
		close(p.kicked)
	})
}

// kickedReason returns the reason of a kick, or "" if none.
func (p *Peer) kickedReason() string {
	select {
	case <-p.kicked:
		return p.reason
	default:
		return ""
	}
}

// Reservation is a slot held for a join between the checks and the
// socket's attach; Cancel gives it back.
type Reservation struct {
	h    *Hub
	l    *live
	g    Grant
	once sync.Once
	held bool
}

// Cancel releases the slot if it was not attached.
func (r *Reservation) Cancel() {
	r.once.Do(func() {
		if r.held {
			r.l.mu.Lock()
			r.l.reserved--
			r.h.maybeClose(r.l)
			r.l.mu.Unlock()
		}
	})
}

// liveRoom returns the live room of r, making it if needed.
func (h *Hub) liveRoom(r *Room) *live {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.rooms[r.ID]
	if l == nil {
		l = &live{room: r, peers: map[string]*Peer{}, ident: map[string]*Peer{}, waiting: map[string]*Peer{}}
		h.rooms[r.ID] = l
	}
	return l
}

// lookup returns the live room of id, or nil.
func (h *Hub) lookup(id string) *live {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rooms[id]
}

// maybeClose drops l from the hub when nobody is in it or on the way;
// l.mu is held.
func (h *Hub) maybeClose(l *live) {
	if l.closed || len(l.peers) > 0 || len(l.waiting) > 0 || l.reserved > 0 {
		return
	}
	l.closed = true
	if l.session != nil {
		if err := h.cfg.Store.EndSession(context.Background(), l.session.ID, "empty", h.cfg.NowFunc()); err != nil && !errors.Is(err, ErrNotActive) {
			h.cfg.Logger.Error("rooms: end session", "room", l.room.ID, "session", l.session.ID, "err", err)
		}
		l.session = nil
	}
	h.mu.Lock()
	if h.rooms[l.room.ID] == l {
		delete(h.rooms, l.room.ID)
	}
	h.mu.Unlock()
	if h.cfg.OnClose != nil {
		go h.cfg.OnClose(l.room.ID)
	}
}

// Occupancy returns how many peers are in, or on their way into, room id
// on this node.
func (h *Hub) Occupancy(id string) int {
	l := h.lookup(id)
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.peers) + l.reserved
}

// Full reports whether g's join would be refused for capacity now: the
// room holds max_peers and g's identity is not already in it.
func (h *Hub) Full(g *Grant) bool {
	if g.Lobby {
		return false
	}
	l := h.lookup(g.Room.ID)
	if l == nil {
		return g.Room.MaxPeers < 1
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.full(g)
}

func (l *live) full(g *Grant) bool {
	if _, again := l.ident[g.Identity]; again {
		return false
	}
	return len(l.peers)+l.reserved >= l.room.MaxPeers
}

// Reserve takes a slot for g, or fails with [ErrRoomFull]. Lobby joins take
// their slot when admitted.
func (h *Hub) Reserve(g *Grant) (*Reservation, error) {
	for {
		l := h.liveRoom(g.Room)
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			continue
		}
		// The newest settings win (max_peers may have changed).
		l.room = g.Room
		res := &Reservation{h: h, l: l, g: *g}
		if !g.Lobby {
			if l.full(g) {
				h.maybeClose(l)
				l.mu.Unlock()
				return nil, ErrRoomFull
			}
			l.reserved++
			res.held = true
		}
		l.mu.Unlock()
		return res, nil
	}
}

// Attach runs the peer of res on conn until the socket closes.
func (h *Hub) Attach(ctx context.Context, res *Reservation, conn Conn) {
	defer res.Cancel()
	g := res.g
	p := &Peer{
		ID: g.PeerID, grant: g, muted: map[string]bool{},
		out: make(chan []byte, h.cfg.SendQueue), kicked: make(chan struct{}), decided: make(chan bool, 1),
		bucket: bucket{rate: float64(h.cfg.MessageRate), burst: float64(h.cfg.MessageBurst)},
	}
	if p.ID == "" {
		p.ID = NewID()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { h.writer(ctx, p, conn) })
	wg.Go(func() { h.pinger(ctx, p, conn) })
	if g.Lobby {
		wg.Go(func() { h.wait(ctx, res, p) })
	} else if !h.join(ctx, res, p) {
		p.kick(1011, ReasonGone, true)
	}
	h.read(ctx, res.l, p, conn)
	h.leave(res.l, p)
	cancel()
	wg.Wait()
	conn.CloseNow()
}

// join adds p to its room, starting the session if needed, and sends
// joined. A duplicate identity replaces the older peer.
func (h *Hub) join(ctx context.Context, res *Reservation, p *Peer) bool {
	l := res.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if res.held {
		res.once.Do(func() { l.reserved-- })
	} else if l.full(&p.grant) {
		return false
	}
	if l.closed {
		p.kick(CloseEnded, ReasonEnded, false)
		return false
	}
	now := h.cfg.NowFunc()
	if l.session == nil {
		ss, err := h.cfg.Store.StartSession(ctx, l.room.ID, now)
		if err != nil {
			h.cfg.Logger.Error("rooms: start session", "room", l.room.ID, "err", err)
			p.send(errorFrame(SignalInternal, "the session could not be started"))
			h.maybeClose(l)
			return false
		}
		l.session = ss
	}
	if old := l.ident[p.grant.Identity]; old != nil {
		h.detach(l, old, CloseDuplicate, ReasonDuplicate, false)
	}
	p.joinedAt = now
	if err := h.cfg.Store.PeerJoined(ctx, &PeerRecord{SessionID: l.session.ID, PeerID: p.ID, Identity: p.grant.Identity,
		Role: p.grant.Role, CredentialID: p.grant.CredentialID, JoinedAt: now}); err != nil {
		h.cfg.Logger.Error("rooms: record join", "room", l.room.ID, "err", err)
		p.send(errorFrame(SignalInternal, "the join could not be recorded"))
		h.maybeClose(l)
		return false
	}
	l.peers[p.ID] = p
	l.ident[p.grant.Identity] = p
	p.joined.Store(true)
	peers := make([]PeerInfo, 0, len(l.peers))
	for _, q := range l.sorted() {
		if q != p && !q.grant.Caps.Hidden {
			peers = append(peers, q.info())
		}
	}
	fields := map[string]any{
		"room":         map[string]any{"id": l.room.ID, "name": l.room.Name, "session_id": l.session.ID},
		"self":         map[string]any{"peer_id": p.ID, "user_id": p.grant.Identity, "role": p.grant.Role, "capabilities": p.grant.Caps},
		"peers":        peers,
		"waiting":      []PeerInfo{},
		"resume_token": h.resume.make(p, h.cfg.NowFunc()),
	}
	if p.grant.Caps.Admit {
		w := make([]PeerInfo, 0, len(l.waiting))
		for _, q := range l.waiting {
			w = append(w, q.info())
		}
		fields["waiting"] = w
	}
	p.send(frame(TypeJoined, fields))
	if !p.grant.Caps.Hidden {
		h.broadcast(l, p, frame(TypePeerJoined, map[string]any{"peer": p.info()}))
	}
	if h.cfg.Media != nil {
		h.cfg.Media.PeerJoined(l.room.ID, p)
	}
	return true
}

// sorted returns the room's peers in join order; l.mu is held.
func (l *live) sorted() []*Peer {
	out := slices.Collect(maps.Values(l.peers))
	slices.SortFunc(out, func(a, b *Peer) int { return a.joinedAt.Compare(b.joinedAt) })
	return out
}

// broadcast sends b to every peer of l but except; l.mu is held.
func (h *Hub) broadcast(l *live, except *Peer, b []byte) {
	for _, q := range l.peers {
		if q != except {
			q.send(b)
		}
	}
}

// detach removes p from l, tells the others and records it, then kicks
// p's socket with code; l.mu is held.
func (h *Hub) detach(l *live, p *Peer, code int, reason string, canReconnect bool) {
	if l.peers[p.ID] != p {
		p.kick(code, reason, canReconnect)
		return
	}
	delete(l.peers, p.ID)
	if l.ident[p.grant.Identity] == p {
		delete(l.ident, p.grant.Identity)
	}
	if !p.grant.Caps.Hidden {
		h.broadcast(l, p, frame(TypePeerLeft, map[string]any{"peer_id": p.ID, "user_id": p.grant.Identity, "reason": reason}))
	}
	if h.cfg.Media != nil {
		h.cfg.Media.PeerLeft(l.room.ID, p)
	}
	if l.session != nil {
		if err := h.cfg.Store.PeerLeft(context.Background(), l.session.ID, p.ID, reason, h.cfg.NowFunc()); err != nil {
			h.cfg.Logger.Error("rooms: record leave", "room", l.room.ID, "err", err)
		}
	}
	p.kick(code, reason, canReconnect)
}

// leave handles the end of p's socket.
func (h *Hub) leave(l *live, p *Peer) {
	reason := p.kickedReason()
	if reason == "" {
		reason = ReasonGone
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waiting[p.ID] == p {
		delete(l.waiting, p.ID)
	}
	h.detach(l, p, 1000, reason, false)
	h.maybeClose(l)
}

// wait keeps p in the lobby until a moderator answers, the timeout, or
// the socket's end.
func (h *Hub) wait(ctx context.Context, res *Reservation, p *Peer) {
	l := res.l
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		p.kick(CloseEnded, ReasonEnded, false)
		return
	}
	l.waiting[p.ID] = p
	p.send(frame(TypeWaiting, map[string]any{"peer_id": p.ID, "timeout_ms": h.cfg.LobbyTimeout.Milliseconds()}))
	req := frame(TypeEntryRequested, map[string]any{"peer": p.info()})
	for _, q := range l.peers {
		if q.grant.Caps.Admit {
			q.send(req)
		}
	}
	l.mu.Unlock()

	timer := time.NewTimer(h.cfg.LobbyTimeout)
	defer timer.Stop()
	var allowed, timedOut bool
	select {
	case allowed = <-p.decided:
	case <-timer.C:
		timedOut = true
	case <-p.kicked:
		h.abandon(res, p)
		return
	case <-ctx.Done():
		h.abandon(res, p)
		return
	}
	l.mu.Lock()
	if l.waiting[p.ID] == p {
		delete(l.waiting, p.ID)
	} else if timedOut {
		// A decision raced the timer: it wins.
		select {
		case allowed = <-p.decided:
			timedOut = false
		default:
		}
	}
	// An admission took a place (Admit): the reservation owns it now.
	res.held = res.held || allowed
	l.mu.Unlock()
	switch {
	case timedOut:
		h.respond(l, p, "timeout", "")
		p.kick(CloseDenied, ReasonLobbyTime, false)
	case !allowed:
		p.kick(CloseDenied, ReasonDenied, false)
	case !h.join(ctx, res, p):
		p.kick(1011, ReasonGone, true)
	}
}

// abandon takes p, whose socket is ending, out of the lobby; a place an
// admission took for it goes to its reservation, which gives it back.
func (h *Hub) abandon(res *Reservation, p *Peer) {
	l := res.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waiting[p.ID] == p {
		delete(l.waiting, p.ID)
	}
	select {
	case allowed := <-p.decided:
		res.held = res.held || allowed
	default:
	}
}

// respond tells the moderators how an entry request ended.
func (h *Hub) respond(l *live, p *Peer, decision, by string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := frame(TypeEntryResponded, map[string]any{"peer_id": p.ID, "user_id": p.grant.Identity, "decision": decision, "by": by})
	for _, q := range l.peers {
		if q.grant.Caps.Admit {
			q.send(b)
		}
	}
}

// Admit answers a lobby request of room id; by is the moderator's peer id
// ("" over REST).
func (h *Hub) Admit(roomID, peerID string, allow bool, by string) error {
	l := h.lookup(roomID)
	if l == nil {
		return ErrNotActive
	}
	l.mu.Lock()
	p := l.waiting[peerID]
	if p == nil {
		l.mu.Unlock()
		return ErrPeerNotFound
	}
	if allow {
		if l.full(&p.grant) {
			l.mu.Unlock()
			return ErrRoomFull
		}
		// The place is taken now, so that admissions and joins in flight
		// never promise more than max_peers; the peer's reservation owns
		// it from here (wait, abandon).
		l.reserved++
	}
	delete(l.waiting, peerID)
	select {
	case p.decided <- allow:
	default:
	}
	l.mu.Unlock()
	decision := "denied"
	if allow {
		decision = "allowed"
	}
	h.respond(l, p, decision, by)
	return nil
}

// Remove removes a peer (by id) or every peer of a role from room id: each
// is closed with 4001, its identity banned from the room until its
// token's exp plus leeway (at least the resume tokens' lifetime: see
// banUntil), and its jti revoked. It returns how many were removed.
func (h *Hub) Remove(ctx context.Context, roomID, peerID, role, reason string) (int, error) {
	l := h.lookup(roomID)
	if l == nil {
		return 0, ErrNotActive
	}
	l.mu.Lock()
	var targets []*Peer
	for _, p := range l.peers {
		if (peerID != "" && p.ID == peerID) || (peerID == "" && role != "" && p.grant.Role == role) {
			targets = append(targets, p)
		}
	}
	l.mu.Unlock()
	if len(targets) == 0 {
		return 0, ErrPeerNotFound
	}
	if reason == "" {
		reason = ReasonRemoved
	}
	for _, p := range targets {
		until := h.banUntil(&p.grant)
		// The ban and the revocation come first: once the socket is
		// closed, the client may try again at once.
		if err := h.cfg.Store.AddBan(ctx, &Ban{RoomID: roomID, Identity: p.grant.Identity, Until: until, Reason: reason}); err != nil {
			return 0, fmt.Errorf("rooms: remove: ban: %w", err)
		}
		if h.cfg.RevokeFunc != nil && p.grant.JTI != "" {
			if err := h.cfg.RevokeFunc(ctx, p.grant.Key, p.grant.JTI, until); err != nil {
				return 0, fmt.Errorf("rooms: remove: revoke: %w", err)
			}
		}
		l.mu.Lock()
		h.detach(l, p, CloseRemoved, ReasonRemoved, false)
		h.maybeClose(l)
		l.mu.Unlock()
	}
	return len(targets), nil
}

// MutePeer asks a peer to mute kind ("audio", "video" or "screen").
func (h *Hub) MutePeer(roomID, peerID, kind, by string) error {
	if !knownKind(kind) {
		return Errorf(CodeInvalid, "kind must be audio, video or screen")
	}
	l := h.lookup(roomID)
	if l == nil {
		return ErrNotActive
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.peers[peerID]
	if p == nil {
		return ErrPeerNotFound
	}
	h.setMuted(l, p, kind, true, by)
	return nil
}

// setMuted records and announces a mute; l.mu is held.
func (h *Hub) setMuted(l *live, p *Peer, kind string, muted bool, by string) {
	p.mu.Lock()
	p.muted[kind] = muted
	p.mu.Unlock()
	if h.cfg.Media != nil {
		h.cfg.Media.Muted(l.room.ID, p, kind, muted)
	}
	b := frame(TypeMuted, map[string]any{"peer_id": p.ID, "kind": kind, "muted": muted, "by": by})
	for _, q := range l.peers {
		q.send(b)
	}
}

// End ends room id's session: every peer is closed with 4002; with lock
// the room is also disabled so that nobody joins again.
func (h *Hub) End(ctx context.Context, room *Room, reason string, lock bool) error {
	if lock {
		off := false
		if _, err := h.cfg.Store.UpdateRoom(ctx, &UpdateRoomParams{AccountID: room.AccountID, Ref: room.ID, Enabled: &off, Now: h.cfg.NowFunc()}); err != nil {
			return fmt.Errorf("rooms: end: lock: %w", err)
		}
	}
	l := h.lookup(room.ID)
	if l == nil {
		if lock {
			return nil
		}
		return ErrNotActive
	}
	if reason == "" {
		reason = ReasonEnded
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// The session ends in the store before any socket hears of it.
	if l.session != nil {
		if err := h.cfg.Store.EndSession(ctx, l.session.ID, reason, h.cfg.NowFunc()); err != nil && !errors.Is(err, ErrNotActive) {
			return fmt.Errorf("rooms: end session: %w", err)
		}
		l.session = nil
	}
	for _, p := range l.waiting {
		delete(l.waiting, p.ID)
		p.kick(CloseEnded, ReasonEnded, false)
	}
	for _, p := range l.sorted() {
		h.detach(l, p, CloseEnded, ReasonEnded, false)
	}
	h.maybeClose(l)
	return nil
}

// Send delivers a room message from (a peer id, or "" for the server) to
// everyone, a role or a peer. It returns how many peers got it.
func (h *Hub) Send(roomID, from string, to *Target, message []byte) (int, error) {
	l := h.lookup(roomID)
	if l == nil {
		return 0, ErrNotActive
	}
	fields := map[string]any{"from": from, "message": rawJSON(message)}
	if to != nil && (to.PeerID != "" || to.Role != "") {
		fields["to"] = to
	}
	b := frame(TypeMessage, fields)
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, q := range l.peers {
		switch {
		case q.ID == from:
			continue
		case to != nil && to.PeerID != "" && q.ID != to.PeerID:
			continue
		case to != nil && to.PeerID == "" && to.Role != "" && q.grant.Role != to.Role:
			continue
		}
		q.send(b)
		n++
	}
	if to != nil && to.PeerID != "" && n == 0 {
		return 0, ErrPeerNotFound
	}
	return n, nil
}

// ActiveRoom is a room's live state on this node.
type ActiveRoom struct {
	Room    *Room
	Session *Session
	Peers   []PeerInfo
	Waiting []PeerInfo
}

// Active returns room id's live state, or [ErrNotActive].
func (h *Hub) Active(roomID string) (*ActiveRoom, error) {
	l := h.lookup(roomID)
	if l == nil {
		return nil, ErrNotActive
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.session == nil {
		return nil, ErrNotActive
	}
	ss := *l.session
	a := &ActiveRoom{Room: l.room, Session: &ss, Peers: []PeerInfo{}, Waiting: []PeerInfo{}}
	for _, p := range l.sorted() {
		a.Peers = append(a.Peers, p.info())
	}
	for _, p := range l.waiting {
		a.Waiting = append(a.Waiting, p.info())
	}
	return a, nil
}

// Shutdown closes every socket with 1001 (going away, may reconnect).
func (h *Hub) Shutdown() {
	h.mu.Lock()
	all := slices.Collect(maps.Values(h.rooms))
	h.mu.Unlock()
	for _, l := range all {
		l.kickAll(1001, ReasonShutdown)
	}
}

// evict sends every socket of room id to reconnect (1012, reason
// ROOM_MOVED): another node holds the room now.
func (h *Hub) evict(id string) {
	if l := h.lookup(id); l != nil {
		l.kickAll(CloseMoved, ReasonMoved)
	}
}

// kickAll closes every socket of l with code, telling each it may
// reconnect.
func (l *live) kickAll(code int, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.peers {
		p.kick(code, reason, true)
	}
	for _, p := range l.waiting {
		p.kick(code, reason, true)
	}
}

type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}
