package watermark

import (
	"fmt"
	"math"

	"github.com/keyward/keyward/internal/audio"
)

const (
	// targetDB is the signal-to-noise ratio each block of about 12 s is
	// marked at, at strength 1. Blocks whose nominal mark would be quieter
	// are raised by at most maxScale.
	targetDB = 31.75
	maxScale = 1.6
	// baseDB is the size, in dB, of the change made to each band of each
	// frame at strength 1.
	baseDB = 1.6
	// embedHop is the hop of the embedding STFT: half a frame, with
	// square-root Hann windows on both sides so the unmarked parts
	// reconstruct exactly.
	embedHop = frameLen / 2
	// blockLen is the number of analysis-rate samples processed at a time
	// (about 12 s), which bounds the embedder's working memory.
	blockLen = 1 << 17
)

// downQuality and upQuality are the resampling filters used inside the
// watermark: the mark lives well below the analysis rate's Nyquist
// frequency, so short filters do.
var (
	downQuality = audio.ResampleQuality{HalfTaps: 4, Cutoff: 0.92, Beta: 5}
	upQuality   = audio.ResampleQuality{HalfTaps: 4, Cutoff: 0.92, Beta: 5}
)

// Embed marks samples (one slice per channel, all of one length, at rate Hz)
// in place with id. Every channel receives the same mark, computed from the
// channels' average, so a mono downmix keeps it whole. The result is the
// same for the same key, strength, samples and id, and identical to what an
// [Embedder] produces from the same samples in any chunking.
//
// Embed returns [ErrTooShort] for signals shorter than [PeriodDuration] and
// [ErrInput] for malformed input. Samples may exceed ±1 slightly afterwards
// on loud material; encoders clamp.
func (m *Marker) Embed(samples [][]float32, rate int, id ID) error {
	if err := checkInput(samples, rate); err != nil {
		return err
	}
	n := len(samples[0])
	if float64(n)/float64(rate)*1e9 < PeriodDuration {
		return fmt.Errorf("%w: %d samples at %d Hz", ErrTooShort, n, rate)
	}
	e, err := m.NewEmbedder(rate, len(samples), id)
	if err != nil {
		return err
	}
	// The whole signal is at hand: let the embedder work on the caller's
	// slices directly, as one stream that has already ended. It marks the
	// samples in place and reads only samples it has not yet marked.
	e.in = make([][]float32, len(samples))
	copy(e.in, samples)
	e.total = int64(n)
	e.ended = true
	e.process()
	return nil
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// floorDiv divides rounding towards minus infinity.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// embedPlan holds what marking one signal with one id needs.
type embedPlan struct {
	up *audio.Resampler
	// chips[q][b] is the ±1 chip of band b in pair q of a period.
	chips *[pairs][nBands]float32
	db    float64 // change at weight 1, in dB
	fft   *realFFT
	win   []float32
	buf   []float32
	re    []float32
	im    []float32
	pat   *pattern
	// Working memory of delta, kept from block to block.
	out, specRe, specIm, logs, weights []float32
	host, rowMag, pairEn               []float32
	sums, reach                        [codedBits]float32
}

// grow returns s resized to n elements, reusing its memory when it can;
// the contents are not kept.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func (m *Marker) newEmbedPlan(rate int, id ID) (*embedPlan, error) {
	up, err := audio.NewResampler(analysisRate, rate, upQuality)
	if err != nil {
		return nil, fmt.Errorf("watermark: %w", err)
	}
	e := &embedPlan{up: up, fft: newRealFFT(frameLen)}
	e.pat = m.pat
	e.chips = m.pat.chips(encode(payloadSlice(m.mac, id)))
	e.db = baseDB * m.cfg.Strength
	e.win = make([]float32, frameLen)
	for i := range e.win {
		e.win[i] = float32(math.Sqrt(0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/frameLen)))
	}
	e.buf = make([]float32, frameLen)
	e.re = make([]float32, frameLen/2+1)
	e.im = make([]float32, frameLen/2+1)
	return e, nil
}

