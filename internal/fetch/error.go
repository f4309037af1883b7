package fetch

import (
	"errors"
)

// Sentinel errors, one a [Kind]; an [*Error] matches the one of its kind
// with errors.Is.
var (
	// ErrURL means the link is not an absolute http or https URL.
	ErrURL = errors.New("fetch: invalid link")
	// ErrBlocked means the link's host resolves to an address the guard
	// refuses (loopback, private, link-local, metadata, …).
	ErrBlocked = errors.New("fetch: address not allowed")
	// ErrDNS means the host name could not be resolved.
	ErrDNS = errors.New("fetch: host name not resolved")
	// ErrNetwork means the connection failed or broke off.
	ErrNetwork = errors.New("fetch: network error")
	// ErrTimeout means the download took longer than Config.Timeout.
	ErrTimeout = errors.New("fetch: timed out")
	// ErrStatus means the server answered with an HTTP error status.
	ErrStatus = errors.New("fetch: HTTP error status")
	// ErrRedirects means there were too many redirects, or one to a link
	// that is not http or https.
	ErrRedirects = errors.New("fetch: bad redirect")
	// ErrTooLarge means the body exceeds Config.MaxBytes.
	ErrTooLarge = errors.New("fetch: file too large")
	// ErrNotAudio means the body is not a WAV, FLAC, MP3 or Ogg stream.
	ErrNotAudio = errors.New("fetch: not audio")
)

// Kind classifies an [*Error].
type Kind int

// The kinds of [*Error].
const (
	KindURL Kind = iota + 1
	KindBlocked
	KindDNS
	KindNetwork
	KindTimeout
	KindStatus
	KindRedirects
	KindTooLarge
	KindNotAudio
)

var kindSentinel = map[Kind]error{
	KindURL:       ErrURL,
	KindBlocked:   ErrBlocked,
	KindDNS:       ErrDNS,
	KindNetwork:   ErrNetwork,
	KindTimeout:   ErrTimeout,
	KindStatus:    ErrStatus,
	KindRedirects: ErrRedirects,
	KindTooLarge:  ErrTooLarge,
	KindNotAudio:  ErrNotAudio,
}

// String returns the kind's name, e.g. "blocked".
func (k Kind) String() string {
	switch k {
	case KindURL:
		return "url"
	case KindBlocked:
		return "blocked"
	case KindDNS:
		return "dns"
	case KindNetwork:
		return "network"
	case KindTimeout:
		return "timeout"
	case KindStatus:
		return "status"
	case KindRedirects:
		return "redirects"
	case KindTooLarge:
		return "too_large"
	case KindNotAudio:
		return "not_audio"
	}
	return "unknown"
}

// Error is a failed download.
type Error struct {
	// Kind classifies the failure.
	Kind Kind
	// Message says what went wrong in words for the person who gave the
	// link. It names the host or status but never an address the guard
	// refused to reach beyond what the caller already knows.
	Message string
	// Temporary reports whether the same download may succeed later (a
	// timeout, a 503, a reset connection).
	Temporary bool
	// StatusCode is the HTTP status for KindStatus.
	StatusCode int
	// Err is the cause, for logs.
	Err error
}

// Error returns "fetch: " and the message.
func (e *Error) Error() string { return "fetch: " + e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel error of e's kind.
func (e *Error) Is(target error) bool { return target != nil && kindSentinel[e.Kind] == target }
