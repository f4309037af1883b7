package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

const (
	wavFormatPCM        = 1
	wavFormatFloat      = 3
	wavFormatExtensible = 0xFFFE
)

// wavFmt is the content of a WAV "fmt " chunk.
type wavFmt struct {
	tag      uint16
	channels int
	rate     int
	bits     int
	align    int
}

// DecodeWAV reads a RIFF/WAVE stream. It accepts PCM of 8, 16, 24 and 32
// bits and IEEE float of 32 and 64 bits, in plain or extensible format. A
// data chunk whose declared size is zero, 0xFFFFFFFF or larger than the
// stream (as streaming writers leave it) is read to the end of the input.
func DecodeWAV(r io.Reader, lim Limits) (*Buffer, error) {
	return decodeAs(r, FormatWAV, lim)
}

// newWAVSource reads a WAV stream's chunks up to the start of its samples.
func newWAVSource(r io.Reader, lim Limits) (src source, rate, channels, bits int, err error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	var hdr [12]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, 0, 0, 0, fmt.Errorf("%w: wav header: %v", ErrFormat, err)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, 0, 0, 0, fmt.Errorf("%w: not a RIFF/WAVE file", ErrFormat)
	}
	var f *wavFmt
	for {
		var ch [8]byte
		if _, err := io.ReadFull(br, ch[:]); err != nil {
			return nil, 0, 0, 0, fmt.Errorf("%w: wav: no data chunk: %v", ErrFormat, err)
		}
		id := string(ch[0:4])
		size := binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			if size < 16 || size > 1024 {
				return nil, 0, 0, 0, fmt.Errorf("%w: wav: fmt chunk of %d bytes", ErrFormat, size)
			}
			body := make([]byte, size+size&1)
			if _, err := io.ReadFull(br, body); err != nil {
				return nil, 0, 0, 0, fmt.Errorf("%w: wav: fmt chunk: %v", ErrFormat, err)
			}
			pf, err := parseWavFmt(body[:size])
			if err != nil {
				return nil, 0, 0, 0, err
			}
			if err := lim.check(pf.rate, pf.channels); err != nil {
				return nil, 0, 0, 0, err
			}
			f = pf
		case "data":
			if f == nil {
				return nil, 0, 0, 0, fmt.Errorf("%w: wav: data chunk before fmt chunk", ErrFormat)
			}
			limit := int64(size)
			if size == 0 || size == 0xFFFFFFFF {
				limit = math.MaxInt64
			}
			s := &wavSource{br: br, f: f, left: limit, chunk: make([]byte, wavBlock*f.align)}
			return s, f.rate, f.channels, f.bits, nil
		default:
			// Skip unknown chunks (LIST, fact, bext …), padded to even size.
			if _, err := io.CopyN(io.Discard, br, int64(size)+int64(size&1)); err != nil {
				return nil, 0, 0, 0, fmt.Errorf("%w: wav: chunk %q: %v", ErrFormat, id, err)
			}
		}
	}
}

func parseWavFmt(b []byte) (*wavFmt, error) {
	f := &wavFmt{
		tag:      binary.LittleEndian.Uint16(b[0:2]),
		channels: int(binary.LittleEndian.Uint16(b[2:4])),
		rate:     int(binary.LittleEndian.Uint32(b[4:8])),
		align:    int(binary.LittleEndian.Uint16(b[12:14])),
		bits:     int(binary.LittleEndian.Uint16(b[14:16])),
	}
	if f.tag == wavFormatExtensible {
		if len(b) < 40 {
			return nil, fmt.Errorf("%w: wav: short extensible fmt chunk", ErrFormat)
		}
		// The sub-format GUID starts with the format tag.
		f.tag = binary.LittleEndian.Uint16(b[24:26])
	}
	switch {
	case f.tag == wavFormatPCM && (f.bits == 8 || f.bits == 16 || f.bits == 24 || f.bits == 32):
	case f.tag == wavFormatFloat && (f.bits == 32 || f.bits == 64):
	default:
		return nil, fmt.Errorf("%w: wav: format tag %#x with %d bits", ErrUnsupported, f.tag, f.bits)
	}
	if f.channels <= 0 {
		return nil, fmt.Errorf("%w: wav: %d channels", ErrFormat, f.channels)
	}
	if want := f.channels * f.bits / 8; f.align != want {
		// Some writers get block align wrong; trust the bit depth.
		f.align = want
	}
	return f, nil
}

