package audio

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
	"github.com/mewkiz/flac/meta"
)

// Header describes the stream a [Writer] writes.
type Header struct {
	// Rate is the sample rate in Hz.
	Rate int
	// Channels is the number of channels.
	Channels int
	// BitDepth is the output's bits per sample, as [Buffer.BitDepth]: WAV
	// takes 8, 16, 24 or 32 (-32 for 32-bit float), FLAC 16 or 24; zero
	// means 16 and other depths are written as 24.
	BitDepth int
	// Frames, when positive, is the stream's length, written into the
	// header up front. Zero means unknown: a Writer on an
	// [io.WriteSeeker] fills the length in when it is closed, others leave
	// it unknown as the formats allow.
	Frames int64
}

// Writer encodes a stream as WAV or FLAC a block at a time, holding only
// one block. Make one with [NewWriter], call Write for every block and
// Close at the end; it is not safe for concurrent use.
type Writer struct {
	out      *seekBuffer
	format   Format
	h        Header
	bits     int
	float    bool // 32-bit IEEE float WAV
	frames   int64
	buf      []byte // WAV: converted samples
	enc      *flac.Encoder
	subs     []*frame.Subframe
	chans    frame.Channels
	fill     int // FLAC: samples waiting in subs
	closed   bool
	writeErr error
}

// writerBlock is the number of frames converted at a time, and the FLAC
// block size.
const writerBlock = 4096

// NewWriter starts a stream of format f ([FormatWAV] or [FormatFLAC]) on w
// and writes its header.
func NewWriter(w io.Writer, f Format, h Header) (*Writer, error) {
	if h.Rate <= 0 || h.Channels <= 0 {
		return nil, fmt.Errorf("audio: writer of %d channels at %d Hz", h.Channels, h.Rate)
	}
	wr := &Writer{out: newSeekBuffer(w), format: f, h: h}
	var err error
	switch f {
	case FormatWAV:
		err = wr.startWAV()
	case FormatFLAC:
		err = wr.startFLAC()
	default:
		return nil, fmt.Errorf("%w: cannot write %q", ErrUnsupported, f)
	}
	if err != nil {
		return nil, err
	}
	return wr, nil
}

