package watermark

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// SampleReader is a source of audio a block at a time, as an
// audio.Reader is: Read fills dst (one slice per channel) with the next
// frames and returns how many, and io.EOF once none is left.
type SampleReader interface {
	Rate() int
	Channels() int
	Read(dst [][]float32) (int, error)
}

// SampleWriter takes audio a block at a time, as an audio.Writer does.
type SampleWriter interface {
	Write(block [][]float32) error
}

// StreamStats describes one [Marker.EmbedStream].
type StreamStats struct {
	// Frames is the number of frames read and written.
	Frames int64
	// SNR is the signal-to-noise ratio of the mark, in dB.
	SNR float64
	// Read, Mark and Write are the time spent reading (decoding), in the
	// embedder, and writing (encoding).
	Read, Mark, Write time.Duration
}

// streamBlock is the number of frames EmbedStream reads at a time.
const streamBlock = 1 << 14

// EmbedStream reads src to its end, marks it with id and writes the marked
// audio to dst, a block at a time: it holds about 12 s of audio
// whatever the length, and its output is identical to [Marker.Embed]'s on
// the whole signal. dst receives every frame of src, in the same rate and
// channels; the caller finishes (closes) it.
//
// Errors of src are returned wrapped, so errors.Is sees the reader's own
// errors; a stream shorter than [PeriodDuration] gives [ErrTooShort]
// and leaves dst incomplete.
func (m *Marker) EmbedStream(dst SampleWriter, src SampleReader, id ID) (StreamStats, error) {
	var st StreamStats
	e, err := m.NewEmbedder(src.Rate(), src.Channels(), id)
	if err != nil {
		return st, err
	}
	view := make([][]float32, src.Channels())
	write := func(out [][]float32) error {
		if len(out) == 0 || len(out[0]) == 0 {
			return nil
		}
		t := time.Now()
		err := dst.Write(out)
		st.Write += time.Since(t)
		st.Frames += int64(len(out[0]))
		if err != nil {
			return fmt.Errorf("watermark: write: %w", err)
		}
		return nil
	}
	for {
		// The reader decodes straight into the embedder's window.
		t0 := time.Now()
		n, rerr := src.Read(e.tail(streamBlock, view))
		t1 := time.Now()
		st.Read += t1.Sub(t0)
		if n > 0 {
			out := e.commit(n)
			st.Mark += time.Since(t1)
			if err := write(out); err != nil {
				return st, err
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return st, fmt.Errorf("watermark: read: %w", rerr)
		}
		if n == 0 {
			return st, fmt.Errorf("watermark: read: %w", io.ErrNoProgress)
		}
	}
	t := time.Now()
	out, err := e.Flush()
	st.Mark += time.Since(t)
	if err != nil {
		return st, err
	}
	if err := write(out); err != nil {
		return st, err
	}
	st.SNR = e.SNR()
	return st, nil
}
