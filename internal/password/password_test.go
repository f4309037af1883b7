package password_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/password"
	"golang.org/x/crypto/argon2"
)

func TestHashVerify(t *testing.T) {
	t.Parallel()

	hash, err := password.Hash("correct horse battery staple")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=47104,t=1,p=1$") {
		t.Fatalf("Hash = %q, want an argon2id PHC string with the documented parameters", hash)
	}
	if err := password.Verify(hash, "correct horse battery staple"); err != nil {
		t.Errorf("Verify(right password) = %v, want nil", err)
	}
	if err := password.Verify(hash, "correct horse battery stapl"); !errors.Is(err, password.ErrMismatch) {
		t.Errorf("Verify(wrong password) = %v, want ErrMismatch", err)
	}
	if password.NeedsRehash(hash) {
		t.Errorf("NeedsRehash(fresh hash) = true, want false")
	}
	other, err := password.Hash("correct horse battery staple")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if other == hash {
		t.Errorf("two hashes of one password are equal; the salt is not random")
	}
}

// TestVerifyOtherParams checks a hash made with other (cheap) parameters by
// argon2 directly, so the PHC parser and the parameter plumbing are exercised.
func TestVerifyOtherParams(t *testing.T) {
	t.Parallel()

	salt := []byte("somesalt12345678")
	key := argon2.IDKey([]byte("password"), salt, 2, 64, 1, 32)
	hash := "$argon2id$v=19$m=64,t=2,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(key)
	if err := password.Verify(hash, "password"); err != nil {
		t.Errorf("Verify(m=64 hash, right password) = %v, want nil", err)
	}
	if err := password.Verify(hash, "Password"); !errors.Is(err, password.ErrMismatch) {
		t.Errorf("Verify(m=64 hash, wrong password) = %v, want ErrMismatch", err)
	}
	if !password.NeedsRehash(hash) {
		t.Errorf("NeedsRehash(m=64 hash) = false, want true")
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()

	good, err := password.Hash("x")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	tests := []struct {
		name, hash string
	}{
		{"empty", ""},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"version 16", strings.Replace(good, "v=19", "v=16", 1)},
		{"huge memory", "$argon2id$v=19$m=99999999,t=1,p=1$" + parts[4] + "$" + parts[5]},
		{"huge time", "$argon2id$v=19$m=47104,t=1000,p=1$" + parts[4] + "$" + parts[5]},
		{"zero threads", "$argon2id$v=19$m=47104,t=1,p=0$" + parts[4] + "$" + parts[5]},
		{"params out of order", "$argon2id$v=19$t=1,m=47104,p=1$" + parts[4] + "$" + parts[5]},
		{"bad salt", "$argon2id$v=19$m=47104,t=1,p=1$!!!$" + parts[5]},
		{"short key", "$argon2id$v=19$m=47104,t=1,p=1$" + parts[4] + "$AAAA"},
		{"extra field", good + "$x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := password.Verify(tt.hash, "x"); !errors.Is(err, password.ErrMalformed) {
				t.Errorf("Verify(%q) = %v, want ErrMalformed", tt.hash, err)
			}
			if !password.NeedsRehash(tt.hash) {
				t.Errorf("NeedsRehash(%q) = false, want true", tt.hash)
			}
		})
	}
}
