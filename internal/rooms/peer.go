package rooms

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Conn is a signal socket as the hub uses it; rtc.go adapts a WebSocket.
type Conn interface {
	// Read returns the next text frame; binary reports a binary frame.
	Read(ctx context.Context) (b []byte, binary bool, err error)
	// Write sends a text frame.
	Write(ctx context.Context, b []byte) error
	// Ping sends a ping and waits for its pong.
	Ping(ctx context.Context) error
	// Close closes with a close code and reason, waiting briefly for the
	// other side's close.
	Close(code int, reason string) error
	// CloseNow closes at once.
	CloseNow() error
}

// Media is the seam for the media layer ([SFUMedia]). The hub tells it who
// joins and leaves and who is muted, and hands it the media messages
// (answer, candidate, publish); it answers peers with [Peer.Send] (offer,
// candidate, track_published, track_unpublished).
type Media interface {
	// PeerJoined is called once a peer is in the room.
	PeerJoined(roomID string, p *Peer)
	// PeerLeft is called when a peer has left.
	PeerLeft(roomID string, p *Peer)
	// Muted is called when p mutes or unmutes kind ("audio", "video",
	// "screen"), itself or by a moderator.
	Muted(roomID string, p *Peer, kind string, muted bool)
	// Signal handles a media message of p; an error is sent to p as
	// error{code: MEDIA_UNAVAILABLE}.
	Signal(ctx context.Context, roomID string, p *Peer, in *Inbound) error
}

// writer sends p's queued frames; once p is kicked it flushes the queue,
// sends leave{reason, can_reconnect} and closes with the kick's code.
func (h *Hub) writer(ctx context.Context, p *Peer, conn Conn) {
	write := func(b []byte) bool {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return conn.Write(wctx, b) == nil
	}
	for {
		select {
		case b := <-p.out:
			if !write(b) {
				p.kick(1001, ReasonGone, true)
				conn.CloseNow()
				return
			}
		case <-p.kicked:
			for flushed := false; !flushed; {
				select {
				case b := <-p.out:
					if !write(b) {
						conn.CloseNow()
						return
					}
				default:
					flushed = true
				}
			}
			if p.code != 1011 || p.reason != ReasonGone {
				write(frame(TypeLeaveNotice, map[string]any{"reason": p.reason, "can_reconnect": p.canRe}))
			}
			conn.Close(p.code, p.reason)
			return
		case <-ctx.Done():
			conn.CloseNow()
			return
		}
	}
}

// pinger pings p every PingInterval; a socket that does not answer within
// PingTimeout is dropped with reason TIMEOUT.
func (h *Hub) pinger(ctx context.Context, p *Peer, conn Conn) {
	t := time.NewTicker(h.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.kicked:
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, h.cfg.PingTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				p.kick(1001, ReasonTimeout, true)
				conn.CloseNow()
				return
			}
		}
	}
}

// read handles p's frames until the socket closes.
func (h *Hub) read(ctx context.Context, l *live, p *Peer, conn Conn) {
	for {
		b, binary, err := conn.Read(ctx)
		if err != nil {
			return
		}
		now := h.cfg.NowFunc()
		if !p.bucket.allow(now) {
			if now.Sub(p.lastErr) >= time.Second {
				p.lastErr = now
				p.send(errorFrame(SignalRateLimited, "too many messages; some were dropped"))
			}
			continue
		}
		if binary {
			p.send(errorFrame(SignalBadMessage, "send text frames (JSON)"))
			continue
		}
		in, err := ParseInbound(b)
		if err != nil {
			p.send(errorFrame(SignalBadMessage, err.Error()))
			continue
		}
		h.handle(ctx, l, p, in)
	}
}

