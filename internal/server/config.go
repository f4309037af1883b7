package server

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Config is everything "keyward serve" can be told. Every field is a flag,
// a KEYWARD_* environment variable and a key of the TOML config file; see
// [Config.Validate] for the rules and the defaults below.
type Config struct {
	// Listen is the TCP address to serve on. Default 127.0.0.1:8080.
	Listen string `koanf:"listen"`
	// Data is the data directory: the SQLite database, the master key,
	// admin.json and stored files. Default ./keyward-data.
	Data string `koanf:"data"`
	// Database is a PostgreSQL URL (postgres://…); empty means SQLite in
	// Data.
	Database string `koanf:"database"`
	// Redis is a Redis URL (redis://host:port/db); set it when several
	// nodes share the work, so that replay protection, revocation and rate
	// limits hold across them, and revocation, rotation and retirement
	// reach every node in milliseconds (pub/sub; the change feed polled
	// every KeyRefresh stays as the fallback). While Redis is down only
	// single-use requests are refused. Empty means in-process.
	Redis string `koanf:"redis"`
	// Advertise is the URL the other nodes reach this one at (with Redis,
	// a room lives on one node and the others proxy its sockets there).
	// Default http://LISTEN (with the port picked, for port 0); when
	// LISTEN is every interface (0.0.0.0:PORT), the machine's first
	// private IPv4 address with PORT.
	Advertise string `koanf:"advertise"`
	// FetchAllow lists CIDR ranges the download guard may reach although
	// they are private or loopback.
	FetchAllow []string `koanf:"fetch_allow"`
	// PublicURL is the URL people reach this server at, for links in
	// emails and the portal. Default http://LISTEN.
	PublicURL string `koanf:"public_url"`
	// MasterKeyFile holds the master key that seals credential secrets.
	// KEYWARD_MASTER_KEY may give the key itself. Default DATA/master.key,
	// created on first start.
	MasterKeyFile string `koanf:"master_key_file"`
	// MasterKey is the master key itself (hex or base64); prefer the
	// environment variable KEYWARD_MASTER_KEY to a config file.
	MasterKey string `koanf:"master_key"`
	// Gateway is a JSON routes file that puts keyward in front of upstream
	// APIs: each route maps a path prefix to an upstream URL with its own
	// policy (group, profiles, single use). Empty means no gateway.
	Gateway string `koanf:"gateway"`
	// AdminEmail is the e-mail of the admin account made on first start.
	// Default admin@localhost.
	AdminEmail string `koanf:"admin_email"`

	// Leeway is the clock skew forgiven on token dates. Default 60s.
	Leeway time.Duration `koanf:"leeway"`
	// Window bounds the age of request-bound tokens. Default 300s.
	Window time.Duration `koanf:"window"`
	// MaxLifetime bounds management and app token lifetimes. Default 24h.
	MaxLifetime time.Duration `koanf:"max_lifetime"`
	// APIKeyRequireExp refuses apikey tokens without exp. Default true.
	APIKeyRequireExp bool `koanf:"apikey_require_exp"`
	// KeyRefresh is how often a node polls the store for revoked and
	// rotated keys. Default 1s.
	KeyRefresh time.Duration `koanf:"key_refresh"`
	// UsageInterval is how often the usage counts and each credential's
	// last use are written to the store, in one batch: never one write per
	// request. Default 10s.
	UsageInterval time.Duration `koanf:"usage_interval"`
	// RateLimit is each credential's sustained request rate per second; 0
	// disables rate limiting. Default 0.
	RateLimit float64 `koanf:"rate_limit"`
	// RateBurst is the bucket size of the rate limit. Default 2×RateLimit.
	RateBurst int `koanf:"rate_burst"`

	// SMTP sends notification e-mail when Addr is set.
	SMTP SMTPConfig `koanf:"smtp"`
	// S3 keeps encoded songs in an S3-compatible bucket when Bucket is
	// set, instead of DATA/files: the scale-out option, so that any node
	// can serve any file.
	S3 S3Config `koanf:"s3"`

	// Rooms tunes the signal sockets of rooms.
	Rooms RoomsConfig `koanf:"rooms"`
	// RTC is where the rooms' media (the SFU) listens.
	RTC RTCConfig `koanf:"rtc"`

	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string `koanf:"log_level"`
	// LogFormat is text or json. Default text.
	LogFormat string `koanf:"log_format"`
	// ShutdownTimeout bounds the graceful shutdown. Default 15s.
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
}

