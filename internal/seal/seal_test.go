package seal_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/keyward/keyward/internal/seal"
)

func mustSealer(tb testing.TB, b byte) *seal.Sealer {
	tb.Helper()
	s, err := seal.New(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return s
}

func TestSealOpen(t *testing.T) {
	t.Parallel()

	s := mustSealer(t, 1)
	plain := []byte("0123456789abcdef0123456789abcdef")
	aad := []byte("credential_secrets/k1")
	sealed, err := s.Seal(plain, aad)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if sealed[0] != seal.Version1 {
		t.Errorf("Seal version byte = %#x, want %#x", sealed[0], seal.Version1)
	}
	if bytes.Contains(sealed, plain) {
		t.Fatalf("sealed value contains the plaintext")
	}
	again, _ := s.Seal(plain, aad)
	if bytes.Equal(again, sealed) {
		t.Errorf("two seals of one value are equal; nonces repeat")
	}
	got, err := s.Open(sealed, aad)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v; want %q, nil", got, err, plain)
	}

	tests := []struct {
		name    string
		sealer  *seal.Sealer
		sealed  func() []byte
		aad     []byte
		wantErr error
	}{
		{"other row", s, func() []byte { return sealed }, []byte("credential_secrets/k2"), seal.ErrCorrupt},
		{"wrong master key", mustSealer(t, 2), func() []byte { return sealed }, aad, seal.ErrWrongKey},
		{"flipped ciphertext bit", s, func() []byte { c := bytes.Clone(sealed); c[len(c)-1] ^= 1; return c }, aad, seal.ErrCorrupt},
		{"flipped nonce bit", s, func() []byte { c := bytes.Clone(sealed); c[6] ^= 1; return c }, aad, seal.ErrCorrupt},
		{"unknown version", s, func() []byte { c := bytes.Clone(sealed); c[0] = 2; return c }, aad, seal.ErrCorrupt},
		{"truncated", s, func() []byte { return sealed[:20] }, aad, seal.ErrCorrupt},
		{"empty", s, func() []byte { return nil }, aad, seal.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := tt.sealer.Open(tt.sealed(), tt.aad); !errors.Is(err, tt.wantErr) {
				t.Errorf("Open = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewShortKey(t *testing.T) {
	t.Parallel()
	if _, err := seal.New(make([]byte, 31)); err == nil {
		t.Errorf("New(31 bytes) = nil error, want an error")
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()

	key := bytes.Repeat([]byte{0xfb, 0xff, 0x3e}, 11) // 33 bytes; exercises '+', '/', '-', '_'
	tests := []struct {
		name, text string
		ok         bool
	}{
		{"hex", hex.EncodeToString(key), true},
		{"hex with newline", hex.EncodeToString(key) + "\n", true},
		{"base64", base64.StdEncoding.EncodeToString(key), true},
		{"base64 raw url", base64.RawURLEncoding.EncodeToString(key), true},
		{"short", hex.EncodeToString(key[:31]), false},
		{"garbage", "not a key at all!", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := seal.ParseKey([]byte(tt.text))
			if tt.ok && (err != nil || !bytes.Equal(got, key)) {
				t.Errorf("ParseKey(%q) = %x, %v; want %x", tt.text, got, err, key)
			}
			if !tt.ok && err == nil {
				t.Errorf("ParseKey(%q) = nil error, want an error", tt.text)
			}
		})
	}
}

func TestLoadOrCreate(t *testing.T) {
	t.Parallel()

	path := filepath.Join(t.TempDir(), "data", "master.key")
	s1, created, err := seal.LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("LoadOrCreate(new) = %v, created %v; want nil, true", err, created)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("master key mode = %v, want 0600", fi.Mode().Perm())
	}
	s2, created, err := seal.LoadOrCreate(path)
	if err != nil || created {
		t.Fatalf("LoadOrCreate(existing) = %v, created %v; want nil, false", err, created)
	}
	if s1.KeyID() != s2.KeyID() {
		t.Errorf("reloaded key id %s, want %s", s2.KeyID(), s1.KeyID())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("key directory holds %d entries, want only master.key", len(entries))
	}
}

// TestLoadOrCreateRace starts many creators at once: all must end up with
// the same key.
func TestLoadOrCreateRace(t *testing.T) {
	t.Parallel()

	path := filepath.Join(t.TempDir(), "master.key")
	const n = 8
	ids := make([]string, n)
	var created int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s, c, err := seal.LoadOrCreate(path)
			if err != nil {
				t.Errorf("LoadOrCreate: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ids[i] = s.KeyID()
			if c {
				created++
			}
		})
	}
	wg.Wait()
	for i := range ids {
		if ids[i] != ids[0] {
			t.Fatalf("creator %d got key %s, creator 0 got %s", i, ids[i], ids[0])
		}
	}
	if created != 1 {
		t.Errorf("%d creators report creating the key, want 1", created)
	}
}

func TestFromConfig(t *testing.T) {
	t.Parallel()

	dir := t.TempDir()
	keyHex := hex.EncodeToString(bytes.Repeat([]byte{7}, 32))
	file := filepath.Join(dir, "given.key")
	if err := os.WriteFile(file, []byte(keyHex), 0o600); err != nil {
		t.Fatal(err)
	}
	want := mustSealer(t, 7).KeyID()

	fromEnv, _, err := seal.FromConfig(&seal.Config{Key: keyHex, KeyFile: "/nonexistent", DefaultFile: filepath.Join(dir, "d.key")})
	if err != nil || fromEnv.KeyID() != want {
		t.Errorf("FromConfig(Key) = %v; want key %s", err, want)
	}
	fromFile, _, err := seal.FromConfig(&seal.Config{KeyFile: file, DefaultFile: filepath.Join(dir, "d.key")})
	if err != nil || fromFile.KeyID() != want {
		t.Errorf("FromConfig(KeyFile) = %v; want key %s", err, want)
	}
	if _, _, err := seal.FromConfig(&seal.Config{KeyFile: filepath.Join(dir, "missing.key")}); err == nil {
		t.Errorf("FromConfig(missing KeyFile) = nil error, want an error")
	}
	if _, created, err := seal.FromConfig(&seal.Config{DefaultFile: filepath.Join(dir, "d.key")}); err != nil || !created {
		t.Errorf("FromConfig(DefaultFile) = %v, created %v; want nil, true", err, created)
	}
	if _, _, err := seal.FromConfig(&seal.Config{}); err == nil {
		t.Errorf("FromConfig(empty) = nil error, want an error")
	}
}

func TestDeriveKey(t *testing.T) {
	t.Parallel()
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i)
	}
	a, _ := seal.New(k)
	b, _ := seal.New(k)
	k[0] ^= 1
	c, _ := seal.New(k)
	x, y := a.DeriveKey("blob links", 32), b.DeriveKey("blob links", 32)
	if !bytes.Equal(x, y) || len(x) != 32 {
		t.Errorf("same master key, same label: %x != %x", x, y)
	}
	if bytes.Equal(x, a.DeriveKey("watermark", 32)) {
		t.Error("different labels gave the same key")
	}
	if bytes.Equal(x, c.DeriveKey("blob links", 32)) {
		t.Error("different master keys gave the same key")
	}
}
