package blob

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/atomicfile"
	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/errcode"
)

// DefaultFilesPath is where [Local.Handler] is mounted by default.
const DefaultFilesPath = "/v3/sl/files/"

// LocalConfig configures a [Local] store.
type LocalConfig struct {
	// Dir is the directory the files live in; it is created (mode 0700).
	// Required. keyward uses DATA/files.
	Dir string
	// Secret keys the HMAC-SHA256 signature of download links. At least 32
	// bytes; required. Every node serving the same files needs the same
	// secret. Changing it invalidates every link handed out.
	Secret []byte
	// BaseURL is the server's public address, e.g. "https://kw.example.com";
	// links are BaseURL + FilesPath + name + "?exp=…&sig=…". Required.
	BaseURL string
	// FilesPath is the path [Local.Handler] is mounted at, ending in '/'.
	// Default [DefaultFilesPath].
	FilesPath string
	// NowFunc is the clock. Default time.Now.
	NowFunc func() time.Time
}

// Local is a [Store] in a directory of the local file system.
type Local struct {
	cfg LocalConfig
}

var _ Store = (*Local)(nil)

// NewLocal returns a Local store for cfg, creating its directory.
func NewLocal(cfg LocalConfig) (*Local, error) {
	if cfg.FilesPath == "" {
		cfg.FilesPath = DefaultFilesPath
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	switch {
	case cfg.Dir == "":
		return nil, errors.New("blob: Dir is required")
	case len(cfg.Secret) < 32:
		return nil, errors.New("blob: Secret must be at least 32 bytes")
	case !strings.HasPrefix(cfg.FilesPath, "/") || !strings.HasSuffix(cfg.FilesPath, "/"):
		return nil, fmt.Errorf("blob: FilesPath %q must start and end with /", cfg.FilesPath)
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("blob: BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", cfg.Dir, err)
	}
	return &Local{cfg: cfg}, nil
}

// Put writes the file atomically: a reader sees the whole file or none.
func (l *Local) Put(ctx context.Context, name string, r io.Reader, size int64, contentType string) error {
	if err := checkName(name); err != nil {
		return err
	}
	err := atomicfile.Write(filepath.Join(l.cfg.Dir, name), 0o600, func(w io.Writer) error {
		n, err := io.Copy(w, &ctxReader{ctx: ctx, r: r})
		if err == nil && size >= 0 && n != size {
			err = fmt.Errorf("wrote %d bytes, want %d", n, size)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", name, err)
	}
	return nil
}

// Get opens the file.
func (l *Local) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(l.cfg.Dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", name, err)
	}
	return f, nil
}

// Delete removes the file.
func (l *Local) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	err := os.Remove(filepath.Join(l.cfg.Dir, name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", name, err)
	}
	return nil
}

// SignedURL returns BaseURL + FilesPath + name with an expiry and an
// HMAC-SHA256 signature over both.
func (l *Local) SignedURL(ctx context.Context, name string, ttl time.Duration) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	if ttl <= 0 {
		return "", errors.New("blob: ttl must be positive")
	}
	exp := l.cfg.NowFunc().Add(ttl).Unix()
	q := url.Values{"exp": {strconv.FormatInt(exp, 10)}, "sig": {l.sign(name, exp)}}
	return l.cfg.BaseURL + l.cfg.FilesPath + name + "?" + q.Encode(), nil
}

func (l *Local) sign(name string, exp int64) string {
	m := hmac.New(sha256.New, l.cfg.Secret)
	fmt.Fprintf(m, "keyward-blob-v1\n%s\n%d", name, exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Pattern returns the ServeMux pattern of [Local.Handler]:
// "GET " + FilesPath + "{name}".
func (l *Local) Pattern() string { return "GET " + l.cfg.FilesPath + "{name}" }

// Handler serves signed links: GET FilesPath{name}?exp=&sig=. It needs no
// token: the signature is the credential. A bad or expired signature is
// answered 403 in the JSON envelope, a missing file 404. Range requests are
// honoured.
func (l *Local) Handler() http.Handler {
	return http.HandlerFunc(l.handleFile)
}

// handleFile serves GET /v3/sl/files/{name}.
func (l *Local) handleFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if name == "" {
		name = strings.TrimPrefix(r.URL.Path, l.cfg.FilesPath)
	}
	q := r.URL.Query()
	exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if !ValidName(name) || err != nil || !hmac.Equal([]byte(q.Get("sig")), []byte(l.sign(name, exp))) {
		envelope.Error(w, r, errcode.Errorf(errcode.Forbidden, "the download link is not valid"))
		return
	}
	if l.cfg.NowFunc().Unix() > exp {
		envelope.Error(w, r, errcode.Errorf(errcode.Forbidden, "the download link has expired; ask for the job's status again to get a new one"))
		return
	}
	f, err := os.Open(filepath.Join(l.cfg.Dir, name))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			envelope.Error(w, r, errcode.Errorf(errcode.NotFound, "the file no longer exists"))
			return
		}
		envelope.Error(w, r, fmt.Errorf("blob: open %s: %w", name, err))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		envelope.Error(w, r, fmt.Errorf("blob: stat %s: %w", name, err))
		return
	}
	ct := mime.TypeByExtension(filepath.Ext(name))
	switch filepath.Ext(name) {
	case ".wav":
		ct = "audio/wav"
	case ".flac":
		ct = "audio/flac"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", "attachment; filename=\""+name+"\"")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=0")
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// ctxReader stops a copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