func (w *Writer) startWAV() error {
	bits, tag := w.h.BitDepth, uint16(wavFormatPCM)
	switch bits {
	case 0:
		bits = 16
	case -32:
		bits, tag, w.float = 32, wavFormatFloat, true
	case 8, 16, 24, 32:
	default:
		bits = 24
	}
	w.bits = bits
	if w.h.Channels > 0xFFFF || w.h.Rate > math.MaxUint32/(w.h.Channels*bits/8) {
		return fmt.Errorf("%w: wav: %d channels at %d Hz", ErrUnsupported, w.h.Channels, w.h.Rate)
	}
	align := w.h.Channels * bits / 8
	var h [44]byte
	copy(h[0:], "RIFF")
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], tag)
	binary.LittleEndian.PutUint16(h[22:], uint16(w.h.Channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(w.h.Rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(w.h.Rate*align))
	binary.LittleEndian.PutUint16(h[32:], uint16(align))
	binary.LittleEndian.PutUint16(h[34:], uint16(bits))
	copy(h[36:], "data")
	size, err := w.wavDataSize(w.h.Frames)
	if err != nil {
		return err
	}
	putWAVSizes(h[:], size)
	if _, err := w.out.Write(h[:]); err != nil {
		return fmt.Errorf("audio: wav: write header: %w", err)
	}
	w.buf = make([]byte, writerBlock*align)
	return nil
}

// wavDataSize returns the data chunk's size for frames frames, or
// 0xFFFFFFFF (unknown) for none.
func (w *Writer) wavDataSize(frames int64) (uint32, error) {
	if frames <= 0 {
		return 0xFFFFFFFF, nil
	}
	size := frames * int64(w.h.Channels*w.bits/8)
	if size > math.MaxUint32-64 {
		return 0, fmt.Errorf("audio: wav: %d bytes of samples do not fit a RIFF file", size)
	}
	return uint32(size), nil
}

// putWAVSizes writes the RIFF and data chunk sizes into a 44-byte header.
func putWAVSizes(h []byte, data uint32) {
	riff := data
	if data != 0xFFFFFFFF {
		riff = 36 + data
	}
	binary.LittleEndian.PutUint32(h[4:], riff)
	binary.LittleEndian.PutUint32(h[40:], data)
}

func (w *Writer) startFLAC() error {
	ch := w.h.Channels
	if ch > 8 {
		return fmt.Errorf("%w: flac: %d channels (FLAC allows 8)", ErrUnsupported, ch)
	}
	if w.h.Rate > 655350 {
		return fmt.Errorf("%w: flac: sample rate %d", ErrUnsupported, w.h.Rate)
	}
	switch w.h.BitDepth {
	case 0, 8, 16:
		w.bits = 16
	default:
		w.bits = 24
	}
	info := &meta.StreamInfo{
		BlockSizeMin:  writerBlock,
		BlockSizeMax:  writerBlock,
		SampleRate:    uint32(w.h.Rate),
		NChannels:     uint8(ch),
		BitsPerSample: uint8(w.bits),
		NSamples:      uint64(max(0, w.h.Frames)),
	}
	var out io.Writer = writeOnly{w.out}
	if w.out.seeker != nil {
		out = writeSeeker{w.out}
	}
	enc, err := flac.NewEncoder(out, info)
	if err != nil {
		return fmt.Errorf("audio: flac: new encoder: %w", err)
	}
	enc.EnablePredictionAnalysis(true)
	w.enc = enc
	w.chans = []frame.Channels{frame.ChannelsMono, frame.ChannelsLR, frame.ChannelsLRC,
		frame.ChannelsLRLsRs, frame.ChannelsLRCLsRs, frame.ChannelsLRCLfeLsRs,
		frame.ChannelsLRCLfeCsSlSr, frame.ChannelsLRCLfeLsRsSlSr}[ch-1]
	w.subs = make([]*frame.Subframe, ch)
	for c := range w.subs {
		w.subs[c] = &frame.Subframe{Samples: make([]int32, writerBlock)}
	}
	return nil
}

// Write appends block, one slice per channel of equal length. Samples are
// clamped to [-1, 1) and rounded to the output's depth.
func (w *Writer) Write(block [][]float32) error {
	if w.closed {
		return fmt.Errorf("audio: write after close")
	}
	if w.writeErr != nil {
		return w.writeErr
	}
	if len(block) != w.h.Channels {
		return fmt.Errorf("audio: write of %d channels to a %d-channel stream", len(block), w.h.Channels)
	}
	n := len(block[0])
	for _, ch := range block[1:] {
		if len(ch) != n {
			return fmt.Errorf("audio: write of ragged channels")
		}
	}
	var err error
	if w.format == FormatWAV {
		err = w.writeWAV(block, n)
	} else {
		err = w.writeFLAC(block, n)
	}
	if err != nil {
		w.writeErr = err
		return err
	}
	w.frames += int64(n)
	return nil
}

func (w *Writer) writeWAV(block [][]float32, n int) error {
	ch := w.h.Channels
	for pos := 0; pos < n; pos += writerBlock {
		k := min(writerBlock, n-pos)
		p := w.buf[:k*ch*w.bits/8]
		switch {
		case w.bits == 16 && ch == 2:
			l, r := block[0][pos:pos+k], block[1][pos:pos+k]
			r = r[:len(l)]
			p = p[:4*len(l)]
			for i := range l {
				a, b := uint16(quantize16(l[i])), uint16(quantize16(r[i]))
				binary.LittleEndian.PutUint32(p[4*i:], uint32(a)|uint32(b)<<16)
			}
		case w.bits == 16:
			for c := range ch {
				for i, v := range block[c][pos : pos+k] {
					binary.LittleEndian.PutUint16(p[2*(i*ch+c):], uint16(quantize16(v)))
				}
			}
		default:
			bytesPer := w.bits / 8
			for c := range ch {
				for i, v := range block[c][pos : pos+k] {
					q := p[(i*ch+c)*bytesPer:]
					switch {
					case w.float:
						binary.LittleEndian.PutUint32(q, math.Float32bits(v))
					case w.bits == 8:
						q[0] = byte(quantize(v, 8) + 128)
					case w.bits == 24:
						x := quantize(v, 24)
						q[0], q[1], q[2] = byte(x), byte(x>>8), byte(x>>16)
					default:
						binary.LittleEndian.PutUint32(q, uint32(quantize(v, 32)))
					}
				}
			}
		}
		if _, err := w.out.Write(p); err != nil {
			return fmt.Errorf("audio: wav: write samples: %w", err)
		}
	}
	return nil
}

func (w *Writer) writeFLAC(block [][]float32, n int) error {
	for pos := 0; pos < n; {
		k := min(writerBlock-w.fill, n-pos)
		for c, sf := range w.subs {
			dst := sf.Samples[w.fill : w.fill+k]
			for i, v := range block[c][pos : pos+k] {
				dst[i] = quantize(v, w.bits)
			}
		}
		w.fill += k
		pos += k
		if w.fill == writerBlock {
			if err := w.flushFLAC(); err != nil {
				return err
			}
		}
	}
	return nil
}

// flushFLAC encodes the samples waiting in subs as one frame.
func (w *Writer) flushFLAC() error {
	if w.fill == 0 {
		return nil
	}
	for _, sf := range w.subs {
		sf.SubHeader = frame.SubHeader{Pred: frame.PredVerbatim}
		sf.NSamples = w.fill
		sf.Samples = sf.Samples[:w.fill]
	}
	f := &frame.Frame{
		Header: frame.Header{
			HasFixedBlockSize: true,
			BlockSize:         uint16(w.fill),
			SampleRate:        uint32(w.h.Rate),
			Channels:          w.chans,
			BitsPerSample:     uint8(w.bits),
		},
		Subframes: w.subs,
	}
	if err := w.enc.WriteFrame(f); err != nil {
		return fmt.Errorf("audio: flac: write frame: %w", err)
	}
	for _, sf := range w.subs {
		sf.Samples = sf.Samples[:writerBlock]
	}
	w.fill = 0
	return nil
}

// Frames returns the number of frames written so far.
func (w *Writer) Frames() int64 { return w.frames }

// Close ends the stream: it writes what is buffered and, on an
// [io.WriteSeeker], completes the header with the stream's length and
// leaves the offset at the end. It does not close the underlying writer.
// A length announced in [Header.Frames] that the writes did not match is
// an error when the header cannot be corrected.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.writeErr != nil {
		return w.writeErr
	}
	switch w.format {
	case FormatWAV:
		if w.out.seeker != nil {
			size, err := w.wavDataSize(w.frames)
			if err != nil {
				return err
			}
			if w.frames == 0 {
				size = 0
			}
			var h [44]byte
			putWAVSizes(h[:], size)
			if err := w.out.patch(4, h[4:8]); err != nil {
				return fmt.Errorf("audio: wav: complete header: %w", err)
			}
			if err := w.out.patch(40, h[40:44]); err != nil {
				return fmt.Errorf("audio: wav: complete header: %w", err)
			}
		} else if w.h.Frames > 0 && w.frames != w.h.Frames {
			return fmt.Errorf("audio: wav: wrote %d frames after announcing %d", w.frames, w.h.Frames)
		}
	case FormatFLAC:
		if err := w.flushFLAC(); err != nil {
			return err
		}
		if w.out.seeker == nil && w.h.Frames > 0 && w.frames != w.h.Frames {
			return fmt.Errorf("audio: flac: wrote %d frames after announcing %d", w.frames, w.h.Frames)
		}
		if err := w.enc.Close(); err != nil {
			return fmt.Errorf("audio: flac: close: %w", err)
		}
	}
	return w.out.finish()
}

