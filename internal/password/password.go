// Package password hashes and verifies human passwords with argon2id and
// stores them as PHC strings:
//
//	$argon2id$v=19$m=47104,t=1,p=1$<salt, base64>$<hash, base64>
//
// The parameters are OWASP's first recommended argon2id configuration (46 MiB
// of memory, one pass, one lane): about 50 ms on one core of a small server,
// which keeps logins cheap for users and guessing expensive for attackers.
// Hashes made with other parameters still verify; [NeedsRehash] tells when a
// stored hash should be replaced on the next successful login.
//
// Comparisons run in constant time. Verify refuses PHC strings whose
// parameters would cost more than [MaxMemoryKiB] or [MaxTime], so a tampered
// hash cannot be used to exhaust the server.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The argon2id parameters of new hashes.
const (
	// MemoryKiB is the memory cost in KiB (46 MiB).
	MemoryKiB = 47104
	// Time is the number of passes over the memory.
	Time = 1
	// Threads is the degree of parallelism (lanes).
	Threads = 1
	// SaltLen is the length of the random salt in bytes.
	SaltLen = 16
	// KeyLen is the length of the derived hash in bytes.
	KeyLen = 32
)

// Upper bounds on the parameters Verify accepts from a stored hash.
const (
	// MaxMemoryKiB is the largest memory cost Verify will spend (256 MiB).
	MaxMemoryKiB = 256 * 1024
	// MaxTime is the largest number of passes Verify will run.
	MaxTime = 10
	// MaxThreads is the largest parallelism Verify accepts.
	MaxThreads = 16
)

var (
	// ErrMismatch is returned by Verify when the password does not match.
	ErrMismatch = errors.New("password: mismatch")
	// ErrMalformed is returned by Verify when the hash is not an argon2id
	// PHC string this package understands.
	ErrMalformed = errors.New("password: malformed hash")
)

var b64 = base64.RawStdEncoding

// params are argon2id parameters as read from a PHC string.
type params struct {
	memory  uint32
	time    uint32
	threads uint8
}

// Hash returns the argon2id PHC string of password with a fresh random salt.
func Hash(password string) (string, error) {
	salt := make([]byte, SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	return encode(params{MemoryKiB, Time, Threads}, salt, []byte(password)), nil
}

func encode(p params, salt, password []byte) string {
	key := argon2.IDKey(password, salt, p.time, p.memory, p.threads, KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether password matches the PHC string hash. It returns
// nil on a match, [ErrMismatch] on a wrong password and [ErrMalformed] when
// hash cannot be used.
func Verify(hash, password string) error {
	p, salt, key, err := decode(hash)
	if err != nil {
		return err
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(key)))
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return ErrMismatch
	}
	return nil
}

// NeedsRehash reports whether hash was made with parameters other than the
// current ones (or cannot be read), so that it should be replaced by a new
// Hash of the password after the next successful Verify.
func NeedsRehash(hash string) bool {
	p, salt, key, err := decode(hash)
	return err != nil || p != (params{MemoryKiB, Time, Threads}) || len(salt) != SaltLen || len(key) != KeyLen
}

// Dummy spends about the time of a Verify without a hash to compare against,
// so that an unknown account and a wrong password cannot be told apart by
// timing.
func Dummy(password string) {
	argon2.IDKey([]byte(password), make([]byte, SaltLen), Time, MemoryKiB, Threads, KeyLen)
}

func decode(hash string) (p params, salt, key []byte, err error) {
	parts := strings.Split(hash, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, ErrMalformed
	}
	var m, t, th uint64
	for i, kv := range strings.Split(parts[3], ",") {
		name, val, ok := strings.Cut(kv, "=")
		want := [...]string{"m", "t", "p"}
		if !ok || i >= len(want) || name != want[i] {
			return p, nil, nil, ErrMalformed
		}
		n, perr := strconv.ParseUint(val, 10, 32)
		if perr != nil {
			return p, nil, nil, ErrMalformed
		}
		switch name {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			th = n
		}
	}
	if m < 8 || m > MaxMemoryKiB || t < 1 || t > MaxTime || th < 1 || th > MaxThreads || m < 8*th {
		return p, nil, nil, ErrMalformed
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, ErrMalformed
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrMalformed
	}
	return params{uint32(m), uint32(t), uint8(th)}, salt, key, nil
}
