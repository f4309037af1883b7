package blob

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// unsignedPayload is the payload hash of requests whose body is not hashed.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// S3Config configures an [S3] store.
type S3Config struct {
	// Endpoint is the store's base URL, e.g. "https://s3.eu-west-1.amazonaws.com"
	// or "http://127.0.0.1:9000" for MinIO. Required.
	Endpoint string
	// Region is the signing region. Default "us-east-1" (what MinIO and most
	// compatible stores expect).
	Region string
	// Bucket holds the files; it must exist. Required.
	Bucket string
	// Prefix is put before every name, e.g. "keyward/". Default "".
	Prefix string
	// AccessKey and SecretKey are the store's credentials. Required.
	AccessKey string
	SecretKey string
	// VirtualHost addresses the bucket as BUCKET.host instead of
	// host/BUCKET (path style, the default, which every compatible store
	// accepts).
	VirtualHost bool
	// HTTPClient sends the requests. Default a client with a 5-minute
	// timeout.
	HTTPClient *http.Client
	// NowFunc is the clock. Default time.Now.
	NowFunc func() time.Time
}

// S3 is a [Store] in an S3-compatible object store. It speaks the four
// calls it needs (PutObject, GetObject, DeleteObject and a presigned GET)
// with AWS Signature Version 4 and nothing else: no multipart upload, so a
// file is at most 5 GiB.
type S3 struct {
	cfg  S3Config
	base *url.URL
}

var _ Store = (*S3)(nil)

// NewS3 returns an S3 store for cfg.
func NewS3(cfg S3Config) (*S3, error) {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Minute}
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	u, err := url.Parse(cfg.Endpoint)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("blob: S3 Endpoint %q is not an absolute http(s) URL", cfg.Endpoint)
	case cfg.Bucket == "":
		return nil, errors.New("blob: S3 Bucket is required")
	case cfg.AccessKey == "" || cfg.SecretKey == "":
		return nil, errors.New("blob: S3 AccessKey and SecretKey are required")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return &S3{cfg: cfg, base: u}, nil
}

// objectURL returns the URL of the object for name.
func (s *S3) objectURL(name string) *url.URL {
	u := *s.base
	key := s.cfg.Prefix + name
	if s.cfg.VirtualHost {
		u.Host = s.cfg.Bucket + "." + u.Host
		u.Path = u.Path + "/" + key
	} else {
		u.Path = u.Path + "/" + s.cfg.Bucket + "/" + key
	}
	u.RawPath = ""
	return &u
}

// Put uploads the object. A body that is an io.ReadSeeker is hashed and
// the hash signed; any other body is sent as UNSIGNED-PAYLOAD.
func (s *S3) Put(ctx context.Context, name string, r io.Reader, size int64, contentType string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if size < 0 {
		return errors.New("blob: S3 Put needs the size")
	}
	hash := unsignedPayload
	if rs, ok := r.(io.ReadSeeker); ok {
		start, err := rs.Seek(0, io.SeekCurrent)
		if err != nil {
			return fmt.Errorf("blob: put %s: %w", name, err)
		}
		h := sha256.New()
		if _, err := io.CopyN(h, rs, size); err != nil {
			return fmt.Errorf("blob: put %s: hash: %w", name, err)
		}
		if _, err := rs.Seek(start, io.SeekStart); err != nil {
			return fmt.Errorf("blob: put %s: %w", name, err)
		}
		hash = hex.EncodeToString(h.Sum(nil))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, s.objectURL(name).String(), io.NopCloser(io.LimitReader(r, size)))
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", name, err)
	}
	req.ContentLength = size
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.do(req, hash)
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", name, err)
	}
	resp.Body.Close()
	return nil
}

// Get downloads the object.
func (s *S3) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.objectURL(name).String(), nil)
	if err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", name, err)
	}
	resp, err := s.do(req, emptyHash)
	if err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", name, err)
	}
	return resp.Body, nil
}

// Delete removes the object (S3 answers 204 for a missing one too).
func (s *S3) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, s.objectURL(name).String(), nil)
	if err != nil {
		return fmt.Errorf("blob: delete %s: %w", name, err)
	}
	resp, err := s.do(req, emptyHash)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("blob: delete %s: %w", name, err)
	}
	resp.Body.Close()
	return nil
}

// SignedURL returns a presigned GET URL valid for ttl (at most 7 days, the
// limit of Signature Version 4).
func (s *S3) SignedURL(ctx context.Context, name string, ttl time.Duration) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	if ttl <= 0 || ttl > 7*24*time.Hour {
		return "", errors.New("blob: S3 link lifetime must be within (0, 7 days]")
	}
	u := s.objectURL(name)
	return presign(u, s.cfg.AccessKey, s.cfg.SecretKey, s.cfg.Region, s.cfg.NowFunc(), ttl), nil
}

