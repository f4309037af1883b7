package watermark

import "math"

// realFFT transforms real frames of length n (a power of two) through a
// complex FFT of length n/2, in float32. It is not safe for concurrent use.
type realFFT struct {
	n, m   int
	rev    []int32
	twr    []float32 // complex twiddles e^{-2πik/m}, k < m/2
	twi    []float32
	wr, wi []float32 // e^{-2πik/n}, k ≤ m, for the real split
	zr, zi []float32
	// stage[s] holds the twiddles of the stage of size 8<<s, contiguous.
	stageR, stageI [][]float32
}

func newRealFFT(n int) *realFFT {
	m := n / 2
	f := &realFFT{n: n, m: m, rev: make([]int32, m),
		twr: make([]float32, m/2), twi: make([]float32, m/2),
		wr: make([]float32, m+1), wi: make([]float32, m+1),
		zr: make([]float32, m), zi: make([]float32, m)}
	bitsN := 0
	for 1<<bitsN < m {
		bitsN++
	}
	for i := range m {
		r := 0
		for b := range bitsN {
			if i&(1<<b) != 0 {
				r |= 1 << (bitsN - 1 - b)
			}
		}
		f.rev[i] = int32(r)
	}
	for k := range m / 2 {
		a := -2 * math.Pi * float64(k) / float64(m)
		f.twr[k], f.twi[k] = float32(math.Cos(a)), float32(math.Sin(a))
	}
	for k := range m + 1 {
		a := -2 * math.Pi * float64(k) / float64(n)
		f.wr[k], f.wi[k] = float32(math.Cos(a)), float32(math.Sin(a))
	}
	for size := 8; size <= m; size <<= 1 {
		half, step := size/2, m/size
		r, i := make([]float32, half), make([]float32, half)
		for k := range half {
			r[k], i[k] = f.twr[k*step], f.twi[k*step]
		}
		f.stageR = append(f.stageR, r)
		f.stageI = append(f.stageI, i)
	}
	return f
}

// cfft runs an in-place complex FFT of zr, zi; inverse uses the conjugate
// twiddles and does not scale.
func (f *realFFT) cfft(inverse bool) {
	m := f.m
	zr, zi := f.zr[:m], f.zi[:m]
	for i := range m {
		j := int(f.rev[i])
		if j > i {
			zr[i], zr[j] = zr[j], zr[i]
			zi[i], zi[j] = zi[j], zi[i]
		}
	}
	// Stages of size 2 and 4 need no multiplications.
	for i := 0; i+1 < m; i += 2 {
		ar, ai, br, bi := zr[i], zi[i], zr[i+1], zi[i+1]
		zr[i], zi[i], zr[i+1], zi[i+1] = ar+br, ai+bi, ar-br, ai-bi
	}
	for i := 0; i+3 < m; i += 4 {
		// k = 0: twiddle 1; k = 1: twiddle ∓i.
		ar, ai, br, bi := zr[i], zi[i], zr[i+2], zi[i+2]
		zr[i], zi[i], zr[i+2], zi[i+2] = ar+br, ai+bi, ar-br, ai-bi
		cr, ci, dr, di := zr[i+1], zi[i+1], zr[i+3], zi[i+3]
		// forward: d·(−i) = (di, −dr); inverse: d·i = (−di, dr)
		xr, xi := di, -dr
		if inverse {
			xr, xi = -di, dr
		}
		zr[i+1], zi[i+1], zr[i+3], zi[i+3] = cr+xr, ci+xi, cr-xr, ci-xi
	}
	sign := float32(1)
	if inverse {
		sign = -1
	}
	for st, size := 0, 8; size <= m; st, size = st+1, size<<1 {
		half := size >> 1
		twr, twi := f.stageR[st][:half:half], f.stageI[st][:half:half]
		for start := 0; start < m; start += size {
			ar := zr[start : start+half : start+half]
			ai := zi[start : start+half : start+half]
			br := zr[start+half : start+size : start+size]
			bi := zi[start+half : start+size : start+size]
			for k := range ar {
				wr, wi := twr[k], sign*twi[k]
				xr := br[k]*wr - bi[k]*wi
				xi := br[k]*wi + bi[k]*wr
				br[k], bi[k] = ar[k]-xr, ai[k]-xi
				ar[k], ai[k] = ar[k]+xr, ai[k]+xi
			}
		}
	}
}

// forward computes bins 0..n/2 of the real sequence x into re, im.
func (f *realFFT) forward(x []float32, re, im []float32) {
	m := f.m
	for i := range m {
		f.zr[i], f.zi[i] = x[2*i], x[2*i+1]
	}
	f.cfft(false)
	zr, zi := f.zr, f.zi
	for k := 0; k <= m; k++ {
		k1, k2 := k%m, (m-k)%m
		// E = (Z[k] + conj Z[m-k]) / 2, O = (Z[k] - conj Z[m-k]) / 2i
		er := (zr[k1] + zr[k2]) / 2
		ei := (zi[k1] - zi[k2]) / 2
		or := (zi[k1] + zi[k2]) / 2
		oi := -(zr[k1] - zr[k2]) / 2
		re[k] = er + f.wr[k]*or - f.wi[k]*oi
		im[k] = ei + f.wr[k]*oi + f.wi[k]*or
	}
}

// inverse computes the real sequence x (length n) from bins 0..n/2 in re,
// im, scaled by 1/n so that inverse(forward(x)) == x.
func (f *realFFT) inverse(re, im []float32, x []float32) {
	m := f.m
	for k := range m {
		k2 := m - k
		// E = (X[k] + conj X[m-k]) / 2, O = (X[k] - conj X[m-k]) / (2 W^k)
		er := (re[k] + re[k2]) / 2
		ei := (im[k] - im[k2]) / 2
		dr := (re[k] - re[k2]) / 2
		di := (im[k] + im[k2]) / 2
		// divide by W^k: multiply by conj(W^k)
		or := dr*f.wr[k] + di*f.wi[k]
		oi := di*f.wr[k] - dr*f.wi[k]
		// Z = E + i O
		f.zr[k] = er - oi
		f.zi[k] = ei + or
	}
	f.cfft(true)
	s := 1 / float32(m)
	for i := range m {
		x[2*i] = f.zr[i] * s
		x[2*i+1] = f.zi[i] * s
	}
}
