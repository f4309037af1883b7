package encoding

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/blob"
	"github.com/keyward/keyward/internal/fetch"
	"github.com/keyward/keyward/internal/jobs"
	"github.com/keyward/keyward/internal/scratch"
	"github.com/keyward/keyward/internal/watermark"
	"github.com/keyward/keyward/token"
)

// API ids and the API group of the routes.
const (
	APIStart  = "sl.encoding.start"
	APIQuery  = "sl.encoding.query"
	APIDetect = "sl.encoding.detect"
	APIFile   = "sl.encoding.file"
	Group     = "encoding"
)

// Statuses of a job, as the seed names them.
const (
	StatusProcessing = "processing"
	StatusComplete   = "complete"
	StatusFailed     = "failed"
)

// Stages of a processing job.
const (
	StageQueued      = "queued"
	StageDownloading = "downloading"
	StageDecoding    = "decoding"
	StageEncoding    = "encoding"
	StageStoring     = "storing"
	StageDone        = "done"
)

// Defaults of [Config].
const (
	DefaultLinkTTL     = time.Hour
	DefaultMaxDuration = 20 * time.Minute
	DefaultMaxDetect   = 10 * time.Minute
)

// Marker embeds and detects sound links; *watermark.Marker satisfies it.
type Marker interface {
	EmbedStream(dst watermark.SampleWriter, src watermark.SampleReader, id watermark.ID) (watermark.StreamStats, error)
	Detect(samples [][]float32, rate int) ([]watermark.Result, error)
}

// Fetcher downloads a song through the guard; *fetch.Fetcher satisfies it.
// Check tells, without connecting, whether Fetch would refuse the link
// before downloading (its errors are Fetch's).
type Fetcher interface {
	Fetch(ctx context.Context, rawURL string, w io.Writer, progress fetch.ProgressFunc) (*fetch.Result, error)
	Check(ctx context.Context, rawURL string) error
}

var (
	_ Marker  = (*watermark.Marker)(nil)
	_ Fetcher = (*fetch.Fetcher)(nil)
)

// Caller is who calls an API route and the parameters they sent.
type Caller struct {
	// CredentialID is the calling credential; jobs are bound to it.
	CredentialID int64
	// Key is the credential's public key.
	Key string
	// Arg is the token's arg (request profile): the parameters.
	Arg []byte
	// Query holds the parameters of a qsh request (the query string); used
	// when Arg is empty.
	Query map[string][]string
}

// CallerFunc returns the verified caller of r, false when there is none.
type CallerFunc func(r *http.Request) (Caller, bool)

// AuthCaller is the default CallerFunc: the identity that the auth
// middleware verified, with arg for request tokens and the query string
// for qsh tokens.
func AuthCaller(r *http.Request) (Caller, bool) {
	id, ok := auth.FromContext(r.Context())
	if !ok {
		return Caller{}, false
	}
	c := Caller{CredentialID: id.CredentialID, Key: id.Key, Arg: id.Arg}
	if id.Profile == token.QSH {
		c.Query = r.URL.Query()
	}
	return c, true
}

// Config configures a [Service].
type Config struct {
	// Jobs configures the job queue the service opens (its database, node
	// id, workers, attempts, timeouts). The service adds its worker to
	// Workers (which may hold other packages' workers: the queue is shared)
	// and its schema to Migrations. Required: PostgresURL or SQLitePath.
	Jobs jobs.Config
	// Blob stores the encoded songs. Required.
	Blob blob.Store
	// LocalFiles is set when Blob is a local directory: the service then
	// serves the signed links it hands out (GET /v3/sl/files/{name}). With
	// an S3 store the links point at the bucket and it is nil.
	LocalFiles *blob.Local
	// Fetcher downloads songs. Required.
	Fetcher Fetcher
	// Marker embeds and detects the sound links. Required.
	Marker Marker
	// CallerFunc returns the verified caller of a request. Default
	// [AuthCaller].
	CallerFunc CallerFunc
	// TempDir holds downloads and encodings in progress, each process in
	// its own locked subdirectory (package scratch). Opening the service
	// removes what processes that died (kill -9, a crash) left there, and
	// never what a live process sharing the directory owns. Default
	// os.TempDir()/keyward; keyward serve uses DATA/tmp.
	TempDir string
	// MaxDuration bounds the songs decoded for encoding. Default
	// [DefaultMaxDuration].
	MaxDuration time.Duration
	// MaxDetectDuration bounds the audio decoded by detect. Default
	// [DefaultMaxDetect].
	MaxDetectDuration time.Duration
	// MatchFLAC writes FLAC inputs back as FLAC (smaller files). Default
	// false: every output is WAV, because FLAC encoding is much slower
	// (about 7 s for a 3-minute song on a 2-core machine, against under
	// 1 s for WAV).
	MatchFLAC bool
	// LinkTTL is the lifetime of the download links of complete answers.
	// Default [DefaultLinkTTL].
	LinkTTL time.Duration
	// Logger receives the worker's logs. Default slog.Default().
	Logger *slog.Logger
	// NowFunc is the clock. Default time.Now.
	NowFunc func() time.Time
}

