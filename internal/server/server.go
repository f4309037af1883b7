// Package server wires keyward together: it opens the store (SQLite in the
// data directory, or PostgreSQL), seals secrets with the master key, makes
// the first admin on an empty store, puts the door (token verification) in
// front of every API, and serves HTTP until told to stop.
package server

import (
	"context"
	"errors"
	"fmt"
	"github.com/keyward/keyward/internal/rooms/sfu"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/bus"
	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/encoding"
	"github.com/keyward/keyward/internal/notify"
	"github.com/keyward/keyward/internal/rooms"
	"github.com/keyward/keyward/internal/seal"
	"github.com/keyward/keyward/internal/store"
	"github.com/keyward/keyward/internal/store/pgstore"
	"github.com/keyward/keyward/internal/store/sqlitestore"
	"github.com/keyward/keyward/internal/webhook"
)

// Server is one keyward node.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    *store.Store
	sealer   *seal.Sealer
	redis    *goredis.Client
	encoding *encoding.Service
	door     atomic.Pointer[auth.Authenticator]
	bus      *bus.Bus // with Redis: change notices between nodes
	rooms    *rooms.Service
	webhooks *webhook.Service
	sfu      *sfu.SFU
	mounted  []auth.Endpoint
	ln       net.Listener
	http     *http.Server
	// closing is set by Close, so that Run takes the listener it closed
	// for a stop, not a failure.
	closing atomic.Bool

	// closers run in reverse order on Close.
	closers []func() error

	// Bootstrapped is set when this start created the first admin.
	Bootstrapped bool
	// AdminPath is the file that holds this store's admin credential:
	// where this start wrote it, or where an earlier start did; "" when
	// none is found in the data directory.
	AdminPath string
}

// New opens everything cfg names and binds the listener; [Server.Run]
// serves. On error, whatever was opened is closed.
func New(ctx context.Context, cfg Config, log *slog.Logger) (_ *Server, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	sealer, created, err := seal.FromConfig(&seal.Config{
		Key: cfg.MasterKey, KeyFile: cfg.MasterKeyFile, DefaultFile: filepath.Join(cfg.Data, "master.key"),
	})
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	s.sealer = sealer
	if created {
		log.Info("created a new master key; back it up: without it no credential secret can be read", "path", filepath.Join(cfg.Data, "master.key"))
	}

	var drv store.Driver
	if cfg.Database != "" {
		db, err := pgstore.Open(ctx, &pgstore.Config{URL: cfg.Database})
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		drv = db
	} else {
		db, err := sqlitestore.Open(ctx, &sqlitestore.Config{Path: filepath.Join(cfg.Data, "keyward.db")})
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		drv = db
	}
	var notifier credential.Notifier
	if cfg.SMTP.Addr != "" {
		m, err := notify.New(notify.Config{
			Addr: cfg.SMTP.Addr, From: cfg.SMTP.From, Username: cfg.SMTP.Username, Password: cfg.SMTP.Password,
			TLS: cfg.SMTP.TLS, PublicURL: cfg.PublicURL, Logger: log,
		})
		if err != nil {
			drv.Close()
			return nil, err
		}
		notifier = m
	}
	st, err := store.New(ctx, drv, &store.Config{Sealer: sealer, Notifier: notifier, Logger: log, KeysChangedFunc: s.keysChanged})
	if err != nil {
		drv.Close()
		return nil, err // store.New names the store already ("store: …")
	}
	s.store = st
	s.closers = append(s.closers, st.Close)

	if err := s.bootstrap(ctx); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s.ln = ln
	if cfg.Redis != "" && cfg.Advertise == "" {
		// --listen with port 0: the port is known now.
		s.cfg.Advertise = "http://" + ln.Addr().String()
	}
	handler, err := s.routes(ctx)
	if err != nil {
		return nil, err
	}
	s.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URL returns http://ADDR of the listener.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Endpoints returns the endpoints the server serves (every one of them is
// in its /openapi.json).
func (s *Server) Endpoints() []auth.Endpoint { return slices.Clone(s.mounted) }

// Store returns the credential store.
func (s *Server) Store() *store.Store { return s.store }

// Run serves until ctx is done, then shuts down gracefully within the
// configured timeout.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(s.ln) }()
	if s.encoding != nil {
		if err := s.encoding.Start(ctx); err != nil {
			s.http.Close()
			return fmt.Errorf("start encoding worker: %w", err)
		}
		if err := s.webhooks.Start(ctx, s.encoding.Queue()); err != nil {
			s.http.Close()
			return fmt.Errorf("start webhook relay: %w", err)
		}
	}
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) || s.closing.Load() && errors.Is(err, net.ErrClosed) {
			return nil
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if s.rooms != nil {
		// Signal sockets are hijacked: Shutdown does not see them.
		s.rooms.Hub().Shutdown()
	}
	err := s.http.Shutdown(sctx)
	if s.encoding != nil {
		s.webhooks.Stop()
		// Running jobs are left to be resumed: on SQLite by the next start,
		// on PostgreSQL by any node.
		if serr := s.encoding.Stop(sctx); serr != nil && err == nil {
			err = serr
		}
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// Close releases everything New opened.
func (s *Server) Close() error {
	var errs []error
	s.closing.Store(true)
	if s.ln != nil {
		s.ln.Close()
	}
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	s.closers = nil
	return errors.Join(errs...)
}
