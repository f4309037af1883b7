package token

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCanonicalForms checks that the as-sent form differs from the sorted
// one only where Ruby's atlassian-jwt writes differently: when a name
// repeats, holds a space or non-ASCII, or is "__proto__", or when the text
// is not UTF-8. Otherwise the two are the same text.
func FuzzCanonicalForms(f *testing.F) {
	for _, q := range []string{"", "a=1", "a=1&a=0", "a+b=1", "b=2&a=1", "%FF=1", "__proto__=1", "x=%20&y=+"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		sorted := canonicalRequest("GET", "/p", rawQuery, formSorted)
		asSent := canonicalRequest("GET", "/p", rawQuery, formAsSent)
		seen := map[string]bool{}
		plain := true
		for pair := range strings.SplitSeq(rawQuery, "&") {
			if pair == "" {
				continue
			}
			k, v, _ := strings.Cut(pair, "=")
			k, v = formUnescapeBytes(k), formUnescapeBytes(v)
			if seen[k] || k == "__proto__" || strings.ContainsRune(k, ' ') || !utf8.ValidString(k+v) {
				plain = false
			}
			for _, r := range k {
				if r >= utf8.RuneSelf {
					plain = false
				}
			}
			seen[k] = true
		}
		if plain && sorted != asSent {
			t.Fatalf("query %q: sorted %q, as sent %q; want the same", rawQuery, sorted, asSent)
		}
	})
}