var emptyHash = hex.EncodeToString(sha256.New().Sum(nil))

// do signs and sends req and turns error statuses into errors.
func (s *S3) do(req *http.Request, payloadHash string) (*http.Response, error) {
	signRequest(req, s.cfg.AccessKey, s.cfg.SecretKey, s.cfg.Region, payloadHash, s.cfg.NowFunc())
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	code := xmlField(body, "Code")
	if resp.StatusCode == http.StatusNotFound || code == "NoSuchKey" {
		return nil, ErrNotFound
	}
	return nil, fmt.Errorf("S3 answered %d %s: %s", resp.StatusCode, code, xmlField(body, "Message"))
}

// xmlField returns the text of the first <name> element of an S3 error.
func xmlField(b []byte, name string) string {
	s := string(b)
	i := strings.Index(s, "<"+name+">")
	if i < 0 {
		return ""
	}
	s = s[i+len(name)+2:]
	if j := strings.Index(s, "</"+name+">"); j >= 0 {
		return s[:j]
	}
	return ""
}

// signRequest adds the Signature Version 4 headers to req: host, every
// x-amz-* header, content-type and range are signed.
func signRequest(req *http.Request, accessKey, secretKey, region, payloadHash string, now time.Time) {
	now = now.UTC()
	amzDate := now.Format("20060102T150405Z")
	req.Header.Set("X-Amz-Date", amzDate)
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	headers := map[string]string{"host": req.URL.Host}
	if req.Host != "" {
		headers["host"] = req.Host
	}
	for k, v := range req.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-") || lk == "content-type" || lk == "range" || lk == "content-md5" {
			headers[lk] = strings.Join(trimAll(v), ",")
		}
	}
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	var canonHeaders strings.Builder
	for _, k := range names {
		canonHeaders.WriteString(k + ":" + headers[k] + "\n")
	}
	signed := strings.Join(names, ";")
	canon := strings.Join([]string{
		req.Method, canonicalURI(req.URL), canonicalQuery(req.URL.Query()),
		canonHeaders.String(), signed, payloadHash,
	}, "\n")
	scope := now.Format("20060102") + "/" + region + "/s3/aws4_request"
	sig := signature(secretKey, now, region, amzDate, scope, canon)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+accessKey+"/"+scope+
		", SignedHeaders="+signed+", Signature="+sig)
}

// presign returns u with the query of a presigned GET valid for ttl.
func presign(u *url.URL, accessKey, secretKey, region string, now time.Time, ttl time.Duration) string {
	now = now.UTC()
	amzDate := now.Format("20060102T150405Z")
	scope := now.Format("20060102") + "/" + region + "/s3/aws4_request"
	q := u.Query()
	q.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA256")
	q.Set("X-Amz-Credential", accessKey+"/"+scope)
	q.Set("X-Amz-Date", amzDate)
	q.Set("X-Amz-Expires", strconv.FormatInt(int64(ttl/time.Second), 10))
	q.Set("X-Amz-SignedHeaders", "host")
	canon := strings.Join([]string{
		http.MethodGet, canonicalURI(u), canonicalQuery(q),
		"host:" + u.Host + "\n", "host", unsignedPayload,
	}, "\n")
	q.Set("X-Amz-Signature", signature(secretKey, now, region, amzDate, scope, canon))
	out := *u
	out.RawQuery = canonicalQuery(q)
	return out.String()
}

// signature derives the signing key and signs the canonical request.
func signature(secretKey string, now time.Time, region, amzDate, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	k := hmacSHA256([]byte("AWS4"+secretKey), now.Format("20060102"))
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, "s3")
	k = hmacSHA256(k, "aws4_request")
	return hex.EncodeToString(hmacSHA256(k, toSign))
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func trimAll(v []string) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = strings.Join(strings.Fields(s), " ")
	}
	return out
}

// canonicalURI encodes each segment of the path as S3 expects (once, '/'
// kept).
func canonicalURI(u *url.URL) string {
	p := u.Path
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = uriEncode(s)
	}
	return strings.Join(segs, "/")
}

// canonicalQuery sorts and encodes the query the Signature Version 4 way.
func canonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, uriEncode(k)+"="+uriEncode(v))
		}
	}
	return strings.Join(parts, "&")
}

// uriEncode percent-encodes everything but the unreserved characters.
func uriEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
