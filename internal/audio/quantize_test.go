package audio

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestQuantize16 holds the 16-bit fast path to the general rounding on
// every step's edges, the clamps, odd values and random samples.
func TestQuantize16(t *testing.T) {
	t.Parallel()
	var vs []float32
	for q := -32770; q <= 32770; q++ {
		for _, d := range []float64{-0.5, -0.25, 0, 0.25, 0.5} {
			vs = append(vs, float32((float64(q)+d)/32768))
		}
	}
	vs = append(vs, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e30, -1e30,
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		vs = append(vs, float32(rng.NormFloat64()))
	}
	for _, v := range vs {
		want := quantize(v, 16)
		if got := quantize16(v); int32(got) != want {
			t.Fatalf("quantize16(%v) = %d, quantize(v, 16) = %d", v, got, want)
		}
	}
}