// encodeAs writes the whole of buf as format f.
func encodeAs(w io.Writer, f Format, buf *Buffer) error {
	if err := buf.Validate(); err != nil {
		return err
	}
	wr, err := NewWriter(w, f, Header{Rate: buf.Rate, Channels: buf.Channels(), BitDepth: buf.BitDepth, Frames: int64(buf.Frames())})
	if err != nil {
		return err
	}
	if err := wr.Write(buf.Data); err != nil {
		return err
	}
	return wr.Close()
}

// quantize16 is quantize(v, 16) in float32 arithmetic, which is exact for
// 16-bit output. It has no data-dependent branch but the NaN test: the
// sample is clamped, given half a step of its own sign and truncated, which
// rounds halves away from zero as quantize does.
func quantize16(v float32) int16 {
	x := v * 32768
	if x != x {
		return 0
	}
	x = min(max(x, -32768), 32767)
	half := math.Float32frombits(math.Float32bits(x)&(1<<31) | 0x3f000000) // ±0.5
	return int16(int32(x + half))
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

// seekBuffer buffers writes to w and, when w can seek, lets the header be
// patched at the end.
type seekBuffer struct {
	*bufio.Writer
	seeker io.WriteSeeker // nil when w cannot seek
	start  int64          // w's offset when the stream began
}

func newSeekBuffer(w io.Writer) *seekBuffer {
	b := &seekBuffer{Writer: bufio.NewWriterSize(w, 64<<10)}
	if ws, ok := w.(io.WriteSeeker); ok {
		// Only a writer that really seeks (a file, not a pipe) counts.
		if off, err := ws.Seek(0, io.SeekCurrent); err == nil {
			b.seeker, b.start = ws, off
		}
	}
	return b
}

// Seek flushes the buffer and seeks the underlying writer; offsets from
// io.SeekStart count from the stream's start.
func (b *seekBuffer) Seek(off int64, whence int) (int64, error) {
	if err := b.Flush(); err != nil {
		return 0, err
	}
	if whence == io.SeekStart {
		off += b.start
	}
	pos, err := b.seeker.Seek(off, whence)
	return pos - b.start, err
}

// patch overwrites the bytes at offset off from the stream's start.
func (b *seekBuffer) patch(off int64, p []byte) error {
	if _, err := b.Seek(off, io.SeekStart); err != nil {
		return err
	}
	_, err := b.Write(p)
	return err
}

// finish flushes and, on a seekable writer, moves to the end.
func (b *seekBuffer) finish() error {
	if err := b.Flush(); err != nil {
		return err
	}
	if b.seeker != nil {
		if _, err := b.seeker.Seek(0, io.SeekEnd); err != nil {
			return err
		}
	}
	return nil
}
