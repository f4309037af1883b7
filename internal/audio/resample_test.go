package audio_test

import (
	"math"
	"testing"

	"github.com/keyward/keyward/internal/audio"
)

// sineFit returns the amplitude of x at frequency f (rate Hz), ignoring
// the edges.
func sineFit(x []float32, f float64, rate int) float64 {
	var c, s float64
	lo, hi := len(x)/10, len(x)*9/10
	for i := lo; i < hi; i++ {
		a := 2 * math.Pi * f * float64(i) / float64(rate)
		c += float64(x[i]) * math.Cos(a)
		s += float64(x[i]) * math.Sin(a)
	}
	return 2 * math.Hypot(c, s) / float64(hi-lo)
}

func TestResample(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to int
		f        float64
		wantAmp  float64 // 0: the tone must be removed (above the new Nyquist)
	}{
		{44100, 48000, 1000, 0.5},
		{48000, 44100, 5000, 0.5},
		{44100, 11025, 3000, 0.5},
		{44100, 11025, 7000, 0},
		{8000, 96000, 1000, 0.5},
		{22050, 44100, 8000, 0.5},
		{48000, 11025, 4000, 0.5},
		{44100, 44100 * 103 / 100, 2000, 0.5},
	}
	for _, tt := range tests {
		in := make([]float32, tt.from)
		for i := range in {
			in[i] = float32(0.5 * math.Sin(2*math.Pi*tt.f*float64(i)/float64(tt.from)))
		}
		out, err := audio.Resample(in, tt.from, tt.to)
		if err != nil {
			t.Fatalf("Resample(%d → %d): %v", tt.from, tt.to, err)
		}
		if want := int(math.Ceil(float64(len(in)) * float64(tt.to) / float64(tt.from))); len(out) != want {
			t.Errorf("Resample(%d → %d) gave %d samples, want %d", tt.from, tt.to, len(out), want)
		}
		got := sineFit(out, tt.f, tt.to)
		if math.Abs(got-tt.wantAmp) > 0.01 {
			t.Errorf("Resample(%d → %d) of %v Hz: amplitude %.4f, want %.4f", tt.from, tt.to, tt.f, got, tt.wantAmp)
		}
	}
}

// TestResampleRangeSeamless checks that blocks computed with Range join
// exactly, on both the generic and the fast paths.
func TestResampleRangeSeamless(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from, to int
		q        audio.ResampleQuality
	}{
		{44100, 11025, audio.ResampleQuality{}},
		{11025, 44100, audio.ResampleQuality{HalfTaps: 4}},
		{48000, 44100, audio.ResampleQuality{}},
		{11025, 48000, audio.ResampleQuality{HalfTaps: 4}},
	} {
		r, err := audio.NewResampler(tc.from, tc.to, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		in := make([]float32, 5000)
		for i := range in {
			in[i] = float32(math.Sin(float64(i) * 0.37))
		}
		whole := r.Process(in)
		var joined []float32
		for m0 := 0; m0 < len(whole); m0 += 333 {
			m1 := min(m0+333, len(whole))
			lo := max(0, r.InPos(m0)-r.Reach())
			hi := min(len(in), r.InPos(m1)+r.Reach()+1)
			part := make([]float32, m1-m0)
			r.Range(part, in[lo:hi], lo, m0)
			joined = append(joined, part...)
		}
		for i := range whole {
			if math.Abs(float64(whole[i]-joined[i])) > 1e-6 {
				t.Fatalf("%d → %d: block output %d = %v, whole = %v", tc.from, tc.to, i, joined[i], whole[i])
			}
		}
	}
}

func TestResampleBadRates(t *testing.T) {
	t.Parallel()
	for _, r := range [][2]int{{0, 44100}, {44100, -1}, {1 << 30, 8000}} {
		if _, err := audio.NewResampler(r[0], r[1], audio.ResampleQuality{}); err == nil {
			t.Errorf("NewResampler(%d, %d) succeeded, want an error", r[0], r[1])
		}
	}
}
