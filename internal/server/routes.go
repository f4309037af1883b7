package server

import (
	"context"
	"errors"
	"fmt"
	"github.com/keyward/keyward/internal/rooms/joinpage"
	"github.com/keyward/keyward/internal/rooms/sfu"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	goredis "github.com/redis/go-redis/v9"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/blob"
	"github.com/keyward/keyward/internal/bus"
	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/encoding"
	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/internal/fetch"
	"github.com/keyward/keyward/internal/gateway"
	"github.com/keyward/keyward/internal/jobs"
	"github.com/keyward/keyward/internal/manage"
	"github.com/keyward/keyward/internal/openapi"
	"github.com/keyward/keyward/internal/ops"
	"github.com/keyward/keyward/internal/portal"
	"github.com/keyward/keyward/internal/ratelimit"
	"github.com/keyward/keyward/internal/replay"
	"github.com/keyward/keyward/internal/rooms"
	"github.com/keyward/keyward/internal/store"
	"github.com/keyward/keyward/internal/watermark"
	"github.com/keyward/keyward/token"
)

// keySource adapts the credential store to the door's view of keys.
type keySource struct{ st *store.Store }

var _ auth.KeySource = keySource{}

func (k keySource) LookupKey(ctx context.Context, key string) (*auth.Key, error) {
	ki, err := k.st.LookupKey(ctx, key)
	if err != nil {
		if credential.ErrorCode(err) == credential.ENOTFOUND || credential.ErrorCode(err) == credential.EINVALID {
			return nil, fmt.Errorf("%w: %v", auth.ErrKeyNotFound, err)
		}
		return nil, err
	}
	out := &auth.Key{
		Key: ki.Key, CredentialID: ki.CredentialID, AccountID: ki.OwnerID, OwnerRole: string(ki.OwnerRole),
		Active: ki.Status == credential.CredentialActive, Groups: ki.Groups,
	}
	for _, s := range ki.Secrets {
		out.Secrets = append(out.Secrets, auth.Secret{KID: s.KID, Secret: s.Secret, NotAfter: s.NotAfter})
	}
	return out, nil
}

func (k keySource) ChangesSince(ctx context.Context, seq int64) ([]string, int64, error) {
	return k.st.ChangesSince(ctx, seq)
}

func (k keySource) LatestChange(ctx context.Context) (int64, error) { return k.st.LatestChange(ctx) }

// keysChanged is the store's KeysChangedFunc: it runs after a commit that
// changed keys, before the API call (or portal action) that made the
// change returns. The door drops the keys from its caches here, so the
// change holds at once on this node, and, with Redis, the other nodes are
// told at once over the bus.
func (s *Server) keysChanged(ctx context.Context, keys []string) {
	door := s.door.Load()
	if door == nil {
		return // during start-up, before the door exists
	}
	for _, k := range keys {
		door.Keys().Invalidate(k)
	}
	if s.bus == nil {
		return
	}
	// The other nodes drop the keys when the notice arrives; if it is
	// lost, their change-feed poll still does.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if err := s.bus.Publish(ctx, keysTopic, strings.Join(keys, "\n")); err != nil {
		s.log.Warn("key change not announced; other nodes apply it at their next poll", slog.Any("err", err))
	}
}

// keysTopic is the bus topic of changed keys: their names, one a line.
const keysTopic = "keys"

