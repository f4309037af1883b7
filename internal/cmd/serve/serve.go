// Package serve implements "keyward serve": the whole platform on one node.
package serve

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/server"
)

// Options are the flags of "keyward serve".
type Options struct {
	Factory    *factory.Factory
	ConfigFile string
	Config     server.Config
}

// NewCmdServe builds "keyward serve".
func NewCmdServe(f *factory.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	d := server.Defaults()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run keyward: portal, management API, verification and the APIs behind it",
		Long: `Run keyward on this node. With no flags it keeps everything in ./keyward-data:
a SQLite database, the master key that seals credential secrets, and stored
files. The first start on an empty store creates the admin account and an
admin credential and writes them to DATA/admin.json (mode 0600).

Every flag can also be set with a KEYWARD_* environment variable (--fetch-allow
is KEYWARD_FETCH_ALLOW, comma-separated; --smtp-addr is KEYWARD_SMTP_ADDR) or
in a TOML config file (--config): the same names with "_" for "-", and an
[smtp] table for the smtp-* flags. Flags beat the environment, which beats the
file. Many stateless nodes can share one PostgreSQL (--database) and one Redis
(--redis).`,
		Example: `  keyward serve
  keyward serve --listen 0.0.0.0:8080 --database postgres://keyward@db/keyward --redis redis://cache:6379/0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := load(cmd.Flags(), opts.ConfigFile, f.Getenv)
			if err != nil {
				return cmderror.FlagErrorWrap(err)
			}
			if err := cfg.Validate(); err != nil {
				return cmderror.FlagErrorWrap(err)
			}
			opts.Config = cfg
			if runF != nil {
				return runF(opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.ConfigFile, "config", "", "TOML config `FILE` (default $KEYWARD_CONFIG)")
	fl.String("listen", d.Listen, "address to serve on")
	fl.String("data", d.Data, "data directory")
	fl.String("database", "", "PostgreSQL URL (default: SQLite in the data directory)")
	fl.String("redis", "", "Redis URL, to share replay protection, revocation and rate limits between nodes")
	fl.String("advertise", "", "with --redis: the URL other nodes reach this one at, where they proxy the sockets of the rooms it holds (default http://LISTEN; on 0.0.0.0, this machine's private address)")
	fl.StringArray("fetch-allow", nil, "CIDR the download guard may reach although private (repeatable)")
	fl.String("public-url", "", "URL people reach this server at (default http://LISTEN)")
	fl.String("master-key-file", "", "file holding the master key (default DATA/master.key; $KEYWARD_MASTER_KEY gives the key itself)")
	fl.String("gateway", "", "JSON routes `FILE` that puts keyward in front of upstream APIs")
	fl.String("admin-email", "", "e-mail of the admin made on first start (default admin@localhost)")
	fl.Duration("leeway", d.Leeway, "clock skew forgiven on token dates")
	fl.Duration("window", d.Window, "how old a request-bound token may be")
	fl.Duration("max-lifetime", d.MaxLifetime, "longest lifetime of management and app tokens")
	fl.Bool("apikey-require-exp", d.APIKeyRequireExp, "refuse apikey tokens without exp")
	fl.Duration("key-refresh", d.KeyRefresh, "how often to poll for revoked and rotated keys")
	fl.Duration("usage-interval", d.UsageInterval, "how often usage counts and last-used times are written (one batch, not one write per request)")
	fl.Float64("rate-limit", 0, "requests per second per credential (0: no limit)")
	fl.Int("rate-burst", 0, "burst of the rate limit (default 2×rate)")
	fl.String("smtp-addr", "", "SMTP server host:port for notification mail")
	fl.String("smtp-from", "", "sender of notification mail")
	fl.String("smtp-username", "", "SMTP user")
	fl.String("smtp-password", "", "SMTP password (prefer $KEYWARD_SMTP_PASSWORD)")
	fl.String("smtp-tls", "", "starttls, tls or none")
	fl.String("s3-endpoint", "", "S3-compatible store URL, to keep encoded songs in a bucket")
	fl.String("s3-region", "", "S3 region (default us-east-1)")
	fl.String("s3-bucket", "", "S3 bucket; setting it turns the S3 store on")
	fl.String("s3-prefix", "", "prefix of every object name")
	fl.String("s3-access-key", "", "S3 access key")
	fl.String("s3-secret-key", "", "S3 secret key (prefer $KEYWARD_S3_SECRET_KEY)")
	fl.Duration("rooms-lobby-timeout", d.Rooms.LobbyTimeout, "how long ask_join waits for a moderator")
	fl.Duration("rooms-ping-interval", d.Rooms.PingInterval, "how often each signal socket is pinged")
	fl.Duration("rooms-ping-timeout", d.Rooms.PingTimeout, "how long a silent signal socket is kept")
	fl.Duration("rooms-resume-ttl", d.Rooms.ResumeTTL, "how long a signal socket's resume token works")
	fl.Int("rooms-message-rate", d.Rooms.MessageRate, "signal frames a peer may send per second (burst: twice that)")
	fl.Duration("rooms-lease-ttl", d.Rooms.LeaseTTL, "with --redis: the longest a dead node's rooms wait before another node takes them (the room lease)")
	fl.String("rtc-udp", d.RTC.UDP, `the one UDP address of rooms' media (ICE), IP:PORT; "off": rooms without media`)
	fl.String("rtc-public-ip", "", "the IP address advertised for media behind a 1:1 NAT")
	fl.String("log-level", d.LogLevel, "debug, info, warn or error")
	fl.String("log-format", d.LogFormat, "text or json")
	fl.Duration("shutdown-timeout", d.ShutdownTimeout, "how long a graceful shutdown may take")
	return cmd
}

