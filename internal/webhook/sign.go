package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers of a post.
const (
	// SignatureHeader carries "t=UNIX,v1=HEX".
	SignatureHeader = "X-Keyward-Signature"
	// IDHeader carries the event's id, the same for every attempt.
	IDHeader = "Webhook-Id"
	// EventHeader carries the event's name as in the body.
	EventHeader = "X-Keyward-Event"
	// DefaultTolerance is how far a signature's time may be from the
	// receiver's clock in [Verify].
	DefaultTolerance = 5 * time.Minute
)

// Errors of [Verify] and [ParseSignature].
var (
	// ErrMalformed is a signature header that is not "t=UNIX,v1=HEX".
	ErrMalformed = errors.New("webhook: malformed signature header")
	// ErrMismatch is a signature that does not match the body and secret.
	ErrMismatch = errors.New("webhook: signature does not match")
	// ErrStale is a signature whose time is outside the tolerance.
	ErrStale = errors.New("webhook: signature time is outside the tolerance")
)

// Sign returns the signature header of body posted at t with secret:
// "t=UNIX,v1=" + hex(HMAC-SHA256(secret, UNIX + "." + body)).
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Signature is a parsed signature header.
type Signature struct {
	// Timestamp is the t= value, as sent (Unix seconds).
	Timestamp string
	// V1 holds every v1= value, decoded (32 bytes each).
	V1 [][]byte
}

// ParseSignature parses "t=UNIX,v1=HEX[,v1=HEX…]". Unknown keys are
// ignored, so that later schemes can be added beside v1.
func ParseSignature(header string) (*Signature, error) {
	if len(header) > 4096 {
		return nil, fmt.Errorf("%w: longer than 4096 bytes", ErrMalformed)
	}
	var sig Signature
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("%w: %q is not key=value", ErrMalformed, part)
		}
		switch k {
		case "t":
			if sig.Timestamp != "" {
				return nil, fmt.Errorf("%w: t given twice", ErrMalformed)
			}
			if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 0 || strconv.FormatInt(n, 10) != v {
				return nil, fmt.Errorf("%w: t is not Unix seconds", ErrMalformed)
			}
			sig.Timestamp = v
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return nil, fmt.Errorf("%w: v1 is not 64 hex digits", ErrMalformed)
			}
			sig.V1 = append(sig.V1, b)
		}
	}
	if sig.Timestamp == "" || len(sig.V1) == 0 {
		return nil, fmt.Errorf("%w: t and v1 are required", ErrMalformed)
	}
	return &sig, nil
}

// Time returns the signature's time.
func (s *Signature) Time() time.Time {
	n, _ := strconv.ParseInt(s.Timestamp, 10, 64)
	return time.Unix(n, 0)
}

// Verify checks that header signs body with secret, at a time within
// tolerance of now (0 means [DefaultTolerance]). Receivers call it on the
// raw body, before parsing it; MACs are compared in constant time.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	sig, err := ParseSignature(header)
	if err != nil {
		return err
	}
	want := mac(secret, sig.Timestamp, body)
	ok := false
	for _, v := range sig.V1 {
		ok = hmac.Equal(v, want) || ok
	}
	if !ok {
		return ErrMismatch
	}
	if tolerance == 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(sig.Time()); d > tolerance || d < -tolerance {
		return ErrStale
	}
	return nil
}

// Secret returns the webhook secret of room roomID under key (the
// server's key for webhooks, derived from its master key): "whsec_" and
// 64 hex digits. It is the same on every node and never stored.
func Secret(key []byte, roomID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("keyward room webhook secret\x00"))
	m.Write([]byte(roomID))
	return "whsec_" + hex.EncodeToString(m.Sum(nil))
}