// handle dispatches one client message.
func (h *Hub) handle(ctx context.Context, l *live, p *Peer, in *Inbound) {
	roomID := l.room.ID
	switch in.Type {
	case TypePing:
		fields := map[string]any{}
		if p.joined.Load() {
			fields["resume_token"] = h.resume.make(p, h.cfg.NowFunc())
		}
		p.send(frame(TypePong, fields))
		return
	case TypeLeave:
		p.kick(1000, ReasonLeft, false)
		return
	}
	if !p.joined.Load() {
		p.send(errorFrame(SignalForbidden, "waiting for a moderator to admit you"))
		return
	}
	caps := p.grant.Caps
	deny := func(what string) { p.send(errorFrame(SignalForbidden, "your role may not "+what)) }
	var err error
	switch in.Type {
	case TypeMessage:
		if !caps.Message {
			deny("send messages")
			return
		}
		if len(in.Message) == 0 {
			p.send(errorFrame(SignalBadMessage, `a message needs "message"`))
			return
		}
		_, err = h.Send(roomID, p.ID, in.To, in.Message)
	case TypeMute:
		if !knownKind(in.Kind) {
			p.send(errorFrame(SignalBadMessage, "kind must be audio, video or screen"))
			return
		}
		muted := in.Muted == nil || *in.Muted
		l.mu.Lock()
		h.setMuted(l, p, strings.ToLower(in.Kind), muted, p.ID)
		l.mu.Unlock()
	case TypeAdmit:
		if !caps.Admit {
			deny("admit peers")
			return
		}
		if in.Allow == nil || in.PeerID == "" {
			p.send(errorFrame(SignalBadMessage, `admit needs "peer_id" and "allow"`))
			return
		}
		err = h.Admit(roomID, in.PeerID, *in.Allow, p.ID)
	case TypeRemove:
		if !caps.Remove {
			deny("remove peers")
			return
		}
		if in.PeerID == "" {
			p.send(errorFrame(SignalBadMessage, `remove needs "peer_id"`))
			return
		}
		_, err = h.Remove(ctx, roomID, in.PeerID, "", in.Reason)
	case TypeMutePeer:
		if !caps.Mute {
			deny("mute others")
			return
		}
		err = h.MutePeer(roomID, in.PeerID, strings.ToLower(in.Kind), p.ID)
	case TypeEndRoom:
		if !caps.EndRoom {
			deny("end the room")
			return
		}
		err = h.End(ctx, l.room, in.Reason, in.Lock)
	case TypeRefresh:
		h.refresh(ctx, p, in.Token)
		return
	case TypeAnswer, TypeCandidate, TypePublish:
		if h.cfg.Media == nil {
			p.send(errorFrame(SignalMedia, "this server carries no media yet"))
			return
		}
		if err := h.cfg.Media.Signal(ctx, roomID, p, in); err != nil {
			p.send(errorFrame(SignalMedia, err.Error()))
		}
		return
	default:
		p.send(errorFrame(SignalUnknownType, "unknown message type"))
		return
	}
	if err != nil {
		code, msg := SignalInternal, "internal error"
		if e, ok := errors.AsType[*Error](err); ok {
			code, msg = e.Code, e.Message
		} else {
			h.cfg.Logger.Error("rooms: signal", "type", in.Type, "room", roomID, "err", err)
		}
		p.send(errorFrame(code, msg))
	}
}

// refresh replaces p's token with a newer one of the same identity and
// room; a token that is not valid closes the socket with 4401.
func (h *Hub) refresh(ctx context.Context, p *Peer, raw string) {
	if h.cfg.RefreshFunc == nil {
		p.send(errorFrame(SignalUnknownType, "refresh is not available"))
		return
	}
	g, err := h.cfg.RefreshFunc(ctx, raw, &p.grant)
	if err != nil {
		p.send(errorFrame(ReasonToken, "the new token is not valid"))
		p.kick(CloseToken, ReasonToken, false)
		return
	}
	p.mu.Lock()
	p.grant.JTI, p.grant.Expires, p.grant.Key = g.JTI, g.Expires, g.Key
	p.mu.Unlock()
	p.send(frame(TypePong, map[string]any{"refreshed": true, "resume_token": h.resume.make(p, h.cfg.NowFunc())}))
}

// bucket is a token bucket: rate frames a second, burst at once.
type bucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

func (b *bucket) allow(now time.Time) bool {
	if b.last.IsZero() {
		b.tokens = b.burst
	} else {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// resumer makes and checks resume tokens: what a peer needs to come back
// after its socket dropped, without its JWT, for ResumeTTL.
type resumer struct {
	key []byte
	ttl time.Duration
}

// resumeClaims is what a resume token carries.
type resumeClaims struct {
	Room       string       `json:"r"`
	Account    int64        `json:"a"`
	Peer       string       `json:"p"`
	Identity   string       `json:"u"`
	Role       string       `json:"o"`
	Credential int64        `json:"c"`
	Key        string       `json:"k"`
	JTI        string       `json:"j,omitempty"`
	TokenExp   int64        `json:"e,omitempty"`
	Caps       Capabilities `json:"cap"`
	Expires    int64        `json:"x"`
}

func (r *resumer) mac(payload string) string {
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte("keyward resume v1\x00"))
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// make returns a resume token for p valid for ttl from now.
func (r *resumer) make(p *Peer, now time.Time) string {
	p.mu.Lock()
	g := p.grant
	p.mu.Unlock()
	c := resumeClaims{Room: g.Room.ID, Account: g.Room.AccountID, Peer: p.ID, Identity: g.Identity, Role: g.Role,
		Credential: g.CredentialID, Key: g.Key, JTI: g.JTI, Caps: g.Caps, Expires: now.Add(r.ttl).UnixMilli()}
	if !g.Expires.IsZero() {
		c.TokenExp = g.Expires.Unix()
	}
	b, _ := json.Marshal(c)
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + r.mac(payload)
}

// parse checks a resume token's signature and time and returns its claims.
func (r *resumer) parse(tok string, now time.Time) (*resumeClaims, error) {
	payload, sig, ok := strings.Cut(tok, ".")
	if !ok || len(tok) > 4096 || !hmac.Equal([]byte(sig), []byte(r.mac(payload))) {
		return nil, ErrResume
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, ErrResume
	}
	var c resumeClaims
	if err := json.Unmarshal(b, &c); err != nil || now.UnixMilli() > c.Expires || !IsID(c.Room) || !IsID(c.Peer) {
		return nil, ErrResume
	}
	return &c, nil
}
