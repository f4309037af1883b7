package sfu

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"
)

// Errors returned by the package.
var (
	// ErrClosed is returned by methods called after [SFU.Close], or on a
	// room or peer that has been closed.
	ErrClosed = errors.New("sfu: closed")
	// ErrNoOffer is returned by [Peer.Answer] when no offer is outstanding.
	ErrNoOffer = errors.New("sfu: no offer is waiting for an answer")
	// ErrNotAllowed is returned when a peer asks to publish a kind its
	// capabilities do not allow.
	ErrNotAllowed = errors.New("sfu: not allowed for this peer's role")
	// ErrDuplicatePeer is returned by [Room.Join] for a peer id already in
	// the room.
	ErrDuplicatePeer = errors.New("sfu: a peer with this id is already in the room")
)

// pliInterval is the shortest time between two picture-loss indications
// sent to one publisher for one track.
const pliInterval = 500 * time.Millisecond

// Config configures an [SFU]. The zero value is not usable: UDPAddr is
// required.
type Config struct {
	// UDPAddr is the one UDP address all ICE traffic uses, such as
	// "127.0.0.1:7882". Port 0 picks a free port ([SFU.Addr] tells which).
	UDPAddr string
	// PublicIP, when set, is the address advertised in candidates instead
	// of the socket's own (a server behind a 1:1 NAT).
	PublicIP string
	// LoopbackOnly gathers candidates on loopback only and drops remote
	// candidates that are not loopback. It is forced on when UDPAddr is a
	// loopback address.
	LoopbackOnly bool
	// Logger receives the package's operational messages. Default:
	// slog.Default().
	Logger *slog.Logger
	// Events, when set, is told about tracks as they come and go.
	Events Events
}

// Events receives what happens to the media of a room. Methods are called
// from the package's goroutines and must not block.
type Events interface {
	// TrackPublished is called when a peer's track starts arriving.
	TrackPublished(room, peer string, t TrackInfo)
	// TrackUnpublished is called when a published track ends.
	TrackUnpublished(room, peer string, t TrackInfo)
}

// SFU forwards media for any number of rooms over one UDP socket.
type SFU struct {
	cfg    Config
	log    *slog.Logger
	api    *webrtc.API
	conn   net.PacketConn
	mux    *ice.UDPMuxDefault
	loopOK bool

	mu     sync.Mutex
	rooms  map[string]*Room
	closed bool
}

// New opens the UDP socket and prepares the WebRTC engine.
func New(cfg Config) (*SFU, error) {
	if cfg.UDPAddr == "" {
		return nil, errors.New("sfu: UDPAddr is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PublicIP != "" && net.ParseIP(cfg.PublicIP) == nil {
		return nil, fmt.Errorf("sfu: public IP %q is not an IP address", cfg.PublicIP)
	}
	addr, err := net.ResolveUDPAddr("udp", cfg.UDPAddr)
	if err != nil || (addr.IP != nil && addr.IP.To4() == nil && addr.IP.To16() == nil) {
		return nil, fmt.Errorf("sfu: UDP address %q: want IP:PORT", cfg.UDPAddr)
	}
	if addr.IP != nil && addr.IP.IsLoopback() {
		cfg.LoopbackOnly = true
	}
	conn, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("sfu: listen %s: %w", cfg.UDPAddr, err)
	}
	s := &SFU{cfg: cfg, log: cfg.Logger, conn: conn, rooms: make(map[string]*Room)}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelError
	s.mux = ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: conn, Logger: lf.NewLogger("ice")})
	api, err := s.newAPI(lf)
	if err != nil {
		s.mux.Close()
		return nil, err
	}
	s.api = api
	return s, nil
}

// newAPI builds the codec set, interceptors and network settings every
// PeerConnection shares.
func (s *SFU) newAPI(lf logging.LoggerFactory) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := registerCodecs(m); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, fmt.Errorf("sfu: interceptors: %w", err)
	}
	se := webrtc.SettingEngine{LoggerFactory: lf}
	se.SetICEUDPMux(s.mux)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetICETimeouts(5*time.Second, 10*time.Second, 2*time.Second)
	if s.cfg.LoopbackOnly {
		se.SetIncludeLoopbackCandidate(true)
		se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		se.SetRemoteIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	if s.cfg.PublicIP != "" {
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External:        []string{s.cfg.PublicIP},
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		}); err != nil {
			return nil, fmt.Errorf("sfu: public IP: %w", err)
		}
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// registerCodecs offers VP8, H.264 (packetization mode 1, baseline and
// constrained baseline) and Opus. No RTX: a retransmission arrives as the
// original packet, which keeps forwarding a copy of bytes.
func registerCodecs(m *webrtc.MediaEngine) error {
	fb := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	video := []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: fb}, PayloadType: 96},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", RTCPFeedback: fb}, PayloadType: 102},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f", RTCPFeedback: fb}, PayloadType: 104},
	}
	for _, c := range video {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
			return fmt.Errorf("sfu: register %s: %w", c.MimeType, err)
		}
	}
	opus := webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"},
		PayloadType:        111,
	}
	if err := m.RegisterCodec(opus, webrtc.RTPCodecTypeAudio); err != nil {
		return fmt.Errorf("sfu: register opus: %w", err)
	}
	return nil
}

// Addr is the UDP address ICE traffic arrives at.
func (s *SFU) Addr() net.Addr { return s.conn.LocalAddr() }

// Up returns nil while the SFU serves, [ErrClosed] after [SFU.Close].
func (s *SFU) Up() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return nil
}

// LoopbackOnly reports whether candidates are held to loopback.
func (s *SFU) LoopbackOnly() bool { return s.cfg.LoopbackOnly }

// Room returns the media room id, making it on first use.
func (s *SFU) Room(id string) (*Room, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	r := s.rooms[id]
	if r == nil {
		r = newRoom(s, id)
		s.rooms[id] = r
	}
	return r, nil
}

// Join adds a peer to the media room id, making the room when needed (a
// room that closed as its last peer left is replaced by a new one).
func (s *SFU) Join(roomID, peerID string, caps Caps, sig Signaler) (*Peer, error) {
	for {
		r, err := s.Room(roomID)
		if err != nil {
			return nil, err
		}
		p, err := r.Join(peerID, caps, sig)
		if errors.Is(err, ErrClosed) && s.Lookup(roomID) != r {
			continue
		}
		return p, err
	}
}

// Lookup returns the media room id if it exists.
func (s *SFU) Lookup(id string) *Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rooms[id]
}

// Rooms returns the live media rooms.
func (s *SFU) Rooms() []*Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Room, 0, len(s.rooms))
	for _, r := range s.rooms {
		out = append(out, r)
	}
	return out
}

// forget drops r once it has emptied.
func (s *SFU) forget(r *Room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rooms[r.id] == r {
		delete(s.rooms, r.id)
	}
}

// Close ends every room and closes the UDP socket.
func (s *SFU) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	rooms := make([]*Room, 0, len(s.rooms))
	for _, r := range s.rooms {
		rooms = append(rooms, r)
	}
	s.mu.Unlock()
	for _, r := range rooms {
		r.Close()
	}
	return s.mux.Close()
}
