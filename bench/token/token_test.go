package token_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
	"testing"
	"time"

	tokenbench "github.com/keyward/keyward/bench/token"
)

// testBundle holds the implementations and the fixture they were built for.
type testBundle struct {
	fixture tokenbench.Fixture
	impls   []tokenbench.Impl
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	f := tokenbench.NewFixture(time.Now())
	impls, err := tokenbench.Impls(f)
	if err != nil {
		t.Fatalf("Impls: %v", err)
	}
	return &testBundle{fixture: f, impls: impls}
}

func (tb *testBundle) impl(t *testing.T, name string) tokenbench.Impl {
	t.Helper()
	for _, impl := range tb.impls {
		if impl.Name == name {
			return impl
		}
	}
	t.Fatalf("no implementation %q", name)
	return tokenbench.Impl{}
}

// forge signs header and payload JSON exactly as given, so the rejection
// tests can make tokens no well-behaved builder would.
func forge(header, payload string, newHash func() hash.Hash, secret []byte) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	mac := hmac.New(newHash, secret)
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}

func TestImpls(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	var names []string
	for _, impl := range tb.impls {
		names = append(names, impl.Name)
	}
	got := strings.Join(names, ",")
	want := strings.Join([]string{tokenbench.Keyward, tokenbench.GolangJWTStruct, tokenbench.GolangJWTMap, tokenbench.Cristalhq}, ",")
	if got != want {
		t.Fatalf("Impls names = %s, want %s (keyward first: the table's ratios divide by it)", got, want)
	}
}

// TestSignSameToken shows the verify benchmarks all verify the same bytes:
// keyward, golang-jwt with typed claims and cristalhq sign the fixture to
// one identical token. golang-jwt's MapClaims orders the claims by name, so
// its token differs in bytes only; TestCrossVerify covers it.
func TestSignSameToken(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	want, err := tb.impl(t, tokenbench.Keyward).Sign()
	if err != nil {
		t.Fatalf("keyward Sign: %v", err)
	}
	for _, name := range []string{tokenbench.GolangJWTStruct, tokenbench.Cristalhq} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := tb.impl(t, name).Sign()
			if err != nil {
				t.Fatalf("%s Sign: %v", name, err)
			}
			if got != want {
				t.Errorf("%s Sign = %s, want keyward's %s", name, got, want)
			}
		})
	}
}

// TestCrossVerify has each implementation verify each one's token, through
// both the per-goroutine and the shared path.
func TestCrossVerify(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	for _, signer := range tb.impls {
		for _, verifier := range tb.impls {
			t.Run(signer.Name+"/by/"+verifier.Name, func(t *testing.T) {
				t.Parallel()
				tok, err := signer.Sign()
				if err != nil {
					t.Fatalf("%s Sign: %v", signer.Name, err)
				}
				verify := verifier.NewVerify(tok)
				for i := range 3 { // a reused keyward Claims must verify again
					if err := verify(); err != nil {
						t.Fatalf("%s NewVerify(%s's token) call %d = %v, want nil", verifier.Name, signer.Name, i, err)
					}
				}
				if err := verifier.NewSharedVerify(tok)(); err != nil {
					t.Fatalf("%s NewSharedVerify(%s's token) = %v, want nil", verifier.Name, signer.Name, err)
				}
			})
		}
	}
	if err := tokenbench.CrossCheck(tb.impls); err != nil {
		t.Fatalf("CrossCheck = %v, want nil", err)
	}
}

