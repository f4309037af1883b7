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
	lim = lim.WithDefaults()
	br := bufio.NewReaderSize(r, 64<<10)
	var hdr [12]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: wav header: %v", ErrFormat, err)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%w: not a RIFF/WAVE file", ErrFormat)
	}
	var f *wavFmt
	for {
		var ch [8]byte
		if _, err := io.ReadFull(br, ch[:]); err != nil {
			return nil, fmt.Errorf("%w: wav: no data chunk: %v", ErrFormat, err)
		}
		id := string(ch[0:4])
		size := binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			if size < 16 || size > 1024 {
				return nil, fmt.Errorf("%w: wav: fmt chunk of %d bytes", ErrFormat, size)
			}
			body := make([]byte, size+size&1)
			if _, err := io.ReadFull(br, body); err != nil {
				return nil, fmt.Errorf("%w: wav: fmt chunk: %v", ErrFormat, err)
			}
			pf, err := parseWavFmt(body[:size])
			if err != nil {
				return nil, err
			}
			if err := lim.check(pf.rate, pf.channels); err != nil {
				return nil, err
			}
			f = pf
		case "data":
			if f == nil {
				return nil, fmt.Errorf("%w: wav: data chunk before fmt chunk", ErrFormat)
			}
			return readWavData(br, f, size, lim)
		default:
			// Skip unknown chunks (LIST, fact, bext …), padded to even size.
			if _, err := io.CopyN(io.Discard, br, int64(size)+int64(size&1)); err != nil {
				return nil, fmt.Errorf("%w: wav: chunk %q: %v", ErrFormat, id, err)
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

func readWavData(br *bufio.Reader, f *wavFmt, size uint32, lim Limits) (*Buffer, error) {
	bytesPer := f.bits / 8
	limit := int64(size)
	if size == 0 || size == 0xFFFFFFFF {
		limit = math.MaxInt64
	}
	maxFrames := lim.maxFrames(f.rate)
	s := newSink(f.channels, maxFrames)
	chunk := make([]byte, 4096*f.align)
	var read int64
	for read < limit {
		want := int64(len(chunk))
		if rem := limit - read; rem < want {
			want = rem - rem%int64(f.align)
			if want == 0 {
				break
			}
		}
		n, err := io.ReadFull(br, chunk[:want])
		n -= n % f.align
		frames := n / f.align
		if frames > s.room() {
			return nil, fmt.Errorf("%w: more than %v", ErrTooLong, lim.MaxDuration)
		}
		for c := range f.channels {
			s.data[c] = growFloats(s.data[c], frames)
		}
		base := s.frames() - frames
		for i := range frames {
			p := chunk[i*f.align:]
			for c := range f.channels {
				s.data[c][base+i] = wavSample(p[c*bytesPer:], f)
			}
		}
		read += int64(n)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break // a truncated file keeps what it has
			}
			return nil, fmt.Errorf("wav: read data: %w", err)
		}
	}
	if s.frames() == 0 {
		return nil, ErrEmpty
	}
	return &Buffer{Rate: f.rate, Data: s.data, BitDepth: f.bits, Format: FormatWAV}, nil
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
	if err := buf.Validate(); err != nil {
		return err
	}
	bits, tag := buf.BitDepth, uint16(wavFormatPCM)
	switch bits {
	case 0:
		bits = 16
	case -32:
		bits, tag = 32, wavFormatFloat
	case 8, 16, 24, 32:
	default:
		bits = 24
	}
	ch := buf.Channels()
	frames := buf.Frames()
	align := ch * bits / 8
	dataSize := int64(frames) * int64(align)
	if dataSize > math.MaxUint32-64 {
		return fmt.Errorf("audio: wav: %d bytes of samples do not fit a RIFF file", dataSize)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var h [44]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+dataSize))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], tag)
	binary.LittleEndian.PutUint16(h[22:], uint16(ch))
	binary.LittleEndian.PutUint32(h[24:], uint32(buf.Rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(buf.Rate*align))
	binary.LittleEndian.PutUint16(h[32:], uint16(align))
	binary.LittleEndian.PutUint16(h[34:], uint16(bits))
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(dataSize))
	if _, err := bw.Write(h[:]); err != nil {
		return fmt.Errorf("audio: wav: write header: %w", err)
	}
	var s [8]byte
	for i := range frames {
		for c := range ch {
			v := buf.Data[c][i]
			p := s[:bits/8]
			switch {
			case tag == wavFormatFloat:
				binary.LittleEndian.PutUint32(p, math.Float32bits(v))
			case bits == 8:
				p[0] = byte(quantize(v, 8) + 128)
			case bits == 16:
				binary.LittleEndian.PutUint16(p, uint16(int16(quantize(v, 16))))
			case bits == 24:
				q := quantize(v, 24)
				p[0], p[1], p[2] = byte(q), byte(q>>8), byte(q>>16)
			default:
				binary.LittleEndian.PutUint32(p, uint32(quantize(v, 32)))
			}
			if _, err := bw.Write(p); err != nil {
				return fmt.Errorf("audio: wav: write samples: %w", err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("audio: wav: flush: %w", err)
	}
	return nil
}

// quantize maps v in [-1, 1) to a signed integer of bits bits, clamping.
func quantize(v float32, bits int) int32 {
	scale := float64(int64(1) << (bits - 1))
	x := math.Round(float64(v) * scale)
	if x >= scale {
		x = scale - 1
	}
	if x < -scale {
		x = -scale
	}
	if x != x {
		x = 0
	}
	return int32(x)
}
