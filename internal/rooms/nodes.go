package rooms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/keyward/keyward/internal/bus"
	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/errcode"
)

// Many nodes (DESIGN §9): a room lives on one node at a time. A Redis
// lease (SET NX PX, renewed by its holder, released when the room's live
// session ends on it) names that node, its owner. The owner runs the
// room's hub state, its media and every capacity decision, so max_peers
// is exact however many nodes take joins. Another node proxies a join
// (GET /rtc, GET /rtc/validate) to the owner's advertised URL, and sends
// the live-room commands of the REST API, the CLI and the portal (active
// room, peers, remove, end, send, mute) to it over Redis pub/sub, where a
// command nobody receives is known at once (PUBLISH counts receivers).
//
// A node that dies loses its rooms' live sessions. Their peers reconnect
// (resume token or JWT) through any node. A join that finds the owner
// answering neither HTTP nor in Redis (no subscription: a dead process's
// connections close) drops its lease and is answered 503 UNAVAILABLE; the
// next join takes the lease and starts a new session. At worst (the dead
// node's Redis connection lingers) the lease expires after LeaseTTL.

// Defaults of [ClusterConfig].
const (
	// DefaultLeaseTTL is how long a room's lease outlives its owner's last
	// renewal; the owner renews every third of it. A dead owner's rooms
	// move after at most this long.
	DefaultLeaseTTL = 10 * time.Second
	// DefaultCallTimeout bounds a command's round trip to the owner.
	DefaultCallTimeout = 5 * time.Second
)

// HeaderForwarded marks a join another node proxied here; its value is
// that node's id. A node that receives one for a room it does not hold
// answers 503 instead of proxying again.
const HeaderForwarded = "X-Keyward-Room-Forwarded"

// ClusterConfig joins a [Service] to the other nodes of a deployment
// through Redis ([Config.Cluster]).
type ClusterConfig struct {
	// Client is the Redis shared by the nodes. Required.
	Client goredis.UniversalClient
	// Advertise is the base URL the other nodes reach this one at
	// (http://10.0.0.5:8080). Required.
	Advertise string
	// LeaseTTL is how long a room's lease lasts without renewal. Default
	// [DefaultLeaseTTL].
	LeaseTTL time.Duration
	// CallTimeout bounds a command sent to another node. Default
	// [DefaultCallTimeout].
	CallTimeout time.Duration
	// Prefix starts every Redis key and channel. Default "keyward:".
	Prefix string
}

// errOwnerGone answers a join or a command whose room is held by a node
// that does not answer (it died: its lease runs out within LeaseTTL).
var errOwnerGone = errcode.New(errcode.Unavailable,
	"the node that holds this room does not answer; its lease runs out within seconds, then the room moves: try again")

// errMoving answers a forwarded join that reached a node that does not
// hold the room (the lease moved meanwhile).
var errMoving = errcode.New(errcode.Unavailable, "the room is moving between nodes: try again")

// The Lua scripts of the lease: renew (or take back a lease that
// expired while Redis was unreachable; 0 when another node holds it) and
// release (only our own).
var (
	renewScript = goredis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end
return 0`)
	releaseScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)
)

// owner is a lease's holder: "NODEID URL" in Redis.
type owner struct {
	node, url string
	self      bool
}

// nodes is a Service's view of the other nodes.
type nodes struct {
	cfg   ClusterConfig
	id    string // this process's node id
	value string // this node's lease value
	svc   *Service
	log   *slog.Logger
	bus   *bus.Bus
	proxy *httputil.ReverseProxy

	mu    sync.Mutex
	held  map[string]int // rooms whose lease this node holds → joins under way
	calls map[string]chan wire

	stop    context.CancelFunc
	stopped chan struct{}
}

// wire is a command or its reply on a node's topic.
type wire struct {
	command
	Reply  bool            `json:"reply,omitempty"`
	Code   string          `json:"code,omitempty"`
	Error  string          `json:"error,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
}

