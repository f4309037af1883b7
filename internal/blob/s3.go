package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// DefaultPartSize is the part size of S3 multipart uploads when
// S3Config.PartSize is 0: files up to it go in one PUT, larger ones in
// parts of it.
const DefaultPartSize = 16 << 20

// S3Config configures an [S3] store.
type S3Config struct {
	// Endpoint is the store's base URL, e.g. "https://s3.eu-west-1.amazonaws.com"
	// or "http://127.0.0.1:9000" for MinIO: a scheme and a host, no path.
	// Required.
	Endpoint string
	// Region is the signing region. Default "us-east-1" (what MinIO and most
	// compatible stores expect). Being set, it is never looked up.
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
	// PartSize is the size of the parts of a multipart upload, at least
	// 5 MiB. Default [DefaultPartSize].
	PartSize uint64
	// Transport sends the requests. Default minio-go's (HTTP keep-alive,
	// proxies from the environment).
	Transport http.RoundTripper
}

// S3 is a [Store] in an S3-compatible object store, through minio-go:
// streaming multipart uploads for files larger than a part, retries of
// failed requests, Signature Version 4 and presigned GET links.
type S3 struct {
	cfg    S3Config
	client *minio.Client
}

var _ Store = (*S3)(nil)

// NewS3 returns an S3 store for cfg. It sends nothing until it is used.
func NewS3(cfg S3Config) (*S3, error) {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	u, err := url.Parse(cfg.Endpoint)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("blob: S3 Endpoint %q is not an absolute http(s) URL", cfg.Endpoint)
	case strings.Trim(u.Path, "/") != "" || u.RawQuery != "":
		return nil, fmt.Errorf("blob: S3 Endpoint %q must have no path or query", cfg.Endpoint)
	case cfg.Bucket == "":
		return nil, errors.New("blob: S3 Bucket is required")
	case cfg.AccessKey == "" || cfg.SecretKey == "":
		return nil, errors.New("blob: S3 AccessKey and SecretKey are required")
	case cfg.PartSize < 5<<20:
		return nil, errors.New("blob: S3 PartSize must be at least 5 MiB")
	}
	lookup := minio.BucketLookupPath
	if cfg.VirtualHost {
		lookup = minio.BucketLookupDNS
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       u.Scheme == "https",
		Region:       cfg.Region,
		BucketLookup: lookup,
		Transport:    cfg.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: S3 client: %w", err)
	}
	return &S3{cfg: cfg, client: client}, nil
}

// Put uploads the object: in one PUT up to PartSize, else as a multipart
// upload of PartSize parts (an aborted one leaves no object).
func (s *S3) Put(ctx context.Context, name string, r io.Reader, size int64, contentType string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if size < 0 {
		return errors.New("blob: S3 Put needs the size")
	}
	_, err := s.client.PutObject(ctx, s.cfg.Bucket, s.cfg.Prefix+name, r, size, minio.PutObjectOptions{
		ContentType: contentType,
		PartSize:    s.cfg.PartSize,
	})
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", name, err)
	}
	return nil
}

// Get downloads the object.
func (s *S3) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.cfg.Bucket, s.cfg.Prefix+name, minio.GetObjectOptions{})
	if err == nil {
		// GetObject sends nothing; Stat asks, so a missing object fails here.
		if _, err = obj.Stat(); err != nil {
			obj.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", name, notFound(err))
	}
	return obj, nil
}

// Delete removes the object (S3 answers 204 for a missing one too).
func (s *S3) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.cfg.Bucket, s.cfg.Prefix+name, minio.RemoveObjectOptions{})
	if err != nil && !errors.Is(notFound(err), ErrNotFound) {
		return fmt.Errorf("blob: delete %s: %w", name, err)
	}
	return nil
}

// SignedURL returns a presigned GET URL valid for ttl (at most 7 days, the
// limit of Signature Version 4). Signing sends nothing.
func (s *S3) SignedURL(ctx context.Context, name string, ttl time.Duration) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	if ttl < time.Second || ttl > 7*24*time.Hour {
		return "", errors.New("blob: S3 link lifetime must be within [1s, 7 days]")
	}
	u, err := s.client.PresignedGetObject(ctx, s.cfg.Bucket, s.cfg.Prefix+name, ttl, nil)
	if err != nil {
		return "", fmt.Errorf("blob: sign link to %s: %w", name, err)
	}
	return u.String(), nil
}

// notFound returns ErrNotFound, wrapping err, when S3 said the object does
// not exist, and err otherwise.
func notFound(err error) error {
	if r := minio.ToErrorResponse(err); r.Code == minio.NoSuchKey || r.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}
