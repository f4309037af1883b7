package audio

import (
	"fmt"
	"math"
)

// ResampleQuality shapes the windowed-sinc filter of a [Resampler].
type ResampleQuality struct {
	// HalfTaps is the filter's half-length in samples of the lower of the
	// two rates. Default 16; 6 is enough for signals far below Nyquist.
	HalfTaps int
	// Cutoff is the pass band's edge as a fraction of the lower rate's
	// Nyquist frequency. Default 0.92.
	Cutoff float64
	// Beta is the Kaiser window's shape parameter. Default 8.
	Beta float64
}

// WithDefaults returns q with zero fields set to their defaults.
func (q ResampleQuality) WithDefaults() ResampleQuality {
	if q.HalfTaps <= 0 {
		q.HalfTaps = 16
	}
	if q.Cutoff <= 0 || q.Cutoff > 1 {
		q.Cutoff = 0.92
	}
	if q.Beta <= 0 {
		q.Beta = 8
	}
	return q
}

// maxPhases bounds the polyphase table; rate ratios with a larger reduced
// denominator round each output's phase to the nearest of maxPhases.
const maxPhases = 1024

// Resampler converts a signal from one sample rate to another. It is
// stateless after construction and safe for concurrent use.
type Resampler struct {
	from, to int
	up, down int64 // from/g, to/g: output m sits at input m·up/down
	phases   int
	ntaps    int
	half     int // taps before the centre sample, minus one
	table    []float32
}

// NewResampler returns a resampler from rate from to rate to, both in Hz.
func NewResampler(from, to int, q ResampleQuality) (*Resampler, error) {
	if from <= 0 || to <= 0 || from > 10_000_000 || to > 10_000_000 {
		return nil, fmt.Errorf("audio: resample %d → %d Hz: invalid rate", from, to)
	}
	q = q.WithDefaults()
	g := gcd(from, to)
	r := &Resampler{from: from, to: to, up: int64(from / g), down: int64(to / g)}
	r.phases = int(min(r.down, maxPhases))
	scale := 1.0
	if to < from {
		scale = float64(to) / float64(from)
	}
	w := float64(q.HalfTaps) / scale // half support in input samples
	r.half = int(math.Ceil(w))
	r.ntaps = 2 * r.half
	r.table = make([]float32, r.phases*r.ntaps)
	fc := scale * q.Cutoff
	i0b := bessI0(q.Beta)
	for p := range r.phases {
		frac := float64(p) / float64(r.phases)
		row := r.table[p*r.ntaps : (p+1)*r.ntaps]
		var sum float64
		hs := make([]float64, r.ntaps)
		for k := range r.ntaps {
			x := frac + float64(r.half-1-k) // t − n
			if math.Abs(x) >= w {
				continue
			}
			v := fc * sinc(fc*x) * bessI0(q.Beta*math.Sqrt(1-(x/w)*(x/w))) / i0b
			hs[k] = v
			sum += v
		}
		for k := range row {
			row[k] = float32(hs[k] / sum)
		}
	}
	return r, nil
}

// OutLen returns the number of output samples for n input samples.
func (r *Resampler) OutLen(n int) int {
	return int((int64(n)*r.down + r.up - 1) / r.up)
}

// Process resamples all of in.
func (r *Resampler) Process(in []float32) []float32 {
	out := make([]float32, r.OutLen(len(in)))
	r.Range(out, in, 0, 0)
	return out
}

// Range fills out with output samples m0, m0+1, … of the signal whose
// input samples from absolute index inOff on are in; input outside in is
// taken as zero. Blocks of a long signal computed with Range join without
// seams when each block's in covers the filter's reach ([Resampler.Reach]).
func (r *Resampler) Range(out, in []float32, inOff int, m0 int) {
	if len(out) == 0 {
		return
	}
	if r.up == 1 && r.ntaps == 8 {
		m0, out = r.rangeUp8(out, in, inOff, m0)
		if len(out) == 0 {
			return
		}
	}
	r.rangeGeneric(out, in, inOff, m0)
}

