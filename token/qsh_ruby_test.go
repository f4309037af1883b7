package token_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/keyward/keyward/token"
)

// TestQSHAsRubyWritesIt checks that a qsh computed the way Debian's
// ruby-atlassian-jwt 0.2.1 computes it (repeated values in the order sent,
// a space in a name written "+", names in byte order) is accepted for the
// request it describes, and only for that request.
func TestQSHAsRubyWritesIt(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, token.Config{})
	hash := func(canonical string) string {
		sum := sha256.Sum256([]byte(canonical))
		return hex.EncodeToString(sum[:])
	}
	tests := []struct {
		name      string
		canonical string // what the Ruby library hashes
		rawQuery  string // the request's query
		accept    bool
	}{
		{"repeated values in the order sent", "GET&/p&a=1,0", "a=1&a=0", true},
		{"the standard sorted form", "GET&/p&a=0,1", "a=1&a=0", true},
		{"space in a name", "GET&/p&a+b=1&c=x%20y", "a+b=1&c=x+y", true},
		{"space in a name, percent-encoded in the request", "GET&/p&a+b=1", "a%20b=1", true},
		{"space in a name and repeated values", "GET&/p&my+key=z,a&n=2", "n=2&my+key=z&my+key=a", true},
		{"names in byte order", "GET&/p&%EE%80%80=1&%F0%9F%98%80=2", "%F0%9F%98%80=2&%EE%80%80=1", true},
		{"another order than sent", "GET&/p&a=0,1,2", "a=1&a=0&a=2", true}, // sorted: the standard form
		{"neither order", "GET&/p&a=1,2,0", "a=1&a=0&a=2", false},
		{"another value", "GET&/p&a=1,9", "a=1&a=0", false},
		{"plus for a space in a value", "GET&/p&a=x+y", "a=x+y", false},
		{"a literal plus in a name", "GET&/p&a+b=1", "a%2Bb=1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw := forge(hdr, fmt.Sprintf(`{"iss":"k","iat":%d,"exp":%d,"id":"api.x","qsh":"%s"}`, now, now+60, hash(tt.canonical)), goldenSecret)
			_, err := verify(t, v, raw, token.ProfileSet(token.QSH), &token.Binding{Method: "GET", Path: "/p", RawQuery: tt.rawQuery, APIID: "api.x"})
			if tt.accept && err != nil {
				t.Errorf("qsh of %q for ?%s: %v, want accepted", tt.canonical, tt.rawQuery, err)
			}
			if !tt.accept && !errors.Is(err, token.ErrBinding) {
				t.Errorf("qsh of %q for ?%s: %v, want %v", tt.canonical, tt.rawQuery, err, token.ErrBinding)
			}
		})
	}
}

// BenchmarkVerifyQSH verifies a qsh token whose hash is in the standard
// form (one canonical request computed) and one in the form Ruby writes
// (the standard one computed first, then the second).
func BenchmarkVerifyQSH(b *testing.B) {
	v := newVerifier(b, token.Config{})
	bind := &token.Binding{Method: "GET", Path: "/v1/content", RawQuery: "b=2&a=1&a=0", APIID: "api.x"}
	for _, bc := range []struct{ name, qsh string }{
		{"standard", token.QueryStringHash("GET", "/v1/content", "b=2&a=1&a=0")},
		{"ruby", func() string {
			s := sha256.Sum256([]byte("GET&/v1/content&a=1,0&b=2"))
			return hex.EncodeToString(s[:])
		}()},
	} {
		raw := forge(hdr, fmt.Sprintf(`{"iss":"k","iat":%d,"exp":%d,"id":"api.x","qsh":"%s"}`, now, now+60, bc.qsh), goldenSecret)
		secrets := []*token.Secret{token.MustSecret("", goldenSecret)}
		c := new(token.Claims)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := token.ParseString(c, raw); err != nil {
					b.Fatal(err)
				}
				if err := v.Verify(c, secrets, token.ProfileSet(token.QSH), bind); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
