// Package fetch downloads a song from a link that a caller supplied, guarding
// keyward's own network from it.
//
// # The guard
//
// A link given to the Encoding API is untrusted input: without a guard it
// would let anyone make keyward fetch its cloud's metadata service, an admin
// page on loopback or a host on the private network (server-side request
// forgery). A [Fetcher] therefore:
//
//   - accepts only http and https links, without credentials in them;
//   - resolves the host name itself and checks every resolved address (never
//     the name) before it dials, then dials the vetted address, so a name
//     that resolves differently the second time (DNS rebinding) gains
//     nothing;
//   - refuses loopback, private (RFC 1918), shared (100.64.0.0/10),
//     link-local (which holds the 169.254.169.254 metadata service),
//     multicast, unspecified, documentation and reserved addresses, IPv6
//     unique-local and link-local addresses, and the IPv4-mapped, NAT64,
//     6to4 and Teredo forms that smuggle an IPv4 address inside an IPv6 one,
//     unless [Config.Allow] lists the address;
//   - re-checks every redirect the same way and follows at most
//     [Config.MaxRedirects];
//   - never uses a proxy from the environment;
//   - stops at [Config.MaxBytes] and [Config.Timeout];
//   - sniffs the first bytes of the body (RIFF/WAVE, fLaC, ID3 or an MPEG
//     audio frame, OggS) and refuses anything else, whatever Content-Type
//     says.
//
// # Errors
//
// Every failure is an [*Error] with a [Kind], a message a person can act on
// ([Error.Message], safe to show to the caller who gave the link) and whether
// trying again later may help ([Error.Temporary]). Match kinds with
// errors.Is against the sentinel errors ([ErrBlocked], [ErrNotAudio], …).
// A cancelled parent context is returned as it is, so that a caller can tell
// its own cancellation from the link's fault.
package fetch