// keyOf maps a flag or environment name to its config key: "fetch-allow"
// and "FETCH_ALLOW" to "fetch_allow", "smtp-addr" to "smtp.addr".
func keyOf(name string) string {
	k := strings.ToLower(strings.ReplaceAll(name, "-", "_"))
	for _, table := range []string{"smtp", "s3", "rooms", "rtc"} {
		if rest, ok := strings.CutPrefix(k, table+"_"); ok {
			return table + "." + rest
		}
	}
	return k
}

// load merges, lowest first: the defaults, the config file, the KEYWARD_*
// environment and the flags the user set.
func load(fs *pflag.FlagSet, configFile string, getenv func(string) string) (server.Config, error) {
	cfg := server.Defaults()
	k := koanf.New(".")
	if configFile == "" {
		configFile = getenv("KEYWARD_CONFIG")
	}
	if configFile != "" {
		if err := k.Load(file.Provider(configFile), toml.Parser()); err != nil {
			return cfg, fmt.Errorf("config file %s: %w", configFile, err)
		}
		// A misspelt key would otherwise be ignored, and its setting
		// silently left at the default.
		known := server.ConfigKeys()
		for _, key := range k.Keys() {
			if !slices.Contains(known, key) {
				return cfg, fmt.Errorf("config file %s: unknown key %q (see keyward.example.toml for every key)", configFile, key)
			}
		}
	}
	envKeys := map[string]bool{}
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name != "config" {
			envKeys["KEYWARD_"+strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))] = true
		}
	})
	envKeys["KEYWARD_MASTER_KEY"] = true
	err := k.Load(env.Provider(".", env.Opt{
		Prefix: "KEYWARD_",
		EnvironFunc: func() []string {
			var out []string
			for name := range envKeys {
				if v := getenv(name); v != "" {
					out = append(out, name+"="+v)
				}
			}
			return out
		},
		TransformFunc: func(name, value string) (string, any) {
			key := keyOf(strings.TrimPrefix(name, "KEYWARD_"))
			if key == "fetch_allow" {
				return key, strings.Split(value, ",")
			}
			return key, value
		},
	}), nil)
	if err != nil {
		return cfg, fmt.Errorf("environment: %w", err)
	}
	err = k.Load(posflag.ProviderWithFlag(fs, ".", nil, func(f *pflag.Flag) (string, any) {
		if !f.Changed || f.Name == "config" {
			return "", nil
		}
		return keyOf(f.Name), posflag.FlagVal(fs, f)
	}), nil)
	if err != nil {
		return cfg, fmt.Errorf("flags: %w", err)
	}
	if err := k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{}); err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

func serveRun(ctx context.Context, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	f := opts.Factory
	cfg := opts.Config
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	hopts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(f.IOStreams.ErrOut, hopts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(f.IOStreams.ErrOut, hopts)
	}
	log := slog.New(h)

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	out := f.IOStreams.Out
	fmt.Fprintf(out, "keyward is serving on %s\n", srv.URL())
	fmt.Fprintf(out, "portal: %s/portal/\n", cfg.PublicURL)
	switch {
	case srv.Bootstrapped:
		fmt.Fprintf(out, "first start: the admin's credential and password are in %s (keep it safe)\n", srv.AdminPath)
	case srv.AdminPath != "":
		fmt.Fprintf(out, "admin credentials: %s\n", srv.AdminPath)
	}
	if srv.AdminPath != "" && filepath.Base(srv.AdminPath) != server.AdminFile {
		fmt.Fprintf(out, "the CLI reads ./keyward-data/admin.json by default; for this server pass --credentials %s\n", srv.AdminPath)
	}
	return srv.Run(ctx)
}
