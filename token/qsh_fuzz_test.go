package token_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyward/keyward/token"
)

// FuzzCanonicalRequest checks the canonical form of any request: the jwt
// parameter and the order of the pairs never matter, the path starts with
// "/" and holds no bare "&", and the query is written with the
// unreserved characters and upper-case %XX escapes only.
func FuzzCanonicalRequest(f *testing.F) {
	for _, s := range [][3]string{
		{"GET", "/test", "param=value"},
		{"GET", "/path/to/service", "zee_last=param&repeated=parameter+1&first=param&repeated=parameter+2"},
		{"post", "/a&b/", "jwt=x&a=%zz&b=%E2%82%AC&c=%ff%fe&d=+"},
		{"GET", "", "a&&b=1&=2&__proto__=3"},
		{"PUT", "/ünï", "k=%F0%9F%98%80&k=%ED%A0%80&k"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, method, path, rawQuery string) {
		if strings.Contains(method, "&") {
			t.Skip()
		}
		got := token.CanonicalRequest(method, path, rawQuery)
		if again := token.CanonicalRequest(method, path, rawQuery+"&jwt=abc"); again != got {
			t.Fatalf("a jwt parameter changed the form: %q vs %q", got, again)
		}
		pairs := strings.Split(rawQuery, "&")
		slices.Reverse(pairs)
		if rev := token.CanonicalRequest(method, path, strings.Join(pairs, "&")); rev != got {
			t.Fatalf("the order of the pairs changed the form: %q vs %q", got, rev)
		}
		m, rest, ok := strings.Cut(got, "&")
		p, q, ok2 := strings.Cut(rest, "&")
		if !ok || !ok2 || m != strings.ToUpper(method) {
			t.Fatalf("CanonicalRequest(%q, %q, %q) = %q: not METHOD&path&query", method, path, rawQuery, got)
		}
		if !strings.HasPrefix(p, "/") {
			t.Fatalf("path part %q of %q", p, got)
		}
		for i := 0; i < len(q); i++ {
			switch c := q[i]; {
			case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', strings.IndexByte("-._~=,&", c) >= 0:
			case c == '%' && i+2 < len(q) && isUpperHex(q[i+1]) && isUpperHex(q[i+2]):
				i += 2
			default:
				t.Fatalf("query part %q of %q has %q at %d", q, got, c, i)
			}
		}
	})
}

func isUpperHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' }