// SMTPConfig is the outgoing mail server.
type SMTPConfig struct {
	// Addr is host:port of the SMTP server; empty disables e-mail.
	Addr string `koanf:"addr"`
	// From is the sender address. Default keyward@HOST.
	From string `koanf:"from"`
	// Username and Password authenticate (PLAIN) when set.
	Username string `koanf:"username"`
	Password string `koanf:"password"`
	// TLS is "starttls" (default when authenticating), "tls" or "none".
	TLS string `koanf:"tls"`
}

// RoomsConfig tunes rooms (DESIGN §9).
type RoomsConfig struct {
	// LobbyTimeout is how long an ask_join peer waits for a moderator.
	// Default 60s.
	LobbyTimeout time.Duration `koanf:"lobby_timeout"`
	// PingInterval is how often each signal socket is pinged. Default 10s.
	PingInterval time.Duration `koanf:"ping_interval"`
	// PingTimeout is how long a socket that answers no ping is kept.
	// Default 20s.
	PingTimeout time.Duration `koanf:"ping_timeout"`
	// ResumeTTL is how long a resume token works (and the shortest ban of
	// a removed peer). Default 60s.
	ResumeTTL time.Duration `koanf:"resume_ttl"`
	// MessageRate is how many signal frames a peer may send per second;
	// the burst is twice that. Default 50.
	MessageRate int `koanf:"message_rate"`
	// LeaseTTL is how long a room's Redis lease outlives its node's last
	// renewal (renewed every third of it): the longest a dead node's rooms
	// wait before moving. Default 10s.
	LeaseTTL time.Duration `koanf:"lease_ttl"`
}

// RTCConfig places the rooms' media (DESIGN §9 "Media").
type RTCConfig struct {
	// UDP is the one UDP address all ICE traffic uses, "off" for rooms
	// without media. Default 127.0.0.1:0: loopback, on a port picked at
	// start (clients learn it from the offer), so media reaches only this
	// machine. To serve other machines set an address and a fixed port
	// your firewall opens, e.g. 0.0.0.0:7882, and PublicIP behind NAT.
	UDP string `koanf:"udp"`
	// PublicIP is the address advertised in candidates when the server is
	// behind a 1:1 NAT (the UDP port is the same).
	PublicIP string `koanf:"public_ip"`
}

// S3Config is an S3-compatible object store.
type S3Config struct {
	// Endpoint is the service URL, e.g. https://s3.eu-west-1.amazonaws.com
	// or http://127.0.0.1:9000.
	Endpoint string `koanf:"endpoint"`
	// Region signs requests. Default us-east-1.
	Region string `koanf:"region"`
	// Bucket holds the files; setting it turns the S3 store on.
	Bucket string `koanf:"bucket"`
	// Prefix is put before every object name.
	Prefix string `koanf:"prefix"`
	// AccessKey and SecretKey are the store's credentials (prefer
	// KEYWARD_S3_SECRET_KEY to a flag).
	AccessKey string `koanf:"access_key"`
	SecretKey string `koanf:"secret_key"`
}

// Defaults returns the configuration with every default filled in.
func Defaults() Config {
	return Config{
		Listen:           "127.0.0.1:8080",
		Data:             "./keyward-data",
		Leeway:           60 * time.Second,
		Window:           300 * time.Second,
		MaxLifetime:      24 * time.Hour,
		APIKeyRequireExp: true,
		KeyRefresh:       time.Second,
		UsageInterval:    10 * time.Second,
		LogLevel:         "info",
		LogFormat:        "text",
		ShutdownTimeout:  15 * time.Second,
		Rooms: RoomsConfig{
			LobbyTimeout: 60 * time.Second, PingInterval: 10 * time.Second, PingTimeout: 20 * time.Second, ResumeTTL: 60 * time.Second, MessageRate: 50,
			LeaseTTL: 10 * time.Second,
		},
		RTC: RTCConfig{UDP: "127.0.0.1:0"},
	}
}

