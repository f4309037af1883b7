package fetch

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// hostAddr reads host as an address when it is one, so that the guard
// judges what the link means and no resolver is asked about a number. It
// accepts IP literals and every IPv4 form that inet_aton and the WHATWG URL
// parser (browsers) accept: one to four parts separated by ".", each
// decimal, octal (a leading 0) or hexadecimal (0x), the last part filling
// the bytes that remain, and one trailing dot ("127.1", "0x7f000001",
// "2130706433", "0177.0.0.1", "127.0.0.1."). A host whose last label is a
// number is an address or nothing: when it does not parse (an octet above
// 255, five parts, "08") it is refused, never looked up. So is a host with
// an empty label. isAddr is false for a name to resolve.
func hostAddr(host string) (addr netip.Addr, isAddr bool, err error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a, true, nil
	}
	bad := &Error{Kind: KindURL, Message: fmt.Sprintf("the link's host %q is neither a valid host name nor an address", host)}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	for _, l := range labels {
		if l == "" {
			return netip.Addr{}, false, bad
		}
	}
	if !isIPv4Number(labels[len(labels)-1]) {
		return netip.Addr{}, false, nil
	}
	if len(labels) > 4 {
		return netip.Addr{}, false, bad
	}
	var v uint64
	for i, l := range labels {
		n, ok := parseIPv4Number(l)
		if !ok {
			return netip.Addr{}, false, bad
		}
		if i < len(labels)-1 {
			if n > 255 {
				return netip.Addr{}, false, bad
			}
			v |= n << (8 * (3 - i))
			continue
		}
		if n >= 1<<(8*(5-len(labels))) {
			return netip.Addr{}, false, bad
		}
		v |= n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true, nil
}

// isIPv4Number reports whether s looks like a number (decimal digits, or
// 0x and hex digits): a host ending in one is meant as an address.
func isIPv4Number(s string) bool {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return strings.Trim(s[2:], "0123456789abcdefABCDEF") == ""
	}
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// parseIPv4Number parses one part of an IPv4 host: hexadecimal after 0x
// ("0x" alone is 0), octal after a leading 0, decimal otherwise.
func parseIPv4Number(s string) (uint64, bool) {
	base := 10
	switch {
	case len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		s, base = s[2:], 16
		if s == "" {
			return 0, true
		}
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	if s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, base, 32)
	return n, err == nil
}
