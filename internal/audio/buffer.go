package audio

import (
	"errors"
	"fmt"
	"time"
)

// Buffer is decoded audio: planar float32 samples nominally in [-1, 1].
type Buffer struct {
	// Rate is the sample rate in Hz.
	Rate int
	// Data holds one slice per channel, all of the same length.
	Data [][]float32
	// BitDepth is the source's bits per sample (16 for MP3); encoders use it
	// as the output depth. Zero means 16.
	BitDepth int
	// Format is the container the buffer was decoded from.
	Format Format
}

// Channels returns the number of channels.
func (b *Buffer) Channels() int { return len(b.Data) }

// Frames returns the number of samples per channel.
func (b *Buffer) Frames() int {
	if len(b.Data) == 0 {
		return 0
	}
	return len(b.Data[0])
}

// Duration returns the play time of the buffer.
func (b *Buffer) Duration() time.Duration {
	if b.Rate <= 0 {
		return 0
	}
	return time.Duration(float64(b.Frames()) / float64(b.Rate) * float64(time.Second))
}

// Mono returns the average of all channels as a new slice.
func (b *Buffer) Mono() []float32 {
	n := b.Frames()
	out := make([]float32, n)
	if len(b.Data) == 0 {
		return out
	}
	inv := 1 / float32(len(b.Data))
	for _, ch := range b.Data {
		for i, v := range ch[:n] {
			out[i] += v
		}
	}
	for i := range out {
		out[i] *= inv
	}
	return out
}

// Validate reports whether the buffer is well formed: a positive rate, at
// least one channel and channels of equal length.
func (b *Buffer) Validate() error {
	if b == nil {
		return errors.New("audio: nil buffer")
	}
	if b.Rate <= 0 {
		return fmt.Errorf("audio: invalid sample rate %d", b.Rate)
	}
	if len(b.Data) == 0 {
		return errors.New("audio: no channels")
	}
	n := len(b.Data[0])
	for i, ch := range b.Data {
		if len(ch) != n {
			return fmt.Errorf("audio: channel %d has %d samples, channel 0 has %d", i, len(ch), n)
		}
	}
	return nil
}

// Format names an audio container.
type Format string

// Formats [Decode] recognises.
const (
	FormatUnknown Format = ""
	FormatWAV     Format = "wav"
	FormatFLAC    Format = "flac"
	FormatMP3     Format = "mp3"
)

// Limits bound what a decoder accepts, so hostile or broken files cannot
// exhaust memory.
type Limits struct {
	// MaxChannels is the largest channel count accepted. Default 8.
	MaxChannels int
	// MaxRate is the highest sample rate accepted, in Hz. Default 384000.
	MaxRate int
	// MinRate is the lowest sample rate accepted, in Hz. Default 4000.
	MinRate int
	// MaxDuration is the longest play time decoded; longer input fails with
	// [ErrTooLong]. Default 30 minutes.
	MaxDuration time.Duration
}

// WithDefaults returns l with zero fields set to their defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxChannels <= 0 {
		l.MaxChannels = 8
	}
	if l.MaxRate <= 0 {
		l.MaxRate = 384000
	}
	if l.MinRate <= 0 {
		l.MinRate = 4000
	}
	if l.MaxDuration <= 0 {
		l.MaxDuration = 30 * time.Minute
	}
	return l
}

// maxFrames returns the frame cap for a stream at rate.
func (l Limits) maxFrames(rate int) int {
	return int(l.MaxDuration.Seconds() * float64(rate))
}

func (l Limits) check(rate, channels int) error {
	if channels <= 0 || channels > l.MaxChannels {
		return fmt.Errorf("%w: %d channels (limit %d)", ErrUnsupported, channels, l.MaxChannels)
	}
	if rate < l.MinRate || rate > l.MaxRate {
		return fmt.Errorf("%w: sample rate %d Hz (limits %d–%d)", ErrUnsupported, rate, l.MinRate, l.MaxRate)
	}
	return nil
}

// Errors returned by the decoders; match them with [errors.Is].
var (
	// ErrFormat means the input is not a recognised or well-formed file.
	ErrFormat = errors.New("audio: unrecognised or malformed audio")
	// ErrUnsupported means the file is well formed but outside what keyward
	// handles (codec, bit depth, channel count, sample rate).
	ErrUnsupported = errors.New("audio: unsupported audio")
	// ErrTooLong means the audio exceeds [Limits.MaxDuration].
	ErrTooLong = errors.New("audio: audio longer than the configured limit")
	// ErrEmpty means the file holds no samples.
	ErrEmpty = errors.New("audio: no samples")
)

// sink collects decoded channels; decoders append to it as samples arrive
// and check room() first, so no header ever sizes an allocation.
type sink struct {
	data      [][]float32
	maxFrames int
}

func newSink(channels, maxFrames int) *sink {
	return &sink{data: make([][]float32, channels), maxFrames: maxFrames}
}

func (s *sink) frames() int { return len(s.data[0]) }

// room reports how many more frames may be appended.
func (s *sink) room() int { return s.maxFrames - len(s.data[0]) }