// Validate checks the configuration and fills in derived defaults.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen %q: want host:port", c.Listen))
	}
	if c.Data == "" {
		errs = append(errs, errors.New("data: a directory is required"))
	}
	if c.Database != "" && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") {
		errs = append(errs, fmt.Errorf("database: want a postgres:// URL (leave it empty for SQLite in the data directory)"))
	}
	if c.Redis != "" && !strings.HasPrefix(c.Redis, "redis://") && !strings.HasPrefix(c.Redis, "rediss://") {
		errs = append(errs, fmt.Errorf("redis: want a redis:// URL"))
	}
	for _, p := range c.FetchAllow {
		if _, err := netip.ParsePrefix(p); err != nil {
			errs = append(errs, fmt.Errorf("fetch-allow %q: want a CIDR such as 127.0.0.0/8", p))
		}
	}
	if c.Leeway < 0 || c.Window <= 0 || c.MaxLifetime <= 0 || c.KeyRefresh <= 0 || c.UsageInterval <= 0 {
		errs = append(errs, errors.New("leeway must not be negative; window, max-lifetime, key-refresh and usage-interval must be positive"))
	}
	if c.Rooms.LeaseTTL < time.Second {
		errs = append(errs, errors.New("rooms-lease-ttl: want 1s or more"))
	}
	if err := c.advertise(); err != nil {
		errs = append(errs, err)
	}
	if c.Rooms.LobbyTimeout <= 0 || c.Rooms.PingInterval <= 0 || c.Rooms.PingTimeout < c.Rooms.PingInterval || c.Rooms.ResumeTTL <= 0 || c.Rooms.MessageRate <= 0 {
		errs = append(errs, errors.New("rooms: lobby-timeout, ping-interval, resume-ttl and message-rate must be positive, ping-timeout at least ping-interval"))
	}
	if c.RTC.UDP != "off" {
		host, port, err := net.SplitHostPort(c.RTC.UDP)
		if _, perr := strconv.ParseUint(port, 10, 16); err != nil || perr != nil || (host != "" && net.ParseIP(host) == nil) {
			errs = append(errs, fmt.Errorf(`rtc-udp %q: want IP:PORT (an IP address, not a name) or "off"`, c.RTC.UDP))
		}
	}
	if c.RTC.PublicIP != "" && net.ParseIP(c.RTC.PublicIP) == nil {
		errs = append(errs, fmt.Errorf("rtc-public-ip %q: want an IP address", c.RTC.PublicIP))
	}
	if c.RateLimit < 0 || c.RateBurst < 0 {
		errs = append(errs, errors.New("rate-limit and rate-burst must not be negative"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log-format %q: want text or json", c.LogFormat))
	}
	if c.S3.Bucket != "" && (c.S3.Endpoint == "" || c.S3.AccessKey == "" || c.S3.SecretKey == "") {
		errs = append(errs, errors.New("s3: a bucket needs an endpoint, an access key and a secret key"))
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Listen
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.RateLimit > 0 && c.RateBurst == 0 {
		c.RateBurst = int(2*c.RateLimit) + 1
	}
	return errors.Join(errs...)
}

// advertise checks Advertise, or derives it from Listen when Redis is
// set.
func (c *Config) advertise() error {
	if c.Advertise != "" {
		u, err := url.Parse(c.Advertise)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
			return fmt.Errorf("advertise %q: want the base URL other nodes reach this one at, http://HOST:PORT", c.Advertise)
		}
		c.Advertise = strings.TrimRight(c.Advertise, "/")
		return nil
	}
	if c.Redis == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return nil // Validate reports it
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		// Every interface: the machine's own address (a container's, in
		// Docker) is what the other nodes reach.
		own, ok := ownAddress()
		if !ok || port == "0" {
			return fmt.Errorf("advertise: with --redis, give the URL other nodes reach this node at (--listen %s names no one address)", c.Listen)
		}
		host = own
	}
	if port != "0" {
		c.Advertise = "http://" + net.JoinHostPort(host, port)
	} // else [New] takes the port the listener got
	return nil
}

// ownAddress returns this machine's first IPv4 address that is not
// loopback or link-local, a private one first.
func ownAddress() (string, bool) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", false
	}
	var public string
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.To4() == nil || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		if ipn.IP.IsPrivate() {
			return ipn.IP.String(), true
		}
		if public == "" {
			public = ipn.IP.String()
		}
	}
	return public, public != ""
}

// ConfigKeys returns every key a config file may hold, tables' keys as
// "table.key" ("smtp.password"), in the order of [Config]'s fields.
func ConfigKeys() []string {
	var keys []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for f := range t.Fields() {
			name := f.Tag.Get("koanf")
			if name == "" {
				continue
			}
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Duration]() {
				walk(f.Type, prefix+name+".")
				continue
			}
			keys = append(keys, prefix+name)
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return keys
}
