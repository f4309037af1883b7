package token

import "encoding/binary"

// decodeB64 decodes unpadded base64url (RFC 4648 §5) from src into dst and
// returns the number of bytes written. It is strict: every byte must be in
// the URL alphabet (no padding, whitespace or line breaks), the length must
// not leave a lone character, and the unused low bits of the last character
// must be zero, so that every token has exactly one encoding. dst must hold
// len(src)*3/4 + 2 bytes (the main loop stores 8 bytes to keep 6). ok is
// false for any violation.
func decodeB64(dst, src []byte) (n int, ok bool) {
	if len(src)%4 == 1 {
		return 0, false
	}
	i := 0
	for ; i+8 <= len(src) && n+8 <= len(dst); i += 8 {
		s := src[i : i+8 : i+8]
		a, b, c, d := b64Value[s[0]], b64Value[s[1]], b64Value[s[2]], b64Value[s[3]]
		e, f, g, h := b64Value[s[4]], b64Value[s[5]], b64Value[s[6]], b64Value[s[7]]
		if a|b|c|d|e|f|g|h == 0xFF {
			return 0, false
		}
		v := uint64(a)<<58 | uint64(b)<<52 | uint64(c)<<46 | uint64(d)<<40 |
			uint64(e)<<34 | uint64(f)<<28 | uint64(g)<<22 | uint64(h)<<16
		binary.BigEndian.PutUint64(dst[n:], v)
		n += 6
	}
	for ; i+4 <= len(src); i += 4 {
		a, b, c, d := b64Value[src[i]], b64Value[src[i+1]], b64Value[src[i+2]], b64Value[src[i+3]]
		if a|b|c|d == 0xFF {
			return 0, false
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		dst[n], dst[n+1], dst[n+2] = byte(v>>16), byte(v>>8), byte(v)
		n += 3
	}
	switch len(src) - i {
	case 2:
		a, b := b64Value[src[i]], b64Value[src[i+1]]
		if a|b == 0xFF || b&0x0F != 0 {
			return 0, false
		}
		dst[n] = a<<2 | b>>4
		n++
	case 3:
		a, b, c := b64Value[src[i]], b64Value[src[i+1]], b64Value[src[i+2]]
		if a|b|c == 0xFF || c&0x03 != 0 {
			return 0, false
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6
		dst[n], dst[n+1] = byte(v>>16), byte(v>>8)
		n += 2
	}
	return n, true
}

// b64Value maps a base64url character to its 6-bit value; every other byte
// maps to 0xFF. Since every valid value is below 64, a|b|c|d == 0xFF holds
// exactly when one of them is invalid.
var b64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = byte(i)
	}
	return t
}()