// command is a live-room operation sent to the room's owner.
type command struct {
	ID      string          `json:"id"`
	From    string          `json:"from,omitempty"` // the sender's node id: where the reply goes
	Op      string          `json:"op,omitempty"`
	Room    string          `json:"room,omitempty"`
	Rooms   []string        `json:"rooms,omitempty"`
	PeerID  string          `json:"peer_id,omitempty"`
	Role    string          `json:"role,omitempty"`
	Reason  string          `json:"reason,omitempty"`
	Kind    string          `json:"kind,omitempty"`
	Message json.RawMessage `json:"message,omitempty"`
}

// The commands.
const (
	opActive    = "active"
	opRemove    = "remove"
	opEnd       = "end"
	opSend      = "send"
	opMute      = "mute"
	opOccupancy = "occupancy"
)

func newNodes(cfg ClusterConfig, log *slog.Logger) (*nodes, error) {
	if cfg.Client == nil {
		return nil, errors.New("rooms: ClusterConfig.Client is required")
	}
	u, err := url.Parse(cfg.Advertise)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("rooms: advertise %q: want the base URL other nodes reach this one at, http://HOST:PORT", cfg.Advertise)
	}
	cfg.Advertise = strings.TrimRight(cfg.Advertise, "/")
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	if cfg.LeaseTTL < 300*time.Millisecond {
		return nil, errors.New("rooms: ClusterConfig.LeaseTTL must be at least 300ms")
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.Prefix == "" {
		cfg.Prefix = bus.DefaultPrefix
	}
	n := &nodes{cfg: cfg, id: NewID(), log: log, held: map[string]int{}, calls: map[string]chan wire{}}
	n.value = n.id + " " + cfg.Advertise
	n.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			to := pr.In.Context().Value(proxyKey{}).(proxied)
			target, _ := url.Parse(to.owner.url)
			pr.SetURL(target)
			pr.Out.Header.Set(HeaderForwarded, n.id)
			pr.SetXForwarded()
		},
		Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 3 * time.Second}).DialContext,
			MaxIdleConnsPerHost:   32,
			IdleConnTimeout:       time.Minute,
			ResponseHeaderTimeout: 30 * time.Second,
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			to := r.Context().Value(proxyKey{}).(proxied)
			n.log.Warn("rooms: the room's node does not answer", "room", to.room, "node", to.owner.url, "err", err)
			n.suspect(r.Context(), to)
			envelope.Error(w, r, errOwnerGone)
		},
	}
	return n, nil
}

// proxyKey is the context key of a proxied join's room and owner.
type proxyKey struct{}

type proxied struct {
	room  string
	owner *owner
}

// start subscribes to this node's command topic and starts renewing.
func (n *nodes) start(ctx context.Context, svc *Service) error {
	n.svc = svc
	b, err := bus.New(bus.Config{Client: n.cfg.Client, Prefix: n.cfg.Prefix, Logger: n.log})
	if err != nil {
		return err
	}
	b.Handle(n.topic(n.id), bus.Handler{Message: n.receive})
	if err := b.Start(ctx); err != nil {
		b.Close()
		return fmt.Errorf("rooms: subscribe: %w", err)
	}
	n.bus = b
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	n.stop, n.stopped = cancel, make(chan struct{})
	go n.renewLoop(rctx)
	return nil
}

func (n *nodes) topic(node string) string { return "rooms." + node }

func (n *nodes) key(roomID string) string { return n.cfg.Prefix + "rooms:lease:" + roomID }

func (n *nodes) parse(v string) *owner {
	node, u, ok := strings.Cut(v, " ")
	if !ok {
		return nil
	}
	return &owner{node: node, url: u, self: v == n.value}
}

// holder returns the owner of room id, or nil when nobody holds it.
func (n *nodes) holder(ctx context.Context, id string) (*owner, error) {
	v, err := n.cfg.Client.Get(ctx, n.key(id)).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, errcode.Wrap(errcode.Unavailable, "Redis is unavailable: the room's node cannot be found", err)
	}
	return n.parse(v), nil
}

