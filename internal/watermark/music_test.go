package watermark_test

import (
	"math"
	"math/rand/v2"
)

// music returns a deterministic music-like signal: a bass line, chords of
// harmonic notes with attack and decay, and noise-burst percussion, each
// channel panned a little differently.
func music(seed uint64, seconds float64, rate, channels int) [][]float32 {
	rng := rand.New(rand.NewPCG(seed, 0x6d75736963))
	n := int(seconds * float64(rate))
	out := make([][]float32, channels)
	for c := range out {
		out[c] = make([]float32, n)
	}
	scale := []float64{0, 2, 3, 5, 7, 8, 10}
	beat := 0.5 + 0.2*rng.Float64()
	for t0 := 0.0; t0 < seconds; t0 += beat {
		start := int(t0 * float64(rate))
		// A chord of three notes with six harmonics each.
		root := 48 + float64(rng.IntN(12))
		for v := range 3 {
			midi := root + 12 + scale[rng.IntN(len(scale))] + float64(12*(v/2))
			f := 440 * math.Pow(2, (midi-69)/12)
			amp := 0.05 + 0.05*rng.Float64()
			dur := int((beat * (2 + 2*rng.Float64())) * float64(rate))
			pan := rng.Float64()
			for h := 1; h <= 12; h++ {
				fh := f * float64(h)
				if fh > 0.45*float64(rate) {
					break
				}
				ah := amp / math.Pow(float64(h), 0.8)
				w := 2 * math.Pi * fh / float64(rate)
				ph := rng.Float64() * 2 * math.Pi
				for i := 0; i < dur && start+i < n; i++ {
					env := math.Min(1, float64(i)/(0.01*float64(rate))) * math.Exp(-2*float64(i)/float64(dur))
					s := float32(ah * env * math.Sin(w*float64(i)+ph))
					for c := range out {
						g := pan
						if c%2 == 1 {
							g = 1 - pan
						}
						out[c][start+i] += s * float32(0.5+g)
					}
				}
			}
		}
		// Bass.
		fb := 440 * math.Pow(2, (root-12-69)/12)
		for i := 0; i < int(beat*float64(rate)) && start+i < n; i++ {
			s := float32(0.15 * math.Exp(-2*float64(i)/(beat*float64(rate))) * math.Sin(2*math.Pi*fb*float64(i)/float64(rate)))
			for c := range out {
				out[c][start+i] += s
			}
		}
		// Percussion: a short noise burst on most beats.
		if rng.IntN(4) != 0 {
			var lp float64
			for i := 0; i < rate/20 && start+i < n; i++ {
				lp = 0.6*lp + 0.4*rng.NormFloat64()
				s := float32(0.08 * lp * math.Exp(-float64(i)/(0.01*float64(rate))))
				for c := range out {
					out[c][start+i] += s
				}
			}
		}
	}
	// A room: soft coloured noise under everything, as reverberation and
	// recording noise leave in real recordings.
	var lp, lp2 float64
	for i := range n {
		lp = 0.97*lp + 0.03*rng.NormFloat64()
		lp2 = 0.5*lp2 + 0.5*rng.NormFloat64()
		s := float32(0.02*lp + 0.002*lp2)
		for c := range out {
			out[c][i] += s
		}
	}
	return out
}

func clone(x [][]float32) [][]float32 {
	out := make([][]float32, len(x))
	for c, ch := range x {
		out[c] = append([]float32(nil), ch...)
	}
	return out
}

func snr(orig, marked [][]float32) float64 {
	var s, d float64
	for c := range orig {
		for i, v := range orig[c] {
			e := float64(marked[c][i] - v)
			s += float64(v) * float64(v)
			d += e * e
		}
	}
	return 10 * math.Log10(s/d)
}
