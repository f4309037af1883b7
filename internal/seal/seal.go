// Package seal encrypts secrets at rest with AES-256-GCM.
//
// The encryption key is derived with HKDF-SHA256 from a master key of at
// least 32 random bytes, which comes from the environment
// ([EnvKey], KEYWARD_MASTER_KEY), from a file, or — when neither is given —
// from DATA_DIR/master.key, created with mode 0600 on first start
// ([LoadOrCreate]).
//
// Every sealed value is bound to where it is stored by associated data (the
// row's id): a ciphertext copied into another row does not open. The sealed
// format is versioned:
//
//	version (1 byte, 0x01) | key id (4 bytes) | nonce (12 bytes) | ciphertext and GCM tag
//
// The key id is derived from the master key, so opening with the wrong
// master key fails with [ErrWrongKey] rather than looking like tampering.
//
// # Caveats
//
// Losing the master key loses every stored secret: back it up with the
// database, but not in the same place. Anyone who holds both the database and
// the master key can read the secrets. Random nonces are safe for far more
// seals than a credential store makes (2^32 per key).
package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/keyward/keyward/internal/atomicfile"
)

// Format constants.
const (
	// Version1 is the first byte of a sealed value in the current format.
	Version1 byte = 0x01
	// MinKeyLen is the shortest master key accepted, in bytes.
	MinKeyLen = 32
	// EnvKey is the environment variable that may hold the master key, hex
	// or base64 encoded.
	EnvKey = "KEYWARD_MASTER_KEY"

	keyIDLen  = 4
	nonceLen  = 12
	headerLen = 1 + keyIDLen + nonceLen
)

var (
	// ErrWrongKey is returned by [Sealer.Open] when the value was sealed
	// under another master key.
	ErrWrongKey = errors.New("seal: sealed under a different master key")
	// ErrCorrupt is returned by [Sealer.Open] when the value is not in a
	// known format, was altered, or belongs to other associated data.
	ErrCorrupt = errors.New("seal: sealed value is corrupt or belongs elsewhere")
)

// Sealer seals and opens values under one master key. It is safe for
// concurrent use.
type Sealer struct {
	aead  cipher.AEAD
	keyID [keyIDLen]byte
	// prk is the HKDF pseudo-random key of the master key, from which
	// DeriveKey expands keys for other uses.
	prk []byte
}

// New returns a Sealer for masterKey, which must hold at least [MinKeyLen]
// random bytes. The caller may clear masterKey afterwards.
func New(masterKey []byte) (*Sealer, error) {
	if len(masterKey) < MinKeyLen {
		return nil, fmt.Errorf("seal: master key has %d bytes, want at least %d", len(masterKey), MinKeyLen)
	}
	key, err := hkdf.Key(sha256.New, masterKey, nil, "keyward seal v1 aes-256-gcm", 32)
	if err != nil {
		return nil, fmt.Errorf("seal: derive key: %w", err)
	}
	id, err := hkdf.Key(sha256.New, masterKey, nil, "keyward seal v1 key id", keyIDLen)
	if err != nil {
		return nil, fmt.Errorf("seal: derive key id: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: gcm: %w", err)
	}
	prk, err := hkdf.Extract(sha256.New, masterKey, nil)
	if err != nil {
		return nil, fmt.Errorf("seal: extract: %w", err)
	}
	s := &Sealer{aead: aead, prk: prk}
	copy(s.keyID[:], id)
	return s, nil
}

// DeriveKey returns n bytes derived from the master key for the use label
// names (HKDF-SHA256). Every node with the same master key derives the same
// key, and keys for different labels are independent. Use it for keys that
// must be shared by all nodes and survive restarts, such as the key that
// signs download links or the watermark key.
func (s *Sealer) DeriveKey(label string, n int) []byte {
	k, err := hkdf.Expand(sha256.New, s.prk, "keyward derived key v1: "+label, n)
	if err != nil {
		panic("seal: derive " + label + ": " + err.Error()) // only for n > 255*32
	}
	return k
}

// WatermarkKey returns the secret key sound links are marked under: derived
// from the master key, so every node, and "keyward watermark --data DIR"
// run against a data directory, finds the marks the server made. It must
// never change: marks made under it are found only with it.
func (s *Sealer) WatermarkKey() []byte { return s.DeriveKey("watermark", 32) }

// KeyID returns the hex id of the master key, safe to log: it tells keys
// apart without revealing them.
func (s *Sealer) KeyID() string { return hex.EncodeToString(s.keyID[:]) }

