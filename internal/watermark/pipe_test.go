package watermark_test

import (
	"errors"
	"io"
	"math"
	"testing"

	"github.com/keyward/keyward/internal/watermark"
)

// sliceReader hands out samples in reads of varying length.
type sliceReader struct {
	rate  int
	data  [][]float32
	pos   int
	sizes []int
	reads int
	fail  error // returned once the data is used up, instead of io.EOF
}

func (r *sliceReader) Rate() int     { return r.rate }
func (r *sliceReader) Channels() int { return len(r.data) }
func (r *sliceReader) Read(dst [][]float32) (int, error) {
	if r.pos == len(r.data[0]) {
		if r.fail != nil {
			return 0, r.fail
		}
		return 0, io.EOF
	}
	n := min(len(dst[0]), len(r.data[0])-r.pos, r.sizes[r.reads%len(r.sizes)])
	r.reads++
	for c := range dst {
		copy(dst[c], r.data[c][r.pos:r.pos+n])
	}
	r.pos += n
	return n, nil
}

// sliceWriter collects what it is given.
type sliceWriter struct{ data [][]float32 }

func (w *sliceWriter) Write(block [][]float32) error {
	if w.data == nil {
		w.data = make([][]float32, len(block))
	}
	for c, ch := range block {
		w.data[c] = append(w.data[c], ch...)
	}
	return nil
}

func TestEmbedStream(t *testing.T) {
	t.Parallel()
	m := mustMarker(t, watermark.Config{})
	orig := music(11, 30, 22050, 2)
	want := clone(orig)
	if err := m.Embed(want, 22050, 77); err != nil {
		t.Fatal(err)
	}
	var w sliceWriter
	st, err := m.EmbedStream(&w, &sliceReader{rate: 22050, data: orig, sizes: []int{1, 5000, 70000, 333}}, 77)
	if err != nil {
		t.Fatalf("EmbedStream: %v", err)
	}
	if st.Frames != int64(len(orig[0])) || len(w.data[0]) != len(orig[0]) {
		t.Fatalf("streamed %d frames (stats %d), want %d", len(w.data[0]), st.Frames, len(orig[0]))
	}
	for c := range want {
		for i := range want[c] {
			if w.data[c][i] != want[c][i] {
				t.Fatalf("EmbedStream differs from Embed at channel %d sample %d", c, i)
			}
		}
	}
	if q := snr(orig, want); math.Abs(q-st.SNR) > 0.05 {
		t.Errorf("EmbedStream reports SNR %.2f dB, the samples say %.2f", st.SNR, q)
	}

	// A reader's failure comes back as itself; a short stream is refused.
	boom := errors.New("boom")
	if _, err := m.EmbedStream(&sliceWriter{}, &sliceReader{rate: 22050, data: orig, sizes: []int{4096}, fail: boom}, 77); !errors.Is(err, boom) {
		t.Errorf("EmbedStream over a failing reader: %v, want boom", err)
	}
	short := [][]float32{orig[0][:22050], orig[1][:22050]}
	if _, err := m.EmbedStream(&sliceWriter{}, &sliceReader{rate: 22050, data: short, sizes: []int{4096}}, 77); !errors.Is(err, watermark.ErrTooShort) {
		t.Errorf("EmbedStream of 1 s: %v, want ErrTooShort", err)
	}
}