func (r *Resampler) rangeGeneric(out, in []float32, inOff int, m0 int) {
	num := int64(m0) * r.up
	n0 := int(num / r.down)
	p := num % r.down // exact phase numerator in [0, down)
	stepInt, stepFrac := int(r.up/r.down), r.up%r.down
	exact := r.phases == int(r.down)
	nt := r.ntaps
	for j := range out {
		n, ph := n0, int(p)
		if !exact {
			ph = int((p*int64(r.phases) + r.down/2) / r.down)
			if ph == r.phases {
				ph = 0
				n++
			}
		}
		taps := r.table[ph*nt : ph*nt+nt]
		start := n - r.half + 1 - inOff
		var acc float32
		if start >= 0 && start+nt <= len(in) {
			seg := in[start : start+nt]
			var a0, a1, a2, a3 float32
			k := 0
			for ; k+4 <= nt; k += 4 {
				t := (*[4]float32)(taps[k:])
				x := (*[4]float32)(seg[k:])
				a0 += t[0] * x[0]
				a1 += t[1] * x[1]
				a2 += t[2] * x[2]
				a3 += t[3] * x[3]
			}
			for ; k < nt; k++ {
				a0 += taps[k] * seg[k]
			}
			acc = (a0 + a1) + (a2 + a3)
		} else {
			for k, c := range taps {
				i := start + k
				if i >= 0 && i < len(in) {
					acc += c * in[i]
				}
			}
		}
		out[j] = acc
		n0 += stepInt
		p += stepFrac
		if p >= r.down {
			p -= r.down
			n0++
		}
	}
}

// rangeUp8 is the fast path for integer upsampling with eight taps: it
// reads each input neighbourhood once for all the phases that use it. It
// computes the interior outputs and returns the remainder for the generic
// loop.
func (r *Resampler) rangeUp8(out, in []float32, inOff int, m0 int) (int, []float32) {
	L := int(r.down)
	// Advance generically to a phase-0 output.
	for len(out) > 0 && m0%L != 0 {
		r.rangeGeneric(out[:1], in, inOff, m0)
		out, m0 = out[1:], m0+1
	}
	tab := r.table
	for len(out) >= L {
		n0 := m0 / L
		start := n0 - r.half + 1 - inOff
		if start < 0 || start+8 > len(in) {
			break
		}
		s := in[start : start+8 : start+8]
		s0, s1, s2, s3, s4, s5, s6, s7 := s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
		o := out[:L:L]
		for p := range o {
			t := tab[p*8 : p*8+8 : p*8+8]
			o[p] = (t[0]*s0 + t[1]*s1 + t[2]*s2 + t[3]*s3) + (t[4]*s4 + t[5]*s5 + t[6]*s6 + t[7]*s7)
		}
		out, m0 = out[L:], m0+L
	}
	return m0, out
}

// Reach returns how many input samples on each side of an output sample's
// position the filter reads.
func (r *Resampler) Reach() int { return r.half + 1 }

// InPos returns the input index at or before output sample m.
func (r *Resampler) InPos(m int) int { return int(int64(m) * r.up / r.down) }

// Resample converts in from rate from to rate to with the default quality.
func Resample(in []float32, from, to int) ([]float32, error) {
	if from == to {
		return append([]float32(nil), in...), nil
	}
	r, err := NewResampler(from, to, ResampleQuality{})
	if err != nil {
		return nil, err
	}
	return r.Process(in), nil
}

// ResampleBuffer returns buf converted to rate to, every channel alike.
func ResampleBuffer(buf *Buffer, to int) (*Buffer, error) {
	if err := buf.Validate(); err != nil {
		return nil, err
	}
	out := &Buffer{Rate: to, BitDepth: buf.BitDepth, Format: buf.Format, Data: make([][]float32, len(buf.Data))}
	r, err := NewResampler(buf.Rate, to, ResampleQuality{})
	if err != nil {
		return nil, err
	}
	for c, ch := range buf.Data {
		if buf.Rate == to {
			out.Data[c] = append([]float32(nil), ch...)
		} else {
			out.Data[c] = r.Process(ch)
		}
	}
	return out, nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// bessI0 is the modified Bessel function of the first kind, order zero.
func bessI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 64; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < 1e-12*sum {
			break
		}
	}
	return sum
}