// routes builds the door and every route behind it.
func (s *Server) routes(ctx context.Context) (http.Handler, error) {
	cfg := s.cfg
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := auth.NewMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}

	var (
		rp      replay.Store
		limiter ratelimit.Limiter
	)
	if cfg.Redis != "" {
		opt, err := goredis.ParseURL(cfg.Redis)
		if err != nil {
			return nil, fmt.Errorf("redis: %w", err)
		}
		rc := goredis.NewClient(opt)
		s.redis = rc
		s.closers = append(s.closers, rc.Close)
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := rc.Ping(pctx).Err(); err != nil {
			return nil, fmt.Errorf("redis %s: %w", opt.Addr, err)
		}
		// One subscription carries the change notices: revoked tokens
		// here, changed keys below, once the door exists.
		if s.bus, err = bus.New(bus.Config{Client: rc, Logger: s.log}); err != nil {
			return nil, err
		}
		s.closers = append(s.closers, s.bus.Close)
		rr, err := replay.NewRedis(replay.RedisConfig{Client: rc, Bus: s.bus})
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, rr.Close)
		rp = rr
		if limiter, err = ratelimit.NewRedis(ratelimit.RedisConfig{Client: rc}); err != nil {
			return nil, err
		}
	} else {
		mem, err := replay.NewMemory(replay.MemoryConfig{})
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, mem.Close)
		rp = mem
		limiter = ratelimit.NewMemory(ratelimit.MemoryConfig{})
	}

	usage, err := auth.NewUsage(auth.UsageConfig{
		Logger:   s.log,
		Interval: cfg.UsageInterval,
		LastUsedFunc: func(ctx context.Context, uses []auth.LastUse) error {
			out := make([]credential.KeyUse, len(uses))
			for i, u := range uses {
				out[i] = credential.KeyUse{CredentialID: u.CredentialID, At: u.At}
			}
			return s.store.TouchLastUsed(ctx, out)
		},
		FlushFunc: func(ctx context.Context, rows []auth.UsageRow) error {
			out := make([]credential.UsageRow, len(rows))
			for i, r := range rows {
				out[i] = credential.UsageRow{CredentialID: r.CredentialID, Route: r.Route, Status: r.Status, Minute: r.Minute, Count: r.Count}
			}
			return s.store.RecordUsage(ctx, out)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("usage: %w", err)
	}
	s.closers = append(s.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return usage.Close(ctx)
	})

	var rate ratelimit.Limit
	if cfg.RateLimit > 0 {
		rate = ratelimit.Limit{Rate: cfg.RateLimit, Burst: cfg.RateBurst}
	}
	door, err := auth.New(auth.Config{
		Keys:      keySource{s.store},
		KeyCache:  auth.KeyCacheConfig{PollInterval: cfg.KeyRefresh},
		Replay:    rp,
		Limiter:   limiter,
		RateLimit: rate,
		Verifier: token.Config{
			Leeway: cfg.Leeway, Window: cfg.Window, MaxLifetime: cfg.MaxLifetime,
			AllowAPIKeyWithoutExp: !cfg.APIKeyRequireExp,
		},
		Usage:   usage,
		Metrics: metrics,
		Logger:  s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	s.closers = append(s.closers, door.Close)
	s.door.Store(door)
	if s.bus != nil {
		s.bus.Handle(keysTopic, bus.Handler{
			Message: func(payload string) {
				for _, k := range strings.Split(payload, "\n") {
					door.Keys().Invalidate(k)
				}
			},
			// The change feed holds every change: a notice missed while
			// unsubscribed is read from it at once, not at the next poll.
			Resync: func(ctx context.Context) error { door.Keys().Poll(ctx); return nil },
		})
		if err := s.bus.Start(ctx); err != nil {
			return nil, fmt.Errorf("redis: %w", err)
		}
	}

	mux := http.NewServeMux()
	// Every route goes through handle, which also lists it for the
	// OpenAPI document.
	var documented []openapi.Operation
	handle := func(op openapi.Operation, h http.Handler) {
		mux.Handle(op.Pattern, h)
		documented = append(documented, op)
	}

	// The management API: management tokens only; the services decide what
	// each account may do.
	mh, err := manage.New(manage.Config{Services: s.store, Logger: s.log, CallerFunc: func(r *http.Request) (manage.Caller, bool) {
		id, ok := auth.FromContext(r.Context())
		if !ok {
			return manage.Caller{}, false
		}
		return manage.Caller{CredentialID: id.CredentialID, Key: id.Key, Groups: id.Groups}, true
	}})
	if err != nil {
		return nil, err
	}
	for _, rt := range mh.Routes() {
		policy := auth.Route{APIID: rt.APIID, Profiles: token.ProfileSet(token.Management)}
		handle(openapi.Operation{Pattern: rt.Pattern, ID: rt.APIID, Summary: rt.Summary, Profiles: policy.Profiles, Tag: "management"},
			door.Require(policy)(withActor(rt.Handler)))
	}

	// Rooms: what app and apikey tokens join. The join routes check
	// tokens themselves (every refusal before the upgrade); the REST
	// routes go through the door.
	leeway := cfg.Leeway
	if leeway == 0 {
		leeway = token.DefaultLeeway // as the door reads a zero leeway
	}
	media, err := s.openMedia(reg)
	if err != nil {
		return nil, err
	}
	rs, err := rooms.New(rooms.Config{
		Store: s.store, Check: door.Check, Logger: s.log,
		Hub: rooms.HubConfig{
			Media:      media,
			RevokeFunc: door.RevokeToken, ResumeKey: s.sealer.DeriveKey("rooms resume", 32), Leeway: leeway,
			LobbyTimeout: cfg.Rooms.LobbyTimeout, PingInterval: cfg.Rooms.PingInterval, PingTimeout: cfg.Rooms.PingTimeout,
			MessageRate: cfg.Rooms.MessageRate, MessageBurst: 2 * cfg.Rooms.MessageRate,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("rooms: %w", err)
	}
	s.rooms = rs
	for _, rt := range rs.Routes() {
		op := openapi.Operation{Pattern: rt.Pattern, ID: rt.APIID, Summary: rt.Summary, Profiles: rt.Profiles, Tag: "rooms"}
		if rt.Profiles == 0 {
			op.Profiles = token.ProfileSet(token.App, token.APIKey)
			handle(op, rt.Handler)
			continue
		}
		handle(op, door.Require(auth.Route{APIID: rt.APIID, Profiles: rt.Profiles})(rt.Handler))
	}

	// The room client page: a user tries a room with nothing but a token.
	page, err := joinpage.New()
	if err != nil {
		return nil, err
	}
	handle(openapi.Operation{Pattern: "GET " + joinpage.Path, ID: "rooms.join.page", Summary: "The room client page: ?token=TOKEN joins with an app or apikey token", Tag: "rooms"},
		http.HandlerFunc(page.ServePage))
	mux.HandleFunc("GET /rooms/assets/{name}", page.ServeAsset)

	// The Soundlinks Encoding API and its worker.
	enc, err := s.openEncoding(ctx)
	if err != nil {
		return nil, err
	}
	for _, rt := range enc.Routes() {
		op := openapi.Operation{Pattern: rt.Pattern, ID: rt.Policy.APIID, Summary: encodingSummary[rt.Pattern], Tag: "encoding"}
		if rt.Public {
			op.ID, op.Summary = "sl.encoding.file", "Download an encoded song by its signed, time-limited link"
			handle(op, rt.Handler)
			continue
		}
		op.Group, op.Profiles, op.SingleUse = rt.Policy.Group, rt.Policy.Profiles, rt.Policy.SingleUse
		handle(op, door.Require(rt.Policy)(rt.Handler))
	}

	// The developer portal: browser routes, cookie sessions kept in the
	// store's database so any node can serve any browser.
	sessions, err := portal.NewSQLSessionStore(ctx, s.store.Driver())
	if err != nil {
		return nil, fmt.Errorf("portal sessions: %w", err)
	}
	p, err := portal.New(portal.Config{
		Services: s.store, Logger: s.log, PublicURL: cfg.PublicURL,
		Secure:       strings.HasPrefix(cfg.PublicURL, "https://"),
		SessionStore: sessions, Sealer: s.sealer,
	})
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	mux.Handle("/portal/", p.Handler())
	mux.Handle("GET /{$}", http.RedirectHandler("/portal/", http.StatusFound))

	// The gateway: verified requests proxied to upstream APIs.
	if cfg.Gateway != "" {
		routes, err := gateway.LoadRoutes(cfg.Gateway)
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		gw, err := gateway.New(gateway.Config{Auth: door, Routes: routes, Logger: s.log})
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		for _, rt := range gw.Routes() {
			prefix := strings.TrimSuffix(rt.Prefix, "/")
			for _, pattern := range []string{prefix, prefix + "/"} {
				if err := safeHandle(mux, pattern, gw); err != nil {
					return nil, fmt.Errorf("gateway route %s: %w", rt.Prefix, err)
				}
			}
			documented = append(documented, openapi.Operation{Pattern: "POST " + prefix, ID: rt.Auth.APIID,
				Summary: "Proxied to " + rt.Upstream.Redacted(), Group: rt.Auth.Group, Profiles: rt.Auth.Profiles, SingleUse: rt.Auth.SingleUse, Tag: "gateway"})
		}
	}

	// Operations.
	for _, op := range []openapi.Operation{
		{Pattern: "GET /healthz", ID: "keyward.health", Summary: "Liveness: the process answers", Tag: "operations"},
		{Pattern: "GET /readyz", ID: "keyward.ready", Summary: "Readiness: the store (and Redis, and the rooms' media socket) answer", Tag: "operations"},
		{Pattern: "GET /metrics", ID: "keyward.metrics", Summary: "Prometheus metrics (text format, not an envelope)", Tag: "operations"},
		{Pattern: "GET /openapi.json", ID: "keyward.openapi", Summary: "This document", Tag: "operations"},
	} {
		documented = append(documented, op)
	}
	doc, err := openapi.Document("keyward", "1.0", documented)
	if err != nil {
		return nil, err
	}
	checks := []ops.Check{{Name: "store", Func: s.store.Ping}}
	if s.redis != nil {
		checks = append(checks, ops.Check{Name: "redis", Func: func(ctx context.Context) error { return s.redis.Ping(ctx).Err() }})
	}
	if s.sfu != nil {
		checks = append(checks, ops.Check{Name: "media", Func: func(context.Context) error { return s.sfu.Up() }})
	}
	oh, err := ops.New(ops.Config{Checks: checks, Gatherer: reg, OpenAPI: doc, Logger: s.log})
	if err != nil {
		return nil, err
	}
	oh.Register(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		envelope.Error(w, r, errcode.Errorf(errcode.NotFound, "no such API: %s %s", r.Method, r.URL.Path))
	})
	return mux, nil
}

var encodingSummary = map[string]string{
	"POST /v3/sl/encoding": "Start auto encoding: arg {src, artist} → {query}",
	"POST /v3/sl/query":    "Query encoding result: arg {query} → {status: processing|complete|failed, message}",
	"POST /v3/sl/detect":   "Find the sound link in an audio file: arg {src} → {found, soundlink}",
}

// openMedia opens the rooms' SFU on its UDP address, unless media is off
// (then rooms carry signals only).
func (s *Server) openMedia(reg prometheus.Registerer) (rooms.Media, error) {
	if s.cfg.RTC.UDP == "off" {
		s.log.Info("rooms: media is off (--rtc-udp off)")
		return nil, nil
	}
	events := &rooms.MediaEvents{}
	sf, err := sfu.New(sfu.Config{UDPAddr: s.cfg.RTC.UDP, PublicIP: s.cfg.RTC.PublicIP, Logger: s.log, Events: events})
	if err != nil {
		return nil, fmt.Errorf("rtc-udp: %w", err)
	}
	s.sfu = sf
	s.closers = append(s.closers, sf.Close)
	if err := reg.Register(sf.Collector()); err != nil {
		return nil, fmt.Errorf("media metrics: %w", err)
	}
	s.log.Info("rooms: media on UDP", "addr", sf.Addr().String(), "loopback_only", sf.LoopbackOnly())
	return rooms.NewSFUMedia(sf, events), nil
}

// openEncoding opens the Encoding API's job queue, file store, download
// guard and watermark engine.
func (s *Server) openEncoding(ctx context.Context) (*encoding.Service, error) {
	cfg := s.cfg
	allow, err := fetch.ParseAllow(cfg.FetchAllow)
	if err != nil {
		return nil, fmt.Errorf("fetch-allow: %w", err)
	}
	f, err := fetch.New(fetch.Config{Allow: allow})
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	var files blob.Store
	var local *blob.Local // the songs' directory, when they are not on S3
	if cfg.S3.Bucket != "" {
		files, err = blob.NewS3(blob.S3Config{
			Endpoint: cfg.S3.Endpoint, Region: cfg.S3.Region, Bucket: cfg.S3.Bucket, Prefix: cfg.S3.Prefix,
			AccessKey: cfg.S3.AccessKey, SecretKey: cfg.S3.SecretKey,
		})
	} else {
		local, err = blob.NewLocal(blob.LocalConfig{
			Dir:     filepath.Join(cfg.Data, "files"),
			Secret:  s.sealer.DeriveKey("blob links", 32),
			BaseURL: cfg.PublicURL,
		})
		files = local
	}
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	// The watermark key must never change: marks made under it are found
	// only with it. It comes from the master key, like the sealed secrets.
	marker, err := watermark.New(watermark.Config{Key: s.sealer.WatermarkKey()})
	if err != nil {
		return nil, fmt.Errorf("watermark: %w", err)
	}
	jc := jobs.Config{SQLitePath: filepath.Join(cfg.Data, "jobs.db")}
	if cfg.Database != "" {
		jc = jobs.Config{PostgresURL: cfg.Database}
	}
	enc, err := encoding.Open(ctx, encoding.Config{
		Jobs: jc, Blob: files, LocalFiles: local, Fetcher: f, Marker: marker,
		TempDir: filepath.Join(cfg.Data, "tmp"), Logger: s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("encoding: %w", err)
	}
	s.encoding = enc
	s.closers = append(s.closers, enc.Close)
	return enc, nil
}

// safeHandle registers pattern, turning ServeMux's panic on a conflicting
// pattern into an error (the routes file is the operator's).
func safeHandle(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// withActor puts the credential's owner into the context as the actor
// the credential services authorise and audit.
func withActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := auth.FromContext(r.Context())
		if !ok {
			envelope.Error(w, r, errors.New("server: route without identity"))
			return
		}
		ctx := credential.NewContextWithActor(r.Context(), &credential.Actor{AccountID: id.AccountID, RemoteAddr: remoteIP(r)})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func remoteIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
