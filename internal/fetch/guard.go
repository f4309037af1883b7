package fetch

import (
	"net/netip"
	"slices"
)

// blockedPrefixes are refused unless Config.Allow lists the address.
var blockedPrefixes = []netip.Prefix{
	// IPv4. IPv4-mapped IPv6 addresses are unmapped before the check;
	// NAT64 (64:ff9b::/96) and 6to4 (2002::/16) are judged by the IPv4
	// address they carry.
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network", unspecified
	netip.MustParsePrefix("10.0.0.0/8"),      // RFC 1918
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (CGNAT; Alibaba's metadata)
	netip.MustParsePrefix("127.0.0.0/8"),     // loopback
	netip.MustParsePrefix("169.254.0.0/16"),  // link-local; 169.254.169.254 metadata
	netip.MustParsePrefix("172.16.0.0/12"),   // RFC 1918
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("192.168.0.0/16"),  // RFC 1918
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("224.0.0.0/4"),     // multicast
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("::/96"),           // unspecified, loopback, IPv4-compatible
	netip.MustParsePrefix("::ffff:0:0:0/96"), // SIIT
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001::/32"),       // Teredo
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fc00::/7"),        // unique local (fd00:ec2::254 metadata)
	netip.MustParsePrefix("fe80::/10"),       // link-local
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
	netip.MustParsePrefix("ff00::/8"),        // multicast
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// allowed reports whether addr may be dialled under the allow list.
func allowed(addr netip.Addr, allow []netip.Prefix) bool {
	if !addr.IsValid() || addr.Zone() != "" {
		return false
	}
	addr = addr.Unmap()
	if slices.ContainsFunc(allow, func(p netip.Prefix) bool { return p.Contains(addr) }) {
		return true
	}
	if addr.Is6() {
		// An IPv4 address embedded in NAT64 or 6to4 form is judged as
		// itself: allowed only when it would be allowed plainly.
		b := addr.As16()
		switch {
		case nat64.Contains(addr):
			return allowed(netip.AddrFrom4([4]byte(b[12:16])), allow)
		case sixToFour.Contains(addr):
			return allowed(netip.AddrFrom4([4]byte(b[2:6])), allow)
		}
	}
	if addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() ||
		addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() {
		return false
	}
	return !slices.ContainsFunc(blockedPrefixes, func(p netip.Prefix) bool { return p.Contains(addr) })
}

// Allowed reports whether the guard with allow list allow would dial addr.
// It is the policy [Fetcher] applies to every resolved address.
func Allowed(addr netip.Addr, allow []netip.Prefix) bool { return allowed(addr, allow) }
