package watermark

import (
	"math"
	"testing"
)

// inform raises the cells of a coded bit the host opposes by informGain
// times the host's pull, lowers those of a bit it helps by at most
// maxRelax, and leaves the others and the pilots alone.
func TestInformCompensatesTheHost(t *testing.T) {
	t.Parallel()
	m, err := New(Config{Key: []byte("0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	e, err := m.newEmbedPlan(44100, 0x1234)
	if err != nil {
		t.Fatal(err)
	}
	const opposed, helped = 7, 11
	tests := []struct {
		name string
		pull float32 // host per cell of the opposed and the helped bit
	}{
		{"weak host", 0.2},
		{"strong host", 0.6},
		{"overwhelming host", 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.host = make([]float32, pairs*nBands)
			e.rowMag = make([]float32, pairs)
			w := make([]float32, pairs*nBands)
			for i := range w {
				w[i] = 1
			}
			for q := range pairs {
				e.rowMag[q] = 1.5
				for _, c := range e.pat.data[q] {
					ch := e.chips[q][c.band]
					switch c.bit {
					case opposed:
						e.host[q*nBands+int(c.band)] = -ch * tt.pull
					case helped:
						e.host[q*nBands+int(c.band)] = ch * tt.pull
					}
				}
			}
			e.inform(0, pairs, w)
			unit := float32(diffPerDB * e.db)
			var pullSum, reachBefore, reachAfter float64
			for q := range pairs {
				for _, c := range e.pat.pilots[q] {
					if w[q*nBands+int(c.band)] != 1 {
						t.Fatalf("pilot cell (%d, %d) changed to %v", q, c.band, w[q*nBands+int(c.band)])
					}
				}
				for _, c := range e.pat.data[q] {
					v := w[q*nBands+int(c.band)]
					switch c.bit {
					case opposed:
						pullSum += float64(tt.pull)
						reachBefore += float64(unit / e.rowMag[q])
						reachAfter += float64(unit * v / e.rowMag[q])
						if v <= 1 || v > 1+maxInform+1e-6 {
							t.Errorf("opposed cell weight %v, want in (1, %v]", v, 1+maxInform)
						}
					case helped:
						if v >= 1 || v < 1-maxRelax-1e-6 {
							t.Errorf("helped cell weight %v, want in [%v, 1)", v, 1-maxRelax)
						}
					default:
						if v != 1 {
							t.Errorf("cell of bit %d, which the host leaves alone, weighs %v", c.bit, v)
						}
					}
				}
			}
			// The opposed bit's reach grows by informGain times the pull,
			// unless that would take more than maxInform times its weight.
			want := math.Min(informGain*pullSum, maxInform*reachBefore)
			if got := reachAfter - reachBefore; math.Abs(got-want) > 1e-3*want {
				t.Errorf("opposed bit's reach grew by %.4f, want %.4f", got, want)
			}
		})
	}
}
