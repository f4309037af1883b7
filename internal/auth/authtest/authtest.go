// Package authtest provides a fake [auth.KeySource] with a change feed, for
// tests of the door and of handlers behind it.
package authtest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/keyward/keyward/internal/auth"
)

// Source is an in-memory [auth.KeySource]. Its methods are safe for
// concurrent use. Every change (Put, Revoke, Delete) is appended to the
// change feed.
type Source struct {
	mu      sync.Mutex
	keys    map[string]auth.Key
	changes []string
	// Err, when set, is returned by every method (a store that is down).
	err atomic.Pointer[error]
	// Lookups counts LookupKey calls.
	Lookups atomic.Int64
}

var _ auth.KeySource = (*Source)(nil)

// NewSource returns a source holding keys.
func NewSource(keys ...auth.Key) *Source {
	s := &Source{keys: map[string]auth.Key{}}
	for _, k := range keys {
		s.keys[k.Key] = k
	}
	return s
}

// Put adds or replaces a key and announces it.
func (s *Source) Put(k auth.Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[k.Key] = k
	s.changes = append(s.changes, k.Key)
}

// Revoke marks key revoked (no secrets) and announces it.
func (s *Source) Revoke(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keys[key]
	k.Active, k.Secrets = false, nil
	s.keys[key] = k
	s.changes = append(s.changes, key)
}

// SetErr makes every method fail with err (nil restores).
func (s *Source) SetErr(err error) {
	if err == nil {
		s.err.Store(nil)
		return
	}
	s.err.Store(&err)
}

func (s *Source) failing() error {
	if p := s.err.Load(); p != nil {
		return *p
	}
	return nil
}

// LookupKey implements [auth.KeySource].
func (s *Source) LookupKey(ctx context.Context, key string) (*auth.Key, error) {
	s.Lookups.Add(1)
	if err := s.failing(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[key]
	if !ok {
		return nil, fmt.Errorf("authtest: %q: %w", key, auth.ErrKeyNotFound)
	}
	return &k, nil
}

// ChangesSince implements [auth.KeySource].
func (s *Source) ChangesSince(ctx context.Context, seq int64) ([]string, int64, error) {
	if err := s.failing(); err != nil {
		return nil, seq, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq >= int64(len(s.changes)) {
		return nil, seq, nil
	}
	return append([]string(nil), s.changes[seq:]...), int64(len(s.changes)), nil
}

// LatestChange implements [auth.KeySource].
func (s *Source) LatestChange(ctx context.Context) (int64, error) {
	if err := s.failing(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.changes)), nil
}

// SignRaw signs a token made of the given header and payload JSON as they
// are, for tests of malformed or hostile tokens the builder refuses to make.
func SignRaw(header, payload string, secret []byte) string {
	enc := base64.RawURLEncoding
	s := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(s))
	return s + "." + enc.EncodeToString(m.Sum(nil))
}
