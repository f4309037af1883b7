package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	goredis "github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/blob"
	"github.com/keyward/keyward/internal/bus"
	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/encoding"
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
	"github.com/keyward/keyward/internal/rooms/joinpage"
	"github.com/keyward/keyward/internal/rooms/sfu"
	"github.com/keyward/keyward/internal/store"
	"github.com/keyward/keyward/internal/watermark"
	"github.com/keyward/keyward/internal/webhook"
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

// routes opens what every route shares, gathers the endpoints of every
// service and mounts them behind the door.
func (s *Server) routes(ctx context.Context) (http.Handler, error) {
	door, reg, err := s.openDoor(ctx)
	if err != nil {
		return nil, err
	}
	eps, err := s.endpoints(ctx, door, reg)
	if err != nil {
		return nil, err
	}
	s.mounted = eps
	return auth.NewMux(door, eps...)
}

// openDoor opens the parts every route shares: the metrics registry, Redis
// (when configured) or the in-process stores, the usage counter, and the
// door itself.
func (s *Server) openDoor(ctx context.Context) (*auth.Authenticator, *prometheus.Registry, error) {
	cfg := s.cfg
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := auth.NewMetrics(reg)
	if err != nil {
		return nil, nil, fmt.Errorf("metrics: %w", err)
	}
	rp, limiter, err := s.openReplay(ctx)
	if err != nil {
		return nil, nil, err
	}
	usage, err := s.openUsage()
	if err != nil {
		return nil, nil, err
	}
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
		return nil, nil, fmt.Errorf("auth: %w", err)
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
			return nil, nil, fmt.Errorf("redis: %w", err)
		}
	}
	return door, reg, nil
}

// openReplay opens the replay and revocation store and the rate limiter:
// on Redis when one is configured, so that every node shares them (with
// the bus that carries change notices between nodes), else in this
// process.
func (s *Server) openReplay(ctx context.Context) (replay.Store, ratelimit.Limiter, error) {
	if s.cfg.Redis == "" {
		mem, err := replay.NewMemory(replay.MemoryConfig{})
		if err != nil {
			return nil, nil, err
		}
		s.closers = append(s.closers, mem.Close)
		return mem, ratelimit.NewMemory(ratelimit.MemoryConfig{}), nil
	}
	opt, err := goredis.ParseURL(s.cfg.Redis)
	if err != nil {
		return nil, nil, fmt.Errorf("redis: %w", err)
	}
	rc := goredis.NewClient(opt)
	s.redis = rc
	s.closers = append(s.closers, rc.Close)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rc.Ping(pctx).Err(); err != nil {
		return nil, nil, fmt.Errorf("redis %s: %w", opt.Addr, err)
	}
	// One subscription carries the change notices: revoked tokens here,
	// changed keys once the door exists.
	if s.bus, err = bus.New(bus.Config{Client: rc, Logger: s.log}); err != nil {
		return nil, nil, err
	}
	s.closers = append(s.closers, s.bus.Close)
	rp, err := replay.NewRedis(replay.RedisConfig{Client: rc, Bus: s.bus})
	if err != nil {
		return nil, nil, err
	}
	s.closers = append(s.closers, rp.Close)
	limiter, err := ratelimit.NewRedis(ratelimit.RedisConfig{Client: rc})
	if err != nil {
		return nil, nil, err
	}
	return rp, limiter, nil
}

