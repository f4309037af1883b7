package audio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Reader decodes a WAV, FLAC or MP3 stream a block at a time, so a song of
// any length is read in the memory of one block. Make one with
// [NewReader]; it is not safe for concurrent use.
//
// The limits of [Limits] hold as for [Decode]: the channel count and rate
// are checked before any sample is read, and a stream that runs past
// MaxDuration fails with [ErrTooLong] when the first sample beyond it is
// read. A stream cut short ends early without error.
type Reader struct {
	rate, channels, bits int
	format               Format
	src                  source
	maxFrames            int64
	frames               int64 // frames handed out so far
	err                  error // sticky: io.EOF or the failure
}

// source is one format's decoder: read fills dst[c][:n] with the next n
// frames, n ≤ len(dst[0]), and returns io.EOF once no frame is left (a
// truncated stream ends that way too).
type source interface {
	read(dst [][]float32) (int, error)
}

// NewReader reads the head of r, chooses the decoder from the content
// (hint, when not [FormatUnknown], is used only if sniffing fails) and
// returns a Reader positioned at the first sample.
func NewReader(r io.Reader, hint Format, lim Limits) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(64 << 10)
	f := sniff(head)
	if f == FormatUnknown {
		f = hint
	}
	if f == FormatUnknown && bytes.Contains(head[:min(len(head), 8192)], []byte{0xFF, 0xFB}) {
		f = FormatMP3
	}
	if f == FormatUnknown {
		if len(head) == 0 {
			return nil, ErrEmpty
		}
		return nil, fmt.Errorf("%w: not WAV, FLAC or MP3", ErrFormat)
	}
	rd, err := newReaderOf(br, f, lim)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", f, err)
	}
	return rd, nil
}

// newReaderOf opens r as a stream of format f.
func newReaderOf(r io.Reader, f Format, lim Limits) (rd *Reader, err error) {
	lim = lim.WithDefaults()
	defer func() {
		// The FLAC and MP3 libraries are not hardened against every
		// malformed stream; a panic inside them is a malformed file, not a
		// crash of ours.
		if p := recover(); p != nil {
			rd, err = nil, fmt.Errorf("%w: %s: decoder failure: %v", ErrFormat, f, p)
		}
	}()
	rd = &Reader{format: f}
	switch f {
	case FormatWAV:
		rd.src, rd.rate, rd.channels, rd.bits, err = newWAVSource(r, lim)
	case FormatFLAC:
		rd.src, rd.rate, rd.channels, rd.bits, err = newFLACSource(r, lim)
	case FormatMP3:
		rd.src, rd.rate, rd.channels, rd.bits, err = newMP3Source(r, lim)
	default:
		return nil, fmt.Errorf("%w: format %q", ErrUnsupported, f)
	}
	if err != nil {
		return nil, err
	}
	rd.maxFrames = int64(lim.maxFrames(rd.rate))
	return rd, nil
}

// Rate returns the sample rate in Hz.
func (r *Reader) Rate() int { return r.rate }

// Channels returns the number of channels.
func (r *Reader) Channels() int { return r.channels }

// BitDepth returns the source's bits per sample (16 for MP3).
func (r *Reader) BitDepth() int { return r.bits }

// Format returns the container being read.
func (r *Reader) Format() Format { return r.format }

// Frames returns the number of frames read so far.
func (r *Reader) Frames() int64 { return r.frames }

// Read decodes the next frames into dst, one slice per channel of equal
// length, and returns how many it wrote: at least one unless the stream
// has ended. At the end it returns 0 and io.EOF, or [ErrEmpty] when the
// stream held no sample at all; any other error is the stream's failure.
// Errors are sticky.
func (r *Reader) Read(dst [][]float32) (n int, err error) {
	if r.err != nil {
		return 0, r.err
	}
	if len(dst) != r.channels {
		return 0, fmt.Errorf("audio: read %d channels from a %d-channel stream", len(dst), r.channels)
	}
	if len(dst[0]) == 0 {
		return 0, nil
	}
	for _, ch := range dst[1:] {
		if len(ch) < len(dst[0]) {
			return 0, errors.New("audio: read into ragged channels")
		}
	}
	defer func() {
		if p := recover(); p != nil {
			n, err = 0, fmt.Errorf("%w: %s: decoder failure: %v", ErrFormat, r.format, p)
			r.err = err
		}
	}()
	n, err = r.src.read(dst)
	r.frames += int64(n)
	if r.frames > r.maxFrames {
		r.err = fmt.Errorf("%w: more than %d samples at %d Hz", ErrTooLong, r.maxFrames, r.rate)
		return 0, r.err
	}
	if err != nil {
		if errors.Is(err, io.EOF) && r.frames == 0 {
			err = ErrEmpty
		}
		r.err = err
		if n > 0 {
			err = nil // the end is reported by the next call
		}
	}
	return n, err
}

// readAll decodes the rest of r into a Buffer.
func readAll(r *Reader) (*Buffer, error) {
	const block = 4096
	data := make([][]float32, r.channels)
	dst := make([][]float32, r.channels)
	for {
		base := len(data[0])
		for c := range data {
			data[c] = growFloats(data[c], block)
			dst[c] = data[c][base:]
		}
		n, err := r.Read(dst)
		for c := range data {
			data[c] = data[c][:base+n]
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return &Buffer{Rate: r.rate, Data: data, BitDepth: r.bits, Format: r.format}, nil
}

// decodeAs decodes the whole of r as format f.
func decodeAs(r io.Reader, f Format, lim Limits) (*Buffer, error) {
	rd, err := newReaderOf(r, f, lim)
	if err != nil {
		return nil, err
	}
	return readAll(rd)
}

// growFloats extends s by n elements, growing capacity geometrically.
func growFloats(s []float32, n int) []float32 {
	if cap(s)-len(s) >= n {
		return s[:len(s)+n]
	}
	nc := 2*cap(s) + n
	if nc < 4096 {
		nc = 4096
	}
	ns := make([]float32, len(s)+n, nc)
	copy(ns, s)
	return ns
}
