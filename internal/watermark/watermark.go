package watermark

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ID is the 64-bit sound link identifier carried by a mark.
type ID uint64

// String returns the ID as 16 lower-case hexadecimal digits.
func (id ID) String() string { return fmt.Sprintf("%016x", uint64(id)) }

// ParseID reads an ID written as 1 to 16 hexadecimal digits.
func ParseID(s string) (ID, error) {
	if len(s) == 0 || len(s) > 16 {
		return 0, fmt.Errorf("watermark: id %q: want 1 to 16 hex digits", s)
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("watermark: id %q: want hex digits: %w", s, err)
	}
	return ID(v), nil
}

// Result is one mark found by [Marker.Detect].
type Result struct {
	// ID is the sound link id, verified by the keyed integrity check.
	ID ID
	// Confidence is in (0, 1]: the agreement between the received soft bits
	// and the re-encoded payload, rescaled so that the acceptance threshold
	// maps to 0 and a perfect copy to 1. Every result has passed the keyed
	// integrity check whatever its confidence; a low one means a weak or
	// damaged copy, not a doubtful id.
	Confidence float64
	// Offset is where, in the analysed samples, the first whole mark period
	// of the detection starts.
	Offset time.Duration
	// Speed is the playback speed the mark was found at (1 when unchanged;
	// 1.02 means the audio was sped up by 2%).
	Speed float64
	// SyncScore is the z-score of the key's synchronisation pattern.
	SyncScore float64
}

// Config configures a [Marker].
type Config struct {
	// Key is the secret that scatters the mark and keys the integrity check.
	// Marks made under one key are invisible under any other. At least 16
	// bytes; required.
	Key []byte
	// Strength scales the size of the spectral changes. Default 1 (about
	// 32 dB SNR on music, quieter where little of it lies in the mark's
	// band); 0.5 is quieter and less robust, 2 is louder.
	// Values outside (0, 4] are refused.
	Strength float64
	// SpeedSearch is the largest playback-speed change, as a fraction,
	// that Detect searches when the unchanged speed finds nothing. Default
	// 0.04 (±4%); a negative value disables the search.
	SpeedSearch float64
	// MinConfidence filters detections below it. Default 0 (every result
	// that passed the integrity check and the calibrated threshold).
	MinConfidence float64
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Strength == 0 {
		c.Strength = 1
	}
	if c.SpeedSearch == 0 {
		c.SpeedSearch = 0.04
	}
	return c
}

func (c Config) validate() error {
	if len(c.Key) < 16 {
		return fmt.Errorf("watermark: key of %d bytes: want at least 16", len(c.Key))
	}
	if !(c.Strength > 0 && c.Strength <= 4) {
		return fmt.Errorf("watermark: strength %v outside (0, 4]", c.Strength)
	}
	if c.SpeedSearch > 0.1 {
		return fmt.Errorf("watermark: speed search %v larger than 0.1", c.SpeedSearch)
	}
	return nil
}

// Marker embeds and detects marks under one key. It is safe for concurrent
// use.
type Marker struct {
	cfg Config
	pat *pattern
	mac []byte // key for the integrity check
}

// New returns a Marker for cfg.
func New(cfg Config) (*Marker, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	m := &Marker{cfg: cfg}
	m.pat = newPattern(derive(cfg.Key, "pattern"))
	m.mac = derive(cfg.Key, "mac")
	return m, nil
}

// derive returns a sub-key of key for purpose.
func derive(key []byte, purpose string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("keyward/watermark/v1/" + purpose))
	return h.Sum(nil)
}

// Errors returned by the package.
var (
	// ErrInput means the samples cannot be processed: no channels, ragged
	// channels, a sample rate outside 4–384 kHz, or non-finite samples.
	ErrInput = errors.New("watermark: invalid input")
	// ErrTooShort means the signal is shorter than one mark period
	// ([PeriodDuration]), so no whole payload fits.
	ErrTooShort = errors.New("watermark: signal too short to carry a mark")
)

func checkInput(samples [][]float32, rate int) error {
	if rate < 4000 || rate > 384000 {
		return fmt.Errorf("%w: sample rate %d Hz", ErrInput, rate)
	}
	if len(samples) == 0 {
		return fmt.Errorf("%w: no channels", ErrInput)
	}
	for i, ch := range samples {
		if len(ch) != len(samples[0]) {
			return fmt.Errorf("%w: channel %d has %d samples, channel 0 has %d", ErrInput, i, len(ch), len(samples[0]))
		}
	}
	return nil
}