func payloadSlice(key []byte, id ID) []byte {
	p := payload(key, id)
	return p[:]
}

func mod(a, b int) int { return ((a % b) + b) % b }

// delta returns the mark signal for analysis-rate samples [lo, hi) of mono.
//
// Pass one analyses every STFT frame that touches the range and keeps the
// mark band of its spectrum; the frames that coincide with mark frames
// also give the host's band energies, from which each cell's weight is
// set. Pass two scales the kept bands and synthesises the change.
func (e *embedPlan) delta(mono []float32, off, lo, hi int) []float32 {
	e.out = grow(e.out, hi-lo)
	out := e.out
	clear(out)
	first := floorDiv(lo-frameLen+1, embedHop)
	last := floorDiv(hi-1, embedHop)
	// Whole pairs of mark frames covering frames first..last.
	j0 := floorDiv(first, 2)
	j0 -= mod(j0, 2)
	j1 := floorDiv(last, 2) + 2
	j1 += mod(j1, 2)
	nFrames := last - first + 1
	e.specRe = grow(e.specRe, nFrames*markBins)
	e.specIm = grow(e.specIm, nFrames*markBins)
	e.logs = grow(e.logs, (j1-j0)*nBands)
	specRe, specIm, logs := e.specRe, e.specIm, e.logs
	bandLogs := func(row []float32, re, im []float32) {
		for b := range nBands {
			var en float32 = 1e-7
			for q := b * bandBins; q < (b+1)*bandBins; q++ {
				en += re[q]*re[q] + im[q]*im[q]
			}
			row[b] = fastLog2(en)
		}
	}
	// Only the STFT frames that coincide with mark frames (even i) carry a
	// change: a frame straddling two mark frames of a pair would take the
	// mean of opposite changes, nothing, and one straddling two pairs
	// would spend energy where the detector's frames see little of it.
	for i := first + mod(first, 2); i <= last; i += 2 {
		e.window(mono, off, i*embedHop)
		e.fft.forward(e.buf, e.re, e.im)
		k := (i - first) * markBins
		copy(specRe[k:k+markBins], e.re[firstBin:firstBin+markBins])
		copy(specIm[k:k+markBins], e.im[firstBin:firstBin+markBins])
		bandLogs(logs[(floorDiv(i, 2)-j0)*nBands:][:nBands], specRe[k:k+markBins], specIm[k:k+markBins])
	}
	// Mark frames of the edge pairs that no STFT frame above covered: their
	// energies make each pair's weights depend on the signal alone, not on
	// where a block happens to end.
	for j := j0; j < j1; j++ {
		if i := 2 * j; i >= first && i <= last {
			continue
		}
		e.window(mono, off, 2*j*embedHop)
		e.fft.forward(e.buf, e.re, e.im)
		bandLogs(logs[(j-j0)*nBands:][:nBands], e.re[firstBin:firstBin+markBins], e.im[firstBin:firstBin+markBins])
	}
	nPairs := (j1 - j0) / 2
	weights := e.weigh(logs, j0/2, nPairs)
	// gain returns the linear change (gain − 1) of band b in mark frame j.
	gain := func(j, b int) float32 {
		p := floorDiv(j, 2)
		w := weights[(p-j0/2)*nBands+b]
		g := e.db * float64(w*e.chips[mod(p, pairs)][b])
		if mod(j, 2) == 1 {
			g = -g
		}
		return float32(g)
	}
	for i := first + mod(first, 2); i <= last; i += 2 {
		start := i * embedHop
		if start+frameLen <= 0 || start >= off+len(mono) {
			continue
		}
		clear(e.re)
		clear(e.im)
		k := (i - first) * markBins
		j := floorDiv(i, 2)
		for b := range nBands {
			f := dbGainMinusOne(gain(j, b))
			for q := b * bandBins; q < (b+1)*bandBins; q++ {
				e.re[firstBin+q] = specRe[k+q] * f
				e.im[firstBin+q] = specIm[k+q] * f
			}
		}
		e.fft.inverse(e.re, e.im, e.buf)
		for n := range frameLen {
			t := start + n - lo
			if t >= 0 && t < len(out) {
				out[t] += e.buf[n] * e.win[n]
			}
		}
	}
	return out
}

