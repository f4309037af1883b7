package token

import (
	"bytes"
	"encoding/base64"
	"testing"
)

// FuzzDecodeB64 checks the hand-written decoder against the standard
// library's strict raw URL decoder, which it must agree with on every input
// that has no CR or LF (those the standard library skips; the token format
// has none).
func FuzzDecodeB64(f *testing.F) {
	for _, s := range []string{"", "QQ", "QUI", "QUJD", "QR", "QUJ", "_-_-", "a", "ab=", "a\nb", "eyJhbGciOiJIUzI1NiJ9"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if bytes.ContainsAny(src, "\r\n") {
			return
		}
		want, werr := base64.RawURLEncoding.Strict().DecodeString(string(src))
		dst := make([]byte, len(src)*3/4+2)
		n, ok := decodeB64(dst, src)
		if ok != (werr == nil) {
			t.Fatalf("decodeB64(%q) ok = %v, standard library error = %v", src, ok, werr)
		}
		if ok && !bytes.Equal(dst[:n], want) {
			t.Fatalf("decodeB64(%q) = %x, want %x", src, dst[:n], want)
		}
	})
}
