package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"hash"
	"sync"
)

// MinSecretSize is the least number of bytes of a secret keyward generates.
// [NewSecret] accepts shorter secrets, because the seeds' own samples use
// short strings; issuing code should refuse them.
const MinSecretSize = 32

// ErrEmptySecret is returned when signing or verifying with an empty secret.
var ErrEmptySecret = errors.New("token: empty secret")

// Secret is one HMAC-SHA256 key, optionally named by a key id (kid). It keeps
// a pool of initialised HMAC states so that signing and verifying allocate
// nothing. A Secret is safe for concurrent use. Build it once per secret and
// keep it; building one costs a few allocations.
type Secret struct {
	kid  string
	pool sync.Pool
}

// NewSecret returns a Secret for key material b (copied) with key id kid
// ("" for none).
func NewSecret(kid string, b []byte) (*Secret, error) {
	if len(b) == 0 {
		return nil, ErrEmptySecret
	}
	key := append([]byte(nil), b...)
	s := &Secret{kid: kid}
	s.pool.New = func() any { return hmac.New(sha256.New, key) }
	return s, nil
}

// MustSecret is like [NewSecret] but panics on an empty secret; for tests
// and examples.
func MustSecret(kid string, b []byte) *Secret {
	s, err := NewSecret(kid, b)
	if err != nil {
		panic(err)
	}
	return s
}

// KID returns the secret's key id, or "".
func (s *Secret) KID() string { return s.kid }

// sum appends HMAC-SHA256(signingInput) to dst.
func (s *Secret) sum(dst, signingInput []byte) []byte {
	h := s.pool.Get().(hash.Hash)
	h.Reset()
	h.Write(signingInput)
	dst = h.Sum(dst)
	s.pool.Put(h)
	return dst
}