// dbGainMinusOne returns 10^(g/20) − 1 for a change of g dB, |g| ≲ 8,
// from a short series (relative error below 1e-5 there).
func dbGainMinusOne(g float32) float32 {
	x := g * (math.Ln10 / 20)
	return x * (1 + x*(1.0/2+x*(1.0/6+x*(1.0/24+x*(1.0/120+x*(1.0/720))))))
}

// window loads the windowed frame starting at absolute analysis-rate
// sample start into e.buf; mono holds samples from absolute index off on,
// and anything outside it is silence.
func (e *embedPlan) window(mono []float32, off, start int) {
	rel := start - off
	if rel >= 0 && rel+frameLen <= len(mono) {
		seg := mono[rel : rel+frameLen]
		for k, v := range seg {
			e.buf[k] = v * e.win[k]
		}
		return
	}
	for k := range frameLen {
		var v float32
		if t := rel + k; t >= 0 && t < len(mono) {
			v = mono[t]
		}
		e.buf[k] = v * e.win[k]
	}
}

// quickMedian returns the median of v, reordering it.
func quickMedian(v []float32) float32 {
	if len(v) == 0 {
		return 0
	}
	k := len(v) / 2
	lo, hi := 0, len(v)-1
	for lo < hi {
		pivot := v[(lo+hi)/2]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}

// analysisSignal returns the channels' average resampled to the analysis
// rate, computed block by block so no full-rate mono copy is made.
func analysisSignal(samples [][]float32, rate int) ([]float32, error) {
	n := len(samples[0])
	if rate == analysisRate {
		return mixRange(samples, 0, n, nil), nil
	}
	down, err := audio.NewResampler(rate, analysisRate, downQuality)
	if err != nil {
		return nil, fmt.Errorf("watermark: %w", err)
	}
	total := down.OutLen(n)
	out := make([]float32, total)
	reach := down.Reach()
	var mix []float32
	const step = 1 << 16
	for m0 := 0; m0 < total; m0 += step {
		m1 := min(m0+step, total)
		lo := max(0, down.InPos(m0)-reach)
		hi := min(n, down.InPos(m1)+reach+1)
		mix = mixRange(samples, lo, hi, mix)
		down.Range(out[m0:m1], mix, lo, m0)
	}
	return out, nil
}

// mixRange returns the average of the channels over [lo, hi), reusing buf.
// Non-finite or absurd samples count as silence.
func mixRange(samples [][]float32, lo, hi int, buf []float32) []float32 {
	if cap(buf) < hi-lo {
		buf = make([]float32, hi-lo)
	}
	buf = buf[:hi-lo]
	sane := func(v float32) float32 {
		if v != v || v > 1e6 || v < -1e6 {
			return 0
		}
		return v
	}
	switch len(samples) {
	case 1:
		for i, v := range samples[0][lo:hi] {
			buf[i] = sane(v)
		}
	case 2:
		a, b := samples[0][lo:hi], samples[1][lo:hi:hi]
		b = b[:len(a)]
		for i := range a {
			buf[i] = sane(0.5 * (a[i] + b[i]))
		}
	default:
		copy(buf, samples[0][lo:hi])
		for _, ch := range samples[1:] {
			for i, v := range ch[lo:hi] {
				buf[i] += v
			}
		}
		inv := 1 / float32(len(samples))
		for i := range buf {
			buf[i] = sane(buf[i] * inv)
		}
	}
	return buf
}