// wavBlock is the number of frames a wavSource reads at a time.
const wavBlock = 4096

// wavSource reads the samples of a WAV data chunk.
type wavSource struct {
	br    *bufio.Reader
	f     *wavFmt
	left  int64 // bytes of the data chunk not yet read
	chunk []byte
	eof   bool
}

func (s *wavSource) read(dst [][]float32) (int, error) {
	if s.eof {
		return 0, io.EOF
	}
	align := s.f.align
	want := int64(min(len(dst[0]), wavBlock) * align)
	if s.left < want {
		want = s.left - s.left%int64(align)
	}
	if want == 0 {
		s.eof = true
		return 0, io.EOF
	}
	n, err := io.ReadFull(s.br, s.chunk[:want])
	n -= n % align
	s.left -= int64(n)
	if err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, fmt.Errorf("wav: read data: %w", err)
		}
		s.eof = true // a truncated file keeps what it has
	}
	frames := n / align
	wavSamples(dst, s.chunk[:n], frames, s.f)
	if frames == 0 {
		return 0, io.EOF
	}
	return frames, nil
}

// wavSamples converts frames interleaved frames of p into dst.
func wavSamples(dst [][]float32, p []byte, frames int, f *wavFmt) {
	ch := f.channels
	switch {
	case f.tag == wavFormatPCM && f.bits == 16 && ch == 2:
		l, r := dst[0][:frames], dst[1][:frames]
		p = p[:4*frames]
		for i := range l {
			q := p[4*i : 4*i+4 : 4*i+4]
			l[i] = float32(int16(uint16(q[0])|uint16(q[1])<<8)) * (1.0 / 32768)
			r[i] = float32(int16(uint16(q[2])|uint16(q[3])<<8)) * (1.0 / 32768)
		}
	case f.tag == wavFormatPCM && f.bits == 16:
		for c := range ch {
			d := dst[c][:frames]
			for i := range d {
				k := 2 * (i*ch + c)
				d[i] = float32(int16(uint16(p[k])|uint16(p[k+1])<<8)) * (1.0 / 32768)
			}
		}
	default:
		bytesPer := f.bits / 8
		for c := range ch {
			d := dst[c][:frames]
			for i := range d {
				d[i] = wavSample(p[i*f.align+c*bytesPer:], f)
			}
		}
	}
}

func wavSample(p []byte, f *wavFmt) float32 {
	switch {
	case f.tag == wavFormatFloat && f.bits == 32:
		v := math.Float32frombits(binary.LittleEndian.Uint32(p))
		if v != v { // NaN
			return 0
		}
		return v
	case f.tag == wavFormatFloat:
		v := float32(math.Float64frombits(binary.LittleEndian.Uint64(p)))
		if v != v {
			return 0
		}
		return v
	case f.bits == 8:
		return (float32(p[0]) - 128) / 128
	case f.bits == 16:
		return float32(int16(binary.LittleEndian.Uint16(p))) / 32768
	case f.bits == 24:
		v := int32(uint32(p[0])<<8|uint32(p[1])<<16|uint32(p[2])<<24) >> 8
		return float32(v) / 8388608
	default:
		return float32(float64(int32(binary.LittleEndian.Uint32(p))) / 2147483648)
	}
}

// EncodeWAV writes buf as a RIFF/WAVE stream of PCM samples at the buffer's
// bit depth (8, 16, 24 or 32; 0 means 16), or 32-bit float when BitDepth is
// -32. Samples are clamped to [-1, 1) and rounded.
func EncodeWAV(w io.Writer, buf *Buffer) error {
	return encodeAs(w, FormatWAV, buf)
}