// claim returns the owner of room id, taking the lease for this node when
// nobody holds it. When this node is the owner the caller holds a claim
// that keeps the lease until it calls [nodes.done] (after the room is
// live in the hub, or the join failed).
func (n *nodes) claim(ctx context.Context, id string) (*owner, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if c, ok := n.held[id]; ok {
		n.held[id] = c + 1
		return &owner{node: n.id, url: n.cfg.Advertise, self: true}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.CallTimeout)
	defer cancel()
	for range 3 {
		ok, err := n.cfg.Client.SetNX(ctx, n.key(id), n.value, n.cfg.LeaseTTL).Result()
		if err != nil {
			return nil, errcode.Wrap(errcode.Unavailable, "Redis is unavailable: the room's lease cannot be taken", err)
		}
		if ok {
			n.held[id] = 1
			return &owner{node: n.id, url: n.cfg.Advertise, self: true}, nil
		}
		o, err := n.holder(ctx, id)
		if err != nil {
			return nil, err
		}
		if o != nil && o.self {
			// Ours, though not counted (a release that failed): keep it.
			n.held[id] = 1
			return o, nil
		}
		if o != nil {
			return o, nil
		}
		// It expired between the two calls: try again.
	}
	return nil, errMoving
}

// done ends a claim of room id, releasing the lease when the room is not
// live here.
func (n *nodes) done(id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if c, ok := n.held[id]; ok && c > 0 {
		n.held[id] = c - 1
	}
	n.releaseIdle(id)
}

// closed is the hub's OnClose: room id's live state left this node.
func (n *nodes) closed(id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.releaseIdle(id)
}

// releaseIdle releases room id's lease when no join is under way and the
// room is not live here; n.mu is held, so that no claim sees the lease
// as ours while it goes.
func (n *nodes) releaseIdle(id string) {
	if c, ok := n.held[id]; !ok || c > 0 || n.svc.hub.lookup(id) != nil {
		return
	}
	delete(n.held, id)
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.CallTimeout)
	defer cancel()
	if err := releaseScript.Run(ctx, n.cfg.Client, []string{n.key(id)}, n.value).Err(); err != nil {
		// It expires on its own within LeaseTTL.
		n.log.Warn("rooms: release lease", "room", id, "err", err)
	}
}

// renewLoop renews every held lease each third of LeaseTTL, until ctx
// ends.
func (n *nodes) renewLoop(ctx context.Context) {
	defer close(n.stopped)
	t := time.NewTicker(n.cfg.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n.renew(ctx)
	}
}

// renew renews every held lease in one pipeline. A lease another node
// holds now (this one expired while Redis was out of reach) is lost: the
// room's peers here are sent to reconnect, which takes them to its new
// owner. Rooms no longer live here are released.
func (n *nodes) renew(ctx context.Context) {
	n.mu.Lock()
	ids := make([]string, 0, len(n.held))
	for id, c := range n.held {
		if c == 0 && n.svc.hub.lookup(id) == nil {
			n.releaseIdle(id)
			continue
		}
		ids = append(ids, id)
	}
	n.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.LeaseTTL/3)
	defer cancel()
	cmds := make([]*goredis.Cmd, len(ids))
	_, err := n.cfg.Client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			// Eval, not EvalSha: a pipeline cannot fall back on NOSCRIPT.
			cmds[i] = renewScript.Eval(ctx, p, []string{n.key(id)}, n.value, n.cfg.LeaseTTL.Milliseconds())
		}
		return nil
	})
	if err != nil {
		n.log.Warn("rooms: renew leases failed; the rooms stay here while their leases last", "rooms", len(ids), "err", err)
		return
	}
	for i, c := range cmds {
		if v, _ := c.Int(); v == 0 {
			n.log.Warn("rooms: another node holds the room's lease now: its peers here reconnect there", "room", ids[i])
			n.mu.Lock()
			delete(n.held, ids[i])
			n.mu.Unlock()
			n.svc.hub.evict(ids[i])
		}
	}
}