// Service is the Encoding API and its worker.
type Service struct {
	cfg   Config
	queue *jobs.Queue
	db    *jobStore
	log   *slog.Logger
	tmp   *scratch.Dir
}

// Open validates cfg, opens the job queue (running its migrations) and
// returns the service. Call [Service.Start] to work jobs and
// [Service.Close] at the end.
func Open(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.CallerFunc == nil {
		cfg.CallerFunc = AuthCaller
	}
	if cfg.TempDir == "" {
		cfg.TempDir = filepath.Join(os.TempDir(), "keyward")
	}
	if cfg.MaxDuration == 0 {
		cfg.MaxDuration = DefaultMaxDuration
	}
	if cfg.MaxDetectDuration == 0 {
		cfg.MaxDetectDuration = DefaultMaxDetect
	}
	if cfg.LinkTTL == 0 {
		cfg.LinkTTL = DefaultLinkTTL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	switch {
	case cfg.Blob == nil:
		return nil, errors.New("encoding: Blob is required")
	case cfg.Fetcher == nil:
		return nil, errors.New("encoding: Fetcher is required")
	case cfg.Marker == nil:
		return nil, errors.New("encoding: Marker is required")
	}
	tmp, err := scratch.Open(scratch.Config{Parent: cfg.TempDir, LegacyPrefixes: tempPrefixes, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("encoding: temp dir: %w", err)
	}
	s := &Service{cfg: cfg, log: cfg.Logger, tmp: tmp}
	workers := cfg.Jobs.Workers
	if workers == nil {
		workers = river.NewWorkers()
	}
	if err := river.AddWorkerSafely(workers, &worker{s: s}); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("encoding: %w", err)
	}
	jc := cfg.Jobs
	jc.Workers = workers
	jc.Migrations = append(slices.Clone(jc.Migrations), migrations)
	if jc.Logger == nil {
		jc.Logger = cfg.Logger
	}
	q, err := jobs.Open(ctx, jc)
	if err != nil {
		tmp.Close()
		return nil, fmt.Errorf("encoding: %w", err)
	}
	s.queue = q
	s.db = &jobStore{q: q, now: s.now}
	return s, nil
}

// Queue returns the service's job queue.
func (s *Service) Queue() *jobs.Queue { return s.queue }

// Start starts working jobs on this node.
func (s *Service) Start(ctx context.Context) error { return s.queue.Start(ctx) }

// Stop stops taking jobs and waits for running ones until ctx ends, then
// interrupts them; interrupted jobs resume later (here or on another node).
func (s *Service) Stop(ctx context.Context) error { return s.queue.Stop(ctx) }

// Close closes the job database and removes this process's temporary
// files. Stop first.
func (s *Service) Close() error { return errors.Join(s.queue.Close(), s.tmp.Close()) }

// tempPrefixes start the names of temporary files: downloads, encodings
// and detect's downloads. Versions before package scratch wrote them
// directly in TempDir, where a crash left them.
var tempPrefixes = []string{"download-", "encoded-", "detect-"}

// tempFile creates a temporary file of kind (one of tempPrefixes) in this
// process's directory.
func (s *Service) tempFile(kind string) (*os.File, error) {
	return os.CreateTemp(s.tmp.Path(), kind+"*")
}

// Endpoints returns the service's endpoints: start, query and detect,
// which take request or qsh tokens of the encoding group (start and
// detect spend them: single use), and, with [Config.LocalFiles], the public download of
// signed links.
func (s *Service) Endpoints() []auth.Endpoint {
	profiles := token.ProfileSet(token.Request, token.QSH)
	eps := []auth.Endpoint{
		{ID: APIStart, Pattern: "POST /v3/sl/encoding", Tag: "encoding", Handler: http.HandlerFunc(s.handleStart),
			Summary: "Start auto encoding: arg {src, artist} → {query}",
			Policy:  &auth.Route{Group: Group, Profiles: profiles, SingleUse: true}},
		{ID: APIQuery, Pattern: "POST /v3/sl/query", Tag: "encoding", Handler: http.HandlerFunc(s.handleQuery),
			Summary: "Query encoding result: arg {query} → {status: processing|complete|failed, message}",
			Policy:  &auth.Route{Group: Group, Profiles: profiles}},
		// Detect downloads and decodes: a token buys one run, as for a start.
		{ID: APIDetect, Pattern: "POST /v3/sl/detect", Tag: "encoding", Handler: http.HandlerFunc(s.handleDetect),
			Summary: "Find the sound link in an audio file: arg {src} → {found, soundlink}",
			Policy:  &auth.Route{Group: Group, Profiles: profiles, SingleUse: true}},
	}
	if s.cfg.LocalFiles != nil {
		eps = append(eps, auth.Endpoint{ID: APIFile, Pattern: s.cfg.LocalFiles.Pattern(), Tag: "encoding", Handler: http.HandlerFunc(s.handleFile),
			Summary: "Download an encoded song by its signed, time-limited link"})
	}
	return eps
}

// decodeLimits are the limits of songs to encode.
func (s *Service) decodeLimits() audio.Limits {
	return audio.Limits{MaxDuration: s.cfg.MaxDuration}
}