// Seal encrypts plaintext bound to aad (the id of the row it is stored in).
func (s *Sealer) Seal(plaintext, aad []byte) ([]byte, error) {
	out := make([]byte, headerLen, headerLen+len(plaintext)+s.aead.Overhead())
	out[0] = Version1
	copy(out[1:], s.keyID[:])
	if _, err := rand.Read(out[1+keyIDLen : headerLen]); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return s.aead.Seal(out, out[1+keyIDLen:headerLen], plaintext, s.additional(out[:1], aad)), nil
}

// Open decrypts a value made by [Sealer.Seal] with the same aad. It returns
// [ErrWrongKey] or [ErrCorrupt].
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < headerLen+s.aead.Overhead() || sealed[0] != Version1 {
		return nil, ErrCorrupt
	}
	if !bytes.Equal(sealed[1:1+keyIDLen], s.keyID[:]) {
		return nil, ErrWrongKey
	}
	plain, err := s.aead.Open(nil, sealed[1+keyIDLen:headerLen], sealed[headerLen:], s.additional(sealed[:1], aad))
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// additional binds the format version to the caller's associated data.
func (s *Sealer) additional(version, aad []byte) []byte {
	ad := make([]byte, 0, len(version)+keyIDLen+len(aad))
	ad = append(ad, version...)
	ad = append(ad, s.keyID[:]...)
	return append(ad, aad...)
}

// ParseKey decodes a master key written as hex or base64 (standard or URL
// alphabet, padded or not), ignoring surrounding white space. The decoded key
// must have at least [MinKeyLen] bytes.
func ParseKey(text []byte) ([]byte, error) {
	s := strings.TrimSpace(string(text))
	var key []byte
	if b, err := hex.DecodeString(s); err == nil {
		key = b
	} else {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(s); err == nil {
				key = b
				break
			}
		}
	}
	if key == nil {
		return nil, errors.New("seal: master key is neither hex nor base64")
	}
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("seal: master key has %d bytes, want at least %d", len(key), MinKeyLen)
	}
	return key, nil
}

// Load reads the master key file at path and returns its Sealer.
func Load(path string) (*Sealer, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seal: read master key: %w", err)
	}
	key, err := ParseKey(text)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return New(key)
}

// LoadOrCreate reads the master key file at path, creating it first with a
// new random key (hex, mode 0600) when it does not exist. created reports
// whether this call made the file. Creation is atomic: the file appears
// complete or not at all, and when two processes race exactly one key wins
// and both use it.
func LoadOrCreate(path string) (s *Sealer, created bool, err error) {
	if _, err := os.Stat(path); err == nil {
		s, err := Load(path)
		return s, false, err
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("seal: stat master key: %w", err)
	}
	key := make([]byte, MinKeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, false, fmt.Errorf("seal: generate master key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("seal: create key directory: %w", err)
	}
	// WriteNew never replaces a file, so a concurrent creator's key is never
	// overwritten: the loser reads the winner's file.
	err = atomicfile.WriteNewFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600)
	if errors.Is(err, fs.ErrExist) {
		s, err := Load(path)
		return s, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("seal: install master key: %w", err)
	}
	s, err = New(key)
	return s, err == nil, err
}

// Config says where the master key comes from. The first one set wins: Key,
// then KeyFile, then DefaultFile.
type Config struct {
	// Key is the master key text, hex or base64, typically the value of
	// [EnvKey].
	Key string
	// KeyFile is a file holding the master key; it must exist.
	KeyFile string
	// DefaultFile is where the key is kept when neither Key nor KeyFile is
	// given, typically DATA_DIR/master.key; it is created on first use.
	DefaultFile string
}

// FromConfig returns the Sealer that cfg describes. created reports whether
// a new master key file was made.
func FromConfig(cfg *Config) (s *Sealer, created bool, err error) {
	switch {
	case cfg.Key != "":
		key, err := ParseKey([]byte(cfg.Key))
		if err != nil {
			return nil, false, fmt.Errorf("%w (%s)", err, EnvKey)
		}
		s, err := New(key)
		return s, false, err
	case cfg.KeyFile != "":
		s, err := Load(cfg.KeyFile)
		return s, false, err
	case cfg.DefaultFile != "":
		return LoadOrCreate(cfg.DefaultFile)
	}
	return nil, false, errors.New("seal: no master key configured")
}
