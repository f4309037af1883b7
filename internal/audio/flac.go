package audio

import (
	"errors"
	"fmt"
	"io"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
)

// DecodeFLAC reads a FLAC stream. Every frame is checked against the
// stream's declared channel count; a stream cut short keeps the frames that
// decoded.
func DecodeFLAC(r io.Reader, lim Limits) (*Buffer, error) {
	return decodeAs(r, FormatFLAC, lim)
}

// flacSource hands out the samples of a FLAC stream frame by frame.
type flacSource struct {
	stream   *flac.Stream
	channels int
	bits     int
	cur      *frame.Frame
	pos, n   int // samples of cur handed out, and in it
	scale    float32
	got      bool // a frame has decoded
	eof      bool
}

func newFLACSource(r io.Reader, lim Limits) (src source, rate, channels, bits int, err error) {
	stream, err := flac.New(r)
	if err != nil {
		return nil, 0, 0, 0, fmt.Errorf("%w: flac: %v", ErrFormat, err)
	}
	info := stream.Info
	rate, channels, bits = int(info.SampleRate), int(info.NChannels), int(info.BitsPerSample)
	if err := lim.check(rate, channels); err != nil {
		return nil, 0, 0, 0, err
	}
	if bits < 4 || bits > 32 {
		return nil, 0, 0, 0, fmt.Errorf("%w: flac: %d bits per sample", ErrUnsupported, bits)
	}
	return &flacSource{stream: stream, channels: channels, bits: bits}, rate, channels, bits, nil
}

// next parses the next frame into s.cur; io.EOF at the end of the stream or
// at a damaged tail.
func (s *flacSource) next() error {
	f, err := s.stream.ParseNext()
	if err != nil {
		if errors.Is(err, io.EOF) || s.got {
			return io.EOF // end, or a truncated or damaged tail
		}
		return fmt.Errorf("%w: flac: frame: %v", ErrFormat, err)
	}
	if len(f.Subframes) != s.channels {
		if s.got {
			return io.EOF
		}
		return fmt.Errorf("%w: flac: frame with %d channels in a %d-channel stream", ErrFormat, len(f.Subframes), s.channels)
	}
	fb := int(f.BitsPerSample)
	if fb == 0 {
		fb = s.bits
	}
	if fb < 4 || fb > 32 {
		return fmt.Errorf("%w: flac: frame with %d bits per sample", ErrFormat, fb)
	}
	n := f.Subframes[0].NSamples
	for _, sf := range f.Subframes {
		if sf.NSamples != n || len(sf.Samples) < n {
			return fmt.Errorf("%w: flac: ragged frame", ErrFormat)
		}
	}
	s.cur, s.pos, s.n = f, 0, n
	s.scale = 1 / float32(int64(1)<<(fb-1))
	s.got = true
	return nil
}

func (s *flacSource) read(dst [][]float32) (int, error) {
	for s.pos == s.n {
		if s.eof {
			return 0, io.EOF
		}
		if err := s.next(); err != nil {
			s.eof = true
			return 0, err
		}
	}
	k := min(len(dst[0]), s.n-s.pos)
	for c, sf := range s.cur.Subframes {
		d := dst[c][:k]
		for i, v := range sf.Samples[s.pos : s.pos+k] {
			d[i] = float32(v) * s.scale
		}
	}
	s.pos += k
	return k, nil
}

// EncodeFLAC writes buf as a FLAC stream at the buffer's rate, channel count
// and bit depth (16 or 24; other depths are written as 24, zero as 16).
// When w is an [io.WriteSeeker] the stream header records the MD5 of the
// samples too; otherwise that field is left unknown, as FLAC allows.
func EncodeFLAC(w io.Writer, buf *Buffer) error {
	return encodeAs(w, FormatFLAC, buf)
}

// writeOnly and writeSeeker keep the FLAC encoder from closing the
// caller's writer, while still letting it seek back to finish the header
// when the writer can seek.
type writeOnly struct{ w io.Writer }

func (n writeOnly) Write(p []byte) (int, error) { return n.w.Write(p) }

type writeSeeker struct{ w io.WriteSeeker }

func (n writeSeeker) Write(p []byte) (int, error) { return n.w.Write(p) }

func (n writeSeeker) Seek(off int64, whence int) (int64, error) { return n.w.Seek(off, whence) }
