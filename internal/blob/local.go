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
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/atomicfile"
)

// DefaultFilesPath is the path the links point under by default.
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
	// FilesPath is the path the links point under, ending in '/'.
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
	f, err := l.open(name, "get")
	if err != nil {
		return nil, err // not a nil *os.File in a non-nil interface
	}
	return f, nil
}

// open opens the file of blob name: ErrNotFound when there is none, and
// errors that name op otherwise.
func (l *Local) open(name, op string) (*os.File, error) {
	f, err := os.Open(filepath.Join(l.cfg.Dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: %s %s: %w", op, name, err)
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

// Errors of [Local.OpenLink].
var (
	// ErrLinkInvalid means the link's signature does not match its name
	// and expiry.
	ErrLinkInvalid = errors.New("blob: the download link is not valid")
	// ErrLinkExpired means the link's expiry has passed.
	ErrLinkExpired = errors.New("blob: the download link has expired")
)

// Pattern returns the ServeMux pattern of the links [Local.SignedURL]
// makes: "GET " + FilesPath + "{name}". The Encoding API serves it with
// [Local.OpenLink].
func (l *Local) Pattern() string { return "GET " + l.cfg.FilesPath + "{name}" }

// OpenLink opens the file that a link made by [Local.SignedURL] names,
// given the link's name and query (exp, sig). It returns ErrLinkInvalid
// when the signature does not match, ErrLinkExpired when the link has
// expired, and ErrNotFound when the file is gone.
func (l *Local) OpenLink(name string, query url.Values) (*os.File, error) {
	exp, err := strconv.ParseInt(query.Get("exp"), 10, 64)
	if !ValidName(name) || err != nil || !hmac.Equal([]byte(query.Get("sig")), []byte(l.sign(name, exp))) {
		return nil, ErrLinkInvalid
	}
	if l.cfg.NowFunc().Unix() > exp {
		return nil, ErrLinkExpired
	}
	return l.open(name, "open")
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