// close stops renewing and releases every lease, so that the rooms move
// at once instead of after LeaseTTL.
func (n *nodes) close() error {
	if n.stop != nil {
		n.stop()
		<-n.stopped
	}
	n.mu.Lock()
	ids := make([]string, 0, len(n.held))
	for id := range n.held {
		ids = append(ids, id)
	}
	n.held = map[string]int{}
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.CallTimeout)
	defer cancel()
	for _, id := range ids {
		releaseScript.Run(ctx, n.cfg.Client, []string{n.key(id)}, n.value)
	}
	if n.bus != nil {
		return n.bus.Close()
	}
	return nil
}

// proxyTo serves r, a join of room id, by proxying it to o (the room's
// owner). A request that was itself forwarded is not forwarded again: it
// is answered 503.
func (n *nodes) proxyTo(w http.ResponseWriter, r *http.Request, id string, o *owner) {
	if r.Header.Get(HeaderForwarded) != "" {
		envelope.Error(w, r, errMoving)
		return
	}
	n.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), proxyKey{}, proxied{room: id, owner: o})))
}

// suspect is told that to's owner did not answer a proxied join. When its
// node has no subscription in Redis either (a process that dies loses
// its Redis connections at once), it is gone: its lease of the room is
// dropped, so the next join takes the room at once instead of after
// LeaseTTL. A node that is only unreachable from here keeps its lease.
func (n *nodes) suspect(ctx context.Context, to proxied) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.cfg.CallTimeout)
	defer cancel()
	subs, err := n.bus.Listeners(ctx, n.topic(to.owner.node))
	if err != nil || subs > 0 {
		return
	}
	if err := releaseScript.Run(ctx, n.cfg.Client, []string{n.key(to.room)}, to.owner.node+" "+to.owner.url).Err(); err != nil {
		n.log.Warn("rooms: drop a dead node's lease", "room", to.room, "err", err)
		return
	}
	n.log.Warn("rooms: the room's node is gone (no answer, no Redis subscription): its lease is dropped", "room", to.room, "node", to.owner.url)
}

// call sends c to o's node and decodes the result into out.
func (n *nodes) call(ctx context.Context, o *owner, c *command, out any) error {
	c.ID, c.From = NewID(), n.id
	ch := make(chan wire, 1)
	n.mu.Lock()
	n.calls[c.ID] = ch
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		delete(n.calls, c.ID)
		n.mu.Unlock()
	}()
	b, err := json.Marshal(wire{command: *c})
	if err != nil {
		return fmt.Errorf("rooms: command: %w", err)
	}
	got, err := n.bus.Send(ctx, n.topic(o.node), string(b))
	if err != nil {
		return errcode.Wrap(errcode.Unavailable, "Redis is unavailable: the room's node cannot be reached", err)
	}
	if got == 0 {
		return errOwnerGone
	}
	timer := time.NewTimer(n.cfg.CallTimeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		if r.Code != "" {
			return Errorf(r.Code, r.Error)
		}
		if out != nil && len(r.Result) > 0 {
			if err := json.Unmarshal(r.Result, out); err != nil {
				return fmt.Errorf("rooms: reply of %s: %w", o.node, err)
			}
		}
		return nil
	case <-timer.C:
		return errOwnerGone
	case <-ctx.Done():
		return ctx.Err()
	}
}

// receive handles a message on this node's topic: a reply to one of its
// calls, or a command to run (in a goroutine of its own: the bus's one
// receiving goroutine must not wait on the store).
func (n *nodes) receive(payload string) {
	m, err := decodeWire(payload)
	if err != nil {
		n.log.Warn("rooms: unreadable message between nodes", "err", err)
		return
	}
	if m.Reply {
		n.mu.Lock()
		ch := n.calls[m.ID]
		n.mu.Unlock()
		if ch != nil {
			ch <- m
		}
		return
	}
	go n.serve(&m.command)
}

// decodeWire parses a message of a node's topic: a command needs an id
// and a known op, a reply an id.
func decodeWire(payload string) (wire, error) {
	var m wire
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		return wire{}, fmt.Errorf("rooms: message between nodes: %w", err)
	}
	if m.ID == "" {
		return wire{}, errors.New("rooms: message between nodes without an id")
	}
	if !m.Reply {
		switch m.Op {
		case opActive, opRemove, opEnd, opSend, opMute, opOccupancy:
		default:
			return wire{}, fmt.Errorf("rooms: unknown command %q", m.Op)
		}
		if m.From == "" {
			return wire{}, errors.New("rooms: command without a sender")
		}
	}
	return m, nil
}

