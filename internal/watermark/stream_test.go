package watermark

import (
	"math/rand/v2"
	"testing"
)

// TestEmbedderBoundedMemory streams half an hour through the embedder and
// checks that its windows never grow with the stream.
func TestEmbedderBoundedMemory(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("short")
	}
	m, err := New(Config{Key: []byte("bounded memory test key")})
	if err != nil {
		t.Fatal(err)
	}
	const rate = 8000
	e, err := m.NewEmbedder(rate, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	chunk := make([]float32, rate)
	maxIn := (blockLen+2*margin)*rate/analysisRate + 2*len(chunk)
	maxMono := blockLen + 3*margin + 2*len(chunk)*analysisRate/rate
	var got int
	for range 30 * 60 {
		for i := range chunk {
			chunk[i] = float32(0.1 * rng.NormFloat64())
		}
		out, err := e.Write([][]float32{chunk})
		if err != nil {
			t.Fatal(err)
		}
		got += len(out[0])
		if len(e.in[0]) > maxIn || len(e.mono) > maxMono {
			t.Fatalf("after %d s the embedder holds %d input and %d analysis samples, want ≤ %d and ≤ %d",
				e.total/rate, len(e.in[0]), len(e.mono), maxIn, maxMono)
		}
	}
	out, err := e.Flush()
	if err != nil {
		t.Fatal(err)
	}
	got += len(out[0])
	if got != 30*60*rate {
		t.Fatalf("streamed out %d samples, want %d", got, 30*60*rate)
	}
}
