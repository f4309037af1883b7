package encoding

import (
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"

	"github.com/keyward/keyward/internal/migrate"
	"github.com/keyward/keyward/internal/watermark"
)

//go:embed migration
var migrationFS embed.FS

// migrations is the schema of the jobs and sound links.
var migrations = migrate.Set{Name: "encoding", FS: migrationFS}

// job is one row of encoding_job.
type job struct {
	ID           string
	CredentialID int64
	Src          string
	Artist       string
	SoundLink    string
	Status       string
	Stage        string
	Progress     float64
	Message      string
	RiverJobID   int64
	Cancel       int64
	InputFormat  string
	BlobName     string
	Format       string
	DurationMS   int64
	SampleRate   int64
	Channels     int64
	Size         int64
	Timings      timings
	Attempts     int64
	CreatedAt    int64
	FinishedAt   int64
}

// timings are the milliseconds spent in each stage of the last attempt.
type timings struct {
	DownloadMS int64 `json:"download_ms"`
	DecodeMS   int64 `json:"decode_ms"`
	MarkMS     int64 `json:"mark_ms"`
	EncodeMS   int64 `json:"encode_ms"`
	StoreMS    int64 `json:"store_ms"`
}

// newQuery returns a fresh query credential: "q_" and 192 random bits.
func newQuery() string {
	b := make([]byte, 24)
	rand.Read(b)
	return "q_" + base64.RawURLEncoding.EncodeToString(b)
}

// hashQuery is what is stored of a query credential.
func hashQuery(q string) string {
	sum := sha256.Sum256([]byte("keyward-query-v1\x00" + strings.TrimSpace(q)))
	return hex.EncodeToString(sum[:])
}

// newJobID returns a job id: "job_" and 16 hex digits.
func newJobID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "job_" + hex.EncodeToString(b)
}

// newSoundLink returns a random non-zero sound link id.
func newSoundLink() watermark.ID {
	for {
		var b [8]byte
		rand.Read(b[:])
		if id := watermark.ID(binary.BigEndian.Uint64(b[:])); id != 0 {
			return id
		}
	}
}