// serve runs a command on this node's hub and sends the reply.
func (n *nodes) serve(c *command) {
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.CallTimeout)
	defer cancel()
	res, err := n.svc.execute(ctx, c)
	r := wire{command: command{ID: c.ID}, Reply: true}
	if err == nil {
		r.Result, err = json.Marshal(res)
	}
	if err != nil {
		e, ok := errors.AsType[*Error](err)
		if !ok {
			n.log.Error("rooms: command from another node", "op", c.Op, "room", c.Room, "err", err)
			e = errcode.New(errcode.Internal, "the room's node could not do it")
		}
		r.Code, r.Error = e.Code, e.Message
	}
	b, _ := json.Marshal(r)
	if err := n.bus.Publish(ctx, n.topic(c.From), string(b)); err != nil {
		n.log.Warn("rooms: reply to another node", "err", err)
	}
}

// occupancy fills out with the occupancy of the rooms of ids held by
// other nodes, and returns the ids to count here (held here or by
// nobody).
func (n *nodes) occupancy(ctx context.Context, ids []string, out map[string]int) []string {
	if len(ids) == 0 {
		return nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = n.key(id)
	}
	vals, err := n.cfg.Client.MGet(ctx, keys...).Result()
	if err != nil {
		n.log.Warn("rooms: occupancy: Redis is unavailable; counting this node only", "err", err)
		return ids
	}
	var local []string
	remote := map[string][]string{}
	owners := map[string]*owner{}
	for i, v := range vals {
		s, _ := v.(string)
		o := n.parse(s)
		if o == nil || o.self {
			local = append(local, ids[i])
			continue
		}
		remote[o.node] = append(remote[o.node], ids[i])
		owners[o.node] = o
	}
	for node, rooms := range remote {
		var counts map[string]int
		if err := n.call(ctx, owners[node], &command{Op: opOccupancy, Rooms: rooms}, &counts); err != nil {
			n.log.Warn("rooms: occupancy from another node", "node", node, "err", err)
			continue
		}
		for id, c := range counts {
			out[id] = c
		}
	}
	return local
}

// execute runs a command another node sent for a room held here.
func (s *Service) execute(ctx context.Context, c *command) (any, error) {
	switch c.Op {
	case opActive:
		a, err := s.hub.Active(c.Room)
		if err != nil {
			return nil, err
		}
		return &ActiveRoom{Session: a.Session, Peers: a.Peers, Waiting: a.Waiting}, nil
	case opRemove:
		return s.hub.Remove(ctx, c.Room, c.PeerID, c.Role, c.Reason)
	case opEnd:
		return nil, s.hub.End(ctx, &Room{ID: c.Room}, c.Reason, false)
	case opSend:
		return s.hub.Send(c.Room, "", &Target{PeerID: c.PeerID, Role: c.Role}, c.Message)
	case opMute:
		return nil, s.hub.MutePeer(c.Room, c.PeerID, c.Kind, "")
	case opOccupancy:
		counts := map[string]int{}
		for _, id := range c.Rooms {
			if k := s.hub.Occupancy(id); k > 0 {
				counts[id] = k
			}
		}
		return counts, nil
	}
	return nil, Errorf(CodeInvalid, "unknown command "+c.Op)
}

// onOwner runs a live-room operation of room id where the room lives:
// local on this node (alone, or the room's owner, or nobody holds it),
// else c is sent to the owner and its result decoded into out.
func (s *Service) onOwner(ctx context.Context, id string, c *command, out any, local func() error) error {
	if s.nodes != nil {
		o, err := s.nodes.holder(ctx, id)
		if err != nil {
			return err
		}
		if o != nil && !o.self {
			c.Room = id
			return s.nodes.call(ctx, o, c, out)
		}
	}
	return local()
}
