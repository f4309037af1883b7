// Package token compares keyward's HS256 codec (github.com/keyward/keyward/token)
// with two Go JWT libraries, github.com/golang-jwt/jwt/v5 and
// github.com/cristalhq/jwt/v5, on the one token they all can make: a 100ms
// style management token.
//
// Every implementation is set up to do the work keyward's verifier does:
// HS256 only, the signature compared in constant time, exp, nbf and iat
// required and checked with a 60-second leeway, type "management",
// version 2, a non-empty access_key and jti, and exp no more than 24 hours
// (plus leeway) ahead. Where a library lacks a check, [Impl] adds it after
// the library returns, so no implementation is measured doing less.
//
// The benchmarks themselves live in this package's tests
// (go test -bench . ./token) and in the tokenbench command
// (go run ./cmd/tokenbench), which runs them all in one process and prints
// a table. Import this package as tokenbench: its name clashes with
// keyward's own token package, which it imports as keyward.
package token

import (
	"errors"
	"time"
)

// The time rules every implementation applies, matching keyward's defaults
// for the management profile.
const (
	// Leeway is the clock skew forgiven on exp, nbf and iat.
	Leeway = 60 * time.Second
	// MaxLifetime bounds exp − now.
	MaxLifetime = 24 * time.Hour
)

// Errors of the checks that [Impl] adds after a peer library returns.
var (
	// ErrClaims means a management claim is missing, empty or has the wrong
	// value (access_key, type, version, jti, iat, nbf or exp).
	ErrClaims = errors.New("tokenbench: management claims invalid")
	// ErrTime means exp, nbf or iat is outside the time rules.
	ErrTime = errors.New("tokenbench: token outside its time rules")
)

// Fixture is the one management token that every implementation signs and
// verifies: the same claims, in the same order, under the same secret.
type Fixture struct {
	// AccessKey is the access_key claim.
	AccessKey string
	// Secret is the HMAC key, 48 bytes (keyward generates ≥ 32).
	Secret []byte
	// JWTID is the jti claim.
	JWTID string
	// IssuedAt, NotBefore and Expires are the iat, nbf and exp claims, whole
	// seconds.
	IssuedAt, NotBefore, Expires time.Time
}

// NewFixture returns the fixture issued at now (truncated to the second):
// nbf = iat and exp = iat + 24 h, as keyward's builder and the 100ms samples
// make them.
func NewFixture(now time.Time) Fixture {
	iat := now.Truncate(time.Second)
	return Fixture{
		AccessKey: "65f1c6a3e2b1a4d5c6e7f809",
		Secret:    []byte("kwbench-7Qm2xV9pL4sR8tY1uZ6wE3aB5cD0fG2hJ4kN6pQ8"),
		JWTID:     "5b1e8c9a-3f2d-4e7b-9a6c-0d1e2f3a4b5c",
		IssuedAt:  iat,
		NotBefore: iat,
		Expires:   iat.Add(MaxLifetime),
	}
}

// managementClaims is what a peer library decoded, reduced to what the
// management profile checks.
type managementClaims struct {
	accessKey, typ, jti    string
	version2               bool
	iat, nbf, exp          int64
	hasIAT, hasNBF, hasExp bool
}

// check applies the management profile's rules at now. timesChecked says
// the library already checked exp, nbf and iat against now with [Leeway],
// so only the lifetime bound is left to do.
func (m *managementClaims) check(now time.Time, timesChecked bool) error {
	if m.accessKey == "" || m.jti == "" || m.typ != "management" || !m.version2 {
		return ErrClaims
	}
	if !m.hasIAT || !m.hasNBF || !m.hasExp {
		return ErrClaims
	}
	t, leeway := now.Unix(), int64(Leeway/time.Second)
	if !timesChecked && (t > m.exp+leeway || m.nbf > t+leeway || m.iat > t+leeway) {
		return ErrTime
	}
	if m.exp-t > int64(MaxLifetime/time.Second)+leeway {
		return ErrTime
	}
	return nil
}
