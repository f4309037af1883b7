// Package blob stores the files keyward makes (encoded songs) and hands out
// time-limited, signed links to download them.
//
// Two implementations satisfy [Store]: [Local], a directory (the default,
// inside the data directory), whose links point at keyward itself (the
// Encoding API serves them with [Local.OpenLink]); and [S3], any S3-compatible object store (AWS S3, MinIO,
// Ceph, R2, …) through minio-go, whose links are presigned GET URLs served
// by the store itself. S3 is the scale-out option:
// every node sees every file.
//
// Names are flat: letters, digits, '.', '_' and '-', 1 to 200 characters,
// not starting with a dot. [ValidName] checks one.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Errors of the package.
var (
	// ErrNotFound means no file has the name.
	ErrNotFound = errors.New("blob: not found")
	// ErrName means the name breaks the naming rule.
	ErrName = errors.New("blob: invalid name")
)

// Store keeps named files.
//
// This interface is an adapter seam inside keyward; its API is not stable.
type Store interface {
	// Put stores size bytes of r under name, replacing any file of that
	// name. A reader that is also an io.Seeker or io.ReaderAt may be read
	// more than once (S3 hashes parts and retries them). A failed Put
	// leaves no partial file readable under name.
	Put(ctx context.Context, name string, r io.Reader, size int64, contentType string) error
	// Get opens the file. It returns ErrNotFound when there is none.
	Get(ctx context.Context, name string) (io.ReadCloser, error)
	// Delete removes the file; deleting a missing file is not an error.
	Delete(ctx context.Context, name string) error
	// SignedURL returns a link that downloads the file without any other
	// credential until ttl has passed. Anyone holding the link can use it:
	// hand it only to the file's owner.
	SignedURL(ctx context.Context, name string, ttl time.Duration) (string, error)
}

// ValidName reports whether name follows the naming rule.
func ValidName(name string) bool {
	if len(name) == 0 || len(name) > 200 || name[0] == '.' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func checkName(name string) error {
	if !ValidName(name) {
		return fmt.Errorf("%w: %q", ErrName, name)
	}
	return nil
}
