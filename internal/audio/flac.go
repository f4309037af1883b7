package audio

import (
	"errors"
	"fmt"
	"io"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
	"github.com/mewkiz/flac/meta"
)

// DecodeFLAC reads a FLAC stream. Every frame is checked against the
// stream's declared channel count; a stream cut short keeps the frames that
// decoded.
func DecodeFLAC(r io.Reader, lim Limits) (buf *Buffer, err error) {
	lim = lim.WithDefaults()
	defer func() {
		// The FLAC library is not hardened against every malformed stream;
		// a panic inside it is a malformed file, not a crash of ours.
		if p := recover(); p != nil {
			buf, err = nil, fmt.Errorf("%w: flac: decoder failure: %v", ErrFormat, p)
		}
	}()
	stream, err := flac.New(r)
	if err != nil {
		return nil, fmt.Errorf("%w: flac: %v", ErrFormat, err)
	}
	info := stream.Info
	rate, channels, bits := int(info.SampleRate), int(info.NChannels), int(info.BitsPerSample)
	if err := lim.check(rate, channels); err != nil {
		return nil, err
	}
	if bits < 4 || bits > 32 {
		return nil, fmt.Errorf("%w: flac: %d bits per sample", ErrUnsupported, bits)
	}
	s := newSink(channels, lim.maxFrames(rate))
	for {
		f, err := stream.ParseNext()
		if err != nil {
			if errors.Is(err, io.EOF) || s.frames() > 0 {
				break // end, or a truncated or damaged tail
			}
			return nil, fmt.Errorf("%w: flac: frame: %v", ErrFormat, err)
		}
		if len(f.Subframes) != channels {
			if s.frames() > 0 {
				break
			}
			return nil, fmt.Errorf("%w: flac: frame with %d channels in a %d-channel stream", ErrFormat, len(f.Subframes), channels)
		}
		fb := int(f.BitsPerSample)
		if fb == 0 {
			fb = bits
		}
		if fb < 4 || fb > 32 {
			return nil, fmt.Errorf("%w: flac: frame with %d bits per sample", ErrFormat, fb)
		}
		n := f.Subframes[0].NSamples
		for _, sf := range f.Subframes {
			if sf.NSamples != n || len(sf.Samples) < n {
				return nil, fmt.Errorf("%w: flac: ragged frame", ErrFormat)
			}
		}
		if n > s.room() {
			return nil, fmt.Errorf("%w: more than %v", ErrTooLong, lim.MaxDuration)
		}
		scale := 1 / float32(int64(1)<<(fb-1))
		for c, sf := range f.Subframes {
			base := len(s.data[c])
			s.data[c] = growFloats(s.data[c], n)
			dst := s.data[c][base:]
			for i, v := range sf.Samples[:n] {
				dst[i] = float32(v) * scale
			}
		}
	}
	if s.frames() == 0 {
		return nil, ErrEmpty
	}
	return &Buffer{Rate: rate, Data: s.data, BitDepth: bits, Format: FormatFLAC}, nil
}

// EncodeFLAC writes buf as a FLAC stream at the buffer's rate, channel count
// and bit depth (16 or 24; other depths are written as 24, zero as 16).
// When w is an [io.WriteSeeker] the stream header records the total length
// and MD5; otherwise those fields are left unknown, as FLAC allows.
func EncodeFLAC(w io.Writer, buf *Buffer) error {
	if err := buf.Validate(); err != nil {
		return err
	}
	ch := buf.Channels()
	if ch > 8 {
		return fmt.Errorf("%w: flac: %d channels (FLAC allows 8)", ErrUnsupported, ch)
	}
	if buf.Rate > 655350 {
		return fmt.Errorf("%w: flac: sample rate %d", ErrUnsupported, buf.Rate)
	}
	bits := buf.BitDepth
	switch bits {
	case 0, 8, 16:
		bits = 16
	default:
		bits = 24
	}
	const block = 4096
	info := &meta.StreamInfo{
		BlockSizeMin:  block,
		BlockSizeMax:  block,
		SampleRate:    uint32(buf.Rate),
		NChannels:     uint8(ch),
		BitsPerSample: uint8(bits),
		NSamples:      uint64(buf.Frames()),
	}
	var out io.Writer = writeOnly{w}
	if ws, ok := w.(io.WriteSeeker); ok {
		out = writeSeeker{ws}
	}
	enc, err := flac.NewEncoder(out, info)
	if err != nil {
		return fmt.Errorf("audio: flac: new encoder: %w", err)
	}
	enc.EnablePredictionAnalysis(true)
	chans := []frame.Channels{frame.ChannelsMono, frame.ChannelsLR, frame.ChannelsLRC,
		frame.ChannelsLRLsRs, frame.ChannelsLRCLsRs, frame.ChannelsLRCLfeLsRs,
		frame.ChannelsLRCLfeCsSlSr, frame.ChannelsLRCLfeLsRsSlSr}[ch-1]
	total := buf.Frames()
	subs := make([]*frame.Subframe, ch)
	for c := range subs {
		subs[c] = &frame.Subframe{Samples: make([]int32, block)}
	}
	for start := 0; start < total; start += block {
		n := min(block, total-start)
		for c := range ch {
			sf := subs[c]
			sf.SubHeader = frame.SubHeader{Pred: frame.PredVerbatim}
			sf.NSamples = n
			sf.Samples = sf.Samples[:n]
			for i := range n {
				sf.Samples[i] = quantize(buf.Data[c][start+i], bits)
			}
		}
		f := &frame.Frame{
			Header: frame.Header{
				HasFixedBlockSize: true,
				BlockSize:         uint16(n),
				SampleRate:        uint32(buf.Rate),
				Channels:          chans,
				BitsPerSample:     uint8(bits),
			},
			Subframes: subs,
		}
		if err := enc.WriteFrame(f); err != nil {
			return fmt.Errorf("audio: flac: write frame: %w", err)
		}
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("audio: flac: close: %w", err)
	}
	return nil
}

// writeOnly and writeSeeker keep the FLAC encoder from closing the
// caller's writer, while still letting it seek back to finish the header
// when the writer can seek.
type writeOnly struct{ w io.Writer }

func (n writeOnly) Write(p []byte) (int, error) { return n.w.Write(p) }

type writeSeeker struct{ w io.WriteSeeker }

func (n writeSeeker) Write(p []byte) (int, error) { return n.w.Write(p) }

func (n writeSeeker) Seek(off int64, whence int) (int64, error) { return n.w.Seek(off, whence) }