// TestRejects shows every implementation is configured to do keyward's
// checks: each of these tokens must fail in all four.
func TestRejects(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	f := tb.fixture
	now := time.Now().Unix()
	iat, exp := f.IssuedAt.Unix(), f.Expires.Unix()
	const hs256 = `{"alg":"HS256","typ":"JWT"}`
	claims := func(iat, nbf, exp any, extra string) string {
		s := fmt.Sprintf(`{"access_key":%q,"type":"management","version":2`, f.AccessKey)
		for _, c := range []struct {
			name string
			v    any
		}{{"iat", iat}, {"nbf", nbf}, {"exp", exp}} {
			if c.v != nil {
				s += fmt.Sprintf(`,%q:%v`, c.name, c.v)
			}
		}
		return s + fmt.Sprintf(`,"jti":%q%s}`, f.JWTID, extra)
	}
	good := claims(iat, iat, exp, "")
	otherSecret := []byte("another-secret-0123456789abcdefghijklmnopqrstuv")
	tests := []struct {
		name string
		tok  string
	}{
		{"wrong secret", forge(hs256, good, sha256.New, otherSecret)},
		{"tampered payload", func() string {
			tok := forge(hs256, good, sha256.New, f.Secret)
			parts := strings.Split(tok, ".")
			parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(good, `"version":2`, `"version":2 `, 1)))
			return strings.Join(parts, ".")
		}()},
		{"alg HS512", forge(`{"alg":"HS512","typ":"JWT"}`, good, sha512.New, f.Secret)},
		{"alg none", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." +
			base64.RawURLEncoding.EncodeToString([]byte(good)) + "."},
		{"expired beyond leeway", forge(hs256, claims(now-7200, now-7200, now-120, ""), sha256.New, f.Secret)},
		{"nbf beyond leeway", forge(hs256, claims(now, now+120, now+3600, ""), sha256.New, f.Secret)},
		{"iat in the future", forge(hs256, claims(now+120, now, now+3600, ""), sha256.New, f.Secret)},
		{"lifetime over 24h", forge(hs256, claims(now, now, now+25*3600, ""), sha256.New, f.Secret)},
		{"no exp", forge(hs256, claims(now, now, nil, ""), sha256.New, f.Secret)},
		{"no nbf", forge(hs256, claims(now, nil, now+3600, ""), sha256.New, f.Secret)},
		{"no iat", forge(hs256, claims(nil, now, now+3600, ""), sha256.New, f.Secret)},
		{"type app", forge(hs256, strings.Replace(good, `"management"`, `"app"`, 1), sha256.New, f.Secret)},
		{"version 3", forge(hs256, strings.Replace(good, `"version":2`, `"version":3`, 1), sha256.New, f.Secret)},
		{"no access_key", forge(hs256, strings.Replace(good, `"access_key"`, `"accesskey"`, 1), sha256.New, f.Secret)},
		{"no jti", forge(hs256, strings.Replace(good, `"jti"`, `"jwt_id"`, 1), sha256.New, f.Secret)},
		{"two segments", strings.Join(strings.Split(forge(hs256, good, sha256.New, f.Secret), ".")[:2], ".")},
	}
	// The control: the good claims, forged the same way, pass everywhere.
	control := forge(hs256, good, sha256.New, f.Secret)
	for _, impl := range tb.impls {
		if err := impl.NewVerify(control)(); err != nil {
			t.Fatalf("%s verify(control token) = %v, want nil", impl.Name, err)
		}
	}
	for _, tt := range tests {
		for _, impl := range tb.impls {
			t.Run(tt.name+"/"+impl.Name, func(t *testing.T) {
				t.Parallel()
				if err := impl.NewVerify(tt.tok)(); err == nil {
					t.Errorf("%s NewVerify(%s) = nil, want an error", impl.Name, tt.name)
				}
				if err := impl.NewSharedVerify(tt.tok)(); err == nil {
					t.Errorf("%s NewSharedVerify(%s) = nil, want an error", impl.Name, tt.name)
				}
			})
		}
	}
}

// TestKeywardVerifyAllocs holds keyward's verify to zero allocations, the
// issue's target that does not depend on the machine. It is not parallel:
// testing.AllocsPerRun counts every goroutine's allocations.
func TestKeywardVerifyAllocs(t *testing.T) {
	tb := setup(t)
	kw := tb.impl(t, tokenbench.Keyward)
	tok, err := kw.Sign()
	if err != nil {
		t.Fatalf("keyward Sign: %v", err)
	}
	verify := kw.NewVerify(tok)
	var verr error
	got := testing.AllocsPerRun(200, func() { verr = verify() })
	if verr != nil {
		t.Fatalf("keyward verify: %v", verr)
	}
	if got != 0 {
		t.Errorf("keyward verify: %v allocs/op, want 0", got)
	}
}