// openUsage starts the usage counter, which writes request counts and each
// credential's last use to the store every UsageInterval and once more on
// Close.
func (s *Server) openUsage() (*auth.Usage, error) {
	usage, err := auth.NewUsage(auth.UsageConfig{
		Logger:   s.log,
		Interval: s.cfg.UsageInterval,
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
	return usage, nil
}

// endpoints opens every service and returns their endpoints, the OpenAPI
// document's last: the management API, rooms, the Encoding API, the portal,
// the gateway's routes (when configured) and the operational endpoints.
func (s *Server) endpoints(ctx context.Context, door *auth.Authenticator, reg *prometheus.Registry) ([]auth.Endpoint, error) {
	mh, err := manage.New(manage.Config{Services: s.store, Logger: s.log})
	if err != nil {
		return nil, err
	}
	// Rooms: what app and apikey tokens join. The join endpoints check
	// tokens themselves (every refusal before the upgrade); the REST
	// endpoints go through the door.
	leeway := s.cfg.Leeway
	if leeway == 0 {
		leeway = token.DefaultLeeway // as the door reads a zero leeway
	}
	hooks, err := s.openWebhooks()
	if err != nil {
		return nil, err
	}
	media, err := s.openMedia(reg, hooks)
	if err != nil {
		return nil, err
	}
	var cluster *rooms.ClusterConfig
	if s.redis != nil {
		// Each room lives on one node; the others proxy to it (DESIGN §9).
		cluster = &rooms.ClusterConfig{Client: s.redis, Advertise: s.cfg.Advertise, LeaseTTL: s.cfg.Rooms.LeaseTTL}
	}
	rs, err := rooms.New(rooms.Config{
		Store: s.store, Check: door.Check, Logger: s.log, Cluster: cluster,
		Hub: rooms.HubConfig{
			Media:      media,
			RevokeFunc: door.RevokeToken, ResumeKey: s.sealer.DeriveKey("rooms resume", 32), Leeway: leeway,
			LobbyTimeout: s.cfg.Rooms.LobbyTimeout, PingInterval: s.cfg.Rooms.PingInterval, PingTimeout: s.cfg.Rooms.PingTimeout,
			ResumeTTL: s.cfg.Rooms.ResumeTTL, MessageRate: s.cfg.Rooms.MessageRate, MessageBurst: 2 * s.cfg.Rooms.MessageRate,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("rooms: %w", err)
	}
	s.rooms = rs
	s.closers = append(s.closers, rs.Close)
	// The room client page: a user tries a room with nothing but a token.
	page, err := joinpage.New()
	if err != nil {
		return nil, err
	}
	pageEndpoints := page.Endpoints()
	enc, err := s.openEncoding(ctx, hooks)
	if err != nil {
		return nil, err
	}
	// Portal sessions are kept in the store's database so that any node
	// can serve any browser.
	sessions, err := portal.NewSQLSessionStore(ctx, s.store.Driver())
	if err != nil {
		return nil, fmt.Errorf("portal sessions: %w", err)
	}
	p, err := portal.New(portal.Config{
		Services: s.store, Logger: s.log, PublicURL: s.cfg.PublicURL,
		Secure:       strings.HasPrefix(s.cfg.PublicURL, "https://"),
		SessionStore: sessions, Sealer: s.sealer, Rooms: rs,
	})
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	checks := []ops.Check{{Name: "store", Func: s.store.Ping}}
	if s.redis != nil {
		// Every node shares one Redis: were it fatal, its outage would take
		// every node out of the load balancer at once, though tokens still
		// verify and live rooms go on.
		checks = append(checks, ops.Check{Name: "redis", Degraded: true, Func: func(ctx context.Context) error { return s.redis.Ping(ctx).Err() }})
	}
	if s.sfu != nil {
		checks = append(checks, ops.Check{Name: "media", Func: func(context.Context) error { return s.sfu.Up() }})
	}
	oh, err := ops.New(ops.Config{Checks: checks, Gatherer: reg, Logger: s.log})
	if err != nil {
		return nil, err
	}
	eps := slices.Concat(mh.Endpoints(), rs.Endpoints(), hooks.Endpoints(), pageEndpoints, enc.Endpoints(), p.Endpoints(), oh.Endpoints())
	if s.cfg.Gateway != "" {
		routes, err := gateway.LoadRoutes(s.cfg.Gateway)
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		gw, err := gateway.New(gateway.Config{Routes: routes})
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		eps = append(eps, gw.Endpoints()...)
	}
	doc, err := openapi.Endpoint("keyward", "1.0", eps)
	if err != nil {
		return nil, err
	}
	return append(eps, doc), nil
}

// openWebhooks makes the rooms' webhook delivery: posts go through the
// download guard (--fetch-allow opens private ranges to it), signed with
// per-room secrets derived from the master key.
func (s *Server) openWebhooks() (*webhook.Service, error) {
	allow, err := fetch.ParseAllow(s.cfg.FetchAllow)
	if err != nil {
		return nil, fmt.Errorf("fetch-allow: %w", err)
	}
	f, err := fetch.New(fetch.Config{Allow: allow, Timeout: 10 * time.Second, MaxRedirects: -1})
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	hooks, err := webhook.New(webhook.Config{Store: s.store, Poster: f, Key: s.sealer.DeriveKey("room webhooks", 32), Logger: s.log})
	if err != nil {
		return nil, err
	}
	s.webhooks = hooks
	return hooks, nil
}

// openMedia opens the rooms' SFU on its UDP address, unless media is off
// (then rooms carry signals only). Track events go to hooks, then to the
// peers.
func (s *Server) openMedia(reg prometheus.Registerer, hooks *webhook.Service) (rooms.Media, error) {
	if s.cfg.RTC.UDP == "off" {
		s.log.Info("rooms: media is off (--rtc-udp off)")
		return nil, nil
	}
	events := &rooms.MediaEvents{}
	sf, err := sfu.New(sfu.Config{UDPAddr: s.cfg.RTC.UDP, PublicIP: s.cfg.RTC.PublicIP, Logger: s.log,
		Events: &webhook.Tracks{Service: hooks, Next: events}})
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

// openEncoding opens the Encoding API's job queue (which also works the
// webhook deliveries), file store, download guard and watermark engine.
func (s *Server) openEncoding(ctx context.Context, hooks *webhook.Service) (*encoding.Service, error) {
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
	jc.Workers = river.NewWorkers()
	if err := hooks.Register(jc.Workers); err != nil {
		return nil, err
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
