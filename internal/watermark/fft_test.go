package watermark

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestRealFFT(t *testing.T) {
	t.Parallel()
	const n = 64
	f := newRealFFT(n)
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	re, im := make([]float32, n/2+1), make([]float32, n/2+1)
	f.forward(x, re, im)
	for k := 0; k <= n/2; k++ {
		var wr, wi float64
		for i, v := range x {
			a := -2 * math.Pi * float64(k*i) / n
			wr += float64(v) * math.Cos(a)
			wi += float64(v) * math.Sin(a)
		}
		if math.Abs(wr-float64(re[k])) > 1e-3 || math.Abs(wi-float64(im[k])) > 1e-3 {
			t.Fatalf("forward bin %d = (%v, %v), want (%v, %v)", k, re[k], im[k], wr, wi)
		}
	}
	y := make([]float32, n)
	f.inverse(re, im, y)
	for i := range x {
		if math.Abs(float64(x[i]-y[i])) > 1e-4 {
			t.Fatalf("inverse(forward(x))[%d] = %v, want %v", i, y[i], x[i])
		}
	}
}

func TestDBGainMinusOne(t *testing.T) {
	t.Parallel()
	for g := float32(-8); g <= 8; g += 0.25 {
		want := math.Pow(10, float64(g)/20) - 1
		if got := float64(dbGainMinusOne(g)); math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
			t.Errorf("dbGainMinusOne(%v) = %v, want %v", g, got, want)
		}
	}
}
