package token

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// CanonicalRequest returns the Atlassian Connect canonical form of a
// request, the text whose SHA-256 is the qsh claim:
//
//	METHOD & path & sorted-query
//
// METHOD is upper-cased. path is the request path as sent (still
// percent-encoded), "/" when empty, without a trailing slash, with every
// "&" written "%26". The query is decoded the way a form decoder does ("+"
// is a space, %XX an octet), the "jwt" parameter dropped, names sorted, the
// values of a repeated name sorted and joined with ",", and every name and
// value percent-encoded anew keeping only A–Z a–z 0–9 "-" "." "_" "~".
// Sorting compares UTF-16 code units, as the JavaScript reference does.
func CanonicalRequest(method, path, rawQuery string) string {
	return canonicalRequest(method, path, rawQuery, formSorted)
}

// canonicalForm is one way of writing the canonical query.
type canonicalForm int

const (
	// formSorted is Atlassian's: values of a repeated name sorted, names
	// sorted by UTF-16 code units, a space written %20 everywhere.
	formSorted canonicalForm = iota
	// formAsSent is what Debian's ruby-atlassian-jwt 0.2.1 (the gem
	// atlassian-jwt 0.2.1) writes: values of a repeated name in the order
	// sent, names sorted by bytes, a space in a name written "+" (in a
	// value still %20), octets that are not UTF-8 kept as they are, and
	// "__proto__" kept. It binds the same request as formSorted, only
	// more strictly (the order of repeated values counts). Unlike Ruby's
	// CGI.parse it splits the query on "&" only, as the server does.
	formAsSent
)

func canonicalRequest(method, path, rawQuery string, form canonicalForm) string {
	var b strings.Builder
	b.WriteString(strings.ToUpper(method))
	b.WriteByte('&')
	b.WriteString(canonicalPath(path))
	b.WriteByte('&')
	writeCanonicalQuery(&b, rawQuery, form)
	return b.String()
}

// QueryStringHash returns the lower-case hex SHA-256 of [CanonicalRequest].
func QueryStringHash(method, path, rawQuery string) string {
	return string(AppendQueryStringHash(nil, method, path, rawQuery))
}

// AppendQueryStringHash appends [QueryStringHash] to dst.
func AppendQueryStringHash(dst []byte, method, path, rawQuery string) []byte {
	return appendQueryStringHash(dst, method, path, rawQuery, formSorted)
}

func appendQueryStringHash(dst []byte, method, path, rawQuery string, form canonicalForm) []byte {
	sum := sha256.Sum256([]byte(canonicalRequest(method, path, rawQuery, form)))
	return hex.AppendEncode(dst, sum[:])
}

func canonicalPath(p string) string {
	if p == "" {
		return "/"
	}
	p = strings.ReplaceAll(p, "&", "%26")
	if p[0] != '/' {
		p = "/" + p
	}
	if len(p) > 1 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return p
}

func writeCanonicalQuery(b *strings.Builder, rawQuery string, form canonicalForm) {
	if rawQuery == "" {
		return
	}
	params := map[string][]string{}
	for pair := range strings.SplitSeq(rawQuery, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if form == formSorted {
			k, v = formUnescape(k), formUnescape(v)
		} else {
			k, v = formUnescapeBytes(k), formUnescapeBytes(v)
		}
		params[k] = append(params[k], v)
	}
	delete(params, "jwt")
	compare := strings.Compare
	if form == formSorted {
		delete(params, "__proto__")
		compare = compareUTF16
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compare)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		writeRFC3986(b, k, form == formAsSent)
		b.WriteByte('=')
		vs := params[k]
		if form == formSorted {
			slices.SortFunc(vs, compareUTF16)
		}
		for j, v := range vs {
			if j > 0 {
				b.WriteByte(',')
			}
			writeRFC3986(b, v, false)
		}
	}
}

// formUnescape decodes "+" as a space and %XX as an octet; a "%" that does
// not start a valid escape is kept as it is. Octets that do not form UTF-8
// are then replaced the way a WHATWG decoder (and so the JavaScript
// reference) does: see [toValidUTF8].
func formUnescape(s string) string { return toValidUTF8(formUnescapeBytes(s)) }

// formUnescapeBytes decodes "+" as a space and %XX as an octet, keeping a
// "%" that does not start a valid escape; the octets are returned as they
// are, UTF-8 or not.
func formUnescapeBytes(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '+':
			out = append(out, ' ')
		case ch == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, ch)
		}
	}
	return string(out)
}

// toValidUTF8 replaces each maximal ill-formed subsequence of s with one
// U+FFFD, as the WHATWG UTF-8 decoder does (Unicode's "maximal subpart"
// practice): a truncated sequence counts once, a byte that can never start
// or continue one counts alone. strings.ToValidUTF8 merges whole runs
// instead, and ranging over the string replaces byte by byte; neither
// matches what JavaScript clients hash.
func toValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			b.WriteByte(c)
			i++
			continue
		}
		need, lo, hi := 0, byte(0x80), byte(0xBF)
		switch {
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c == 0xE0:
			need, lo = 2, 0xA0
		case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
			need = 2
		case c == 0xED:
			need, hi = 2, 0x9F
		case c == 0xF0:
			need, lo = 3, 0x90
		case c >= 0xF1 && c <= 0xF3:
			need = 3
		case c == 0xF4:
			need, hi = 3, 0x8F
		}
		if need == 0 {
			b.WriteString("\uFFFD")
			i++
			continue
		}
		j := i + 1
		for k := 0; k < need; k++ {
			if j >= len(s) || s[j] < lo || s[j] > hi {
				break
			}
			lo, hi = 0x80, 0xBF
			j++
		}
		if j-i == need+1 {
			b.WriteString(s[i:j])
		} else {
			b.WriteString("\uFFFD")
		}
		i = j
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// writeRFC3986 writes s percent-encoded, keeping only A–Z a–z 0–9 "-" "."
// "_" "~"; plusSpace writes a space as "+" instead of "%20".
func writeRFC3986(b *strings.Builder, s string, plusSpace bool) {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' ||
			ch == '-' || ch == '.' || ch == '_' || ch == '~' {
			b.WriteByte(ch)
			continue
		}
		if ch == ' ' && plusSpace {
			b.WriteByte('+')
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[ch>>4])
		b.WriteByte(hexDigits[ch&15])
	}
}

// compareUTF16 orders strings by their UTF-16 code units, as JavaScript's
// default sort does. It differs from byte order only between characters
// above U+FFFF and those in U+E000–U+FFFF.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ua, ub := firstUnit(ra), firstUnit(rb)
			if ua != ub {
				return int(ua) - int(ub)
			}
			// Same high surrogate: compare the low ones.
			_, la := utf16.EncodeRune(ra)
			_, lb := utf16.EncodeRune(rb)
			return int(la) - int(lb)
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

func firstUnit(r rune) rune {
	if r >= 0x10000 {
		hi, _ := utf16.EncodeRune(r)
		return hi
	}
	return r
}
