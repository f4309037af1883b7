package watermark

import (
	"math"
	"slices"
	"sort"
	"time"
)

const (
	// detHop is the detection STFT's hop: a quarter frame, so some hop lies
	// within an eighth of a frame of any alignment.
	detHop = frameLen / 8
	sub    = frameLen / detHop
	// Bins kept from the detection spectrum: enough for ±4.5% speed.
	binLo = 36
	binHi = 210
	// relFloor is the lowest band level considered, relative to the
	// frame's mean bin power (−30 dB).
	relFloor = 1e-3
	// clipAt bounds one normalised pair difference, so onsets and drops do
	// not drown the mark.
	clipAt = 3.0
	// trendHalf is the half-width, in bands, of the running mean that
	// removeTrend takes out of every row of pair differences.
	trendHalf = 24
	// winHops is the length of one drift-tracking window (about 3 s).
	winHops = 2 * period * sub
	// segmentLen is the longest stretch analysed at once (3 minutes), which
	// bounds detection memory on long files; segments overlap by
	// segmentOverlap.
	segmentLen     = 180 * analysisRate
	segmentOverlap = 20 * analysisRate
	// screenHops is how much of a segment (about 45 s) the speed search
	// screens before decoding the screenKeep best speeds over all of it.
	screenHops = 45 * analysisRate / detHop
	screenKeep = 2
	// minRho is the agreement (Σ c·y / Σ |y|) between the received soft
	// bits y and the re-encoded payload c that a decode needs besides its
	// 32-bit keyed MAC. The maximum-likelihood codeword fits pure noise with
	// an agreement of 0.70 on median (0.74 at the 99th percentile), so
	// this halves the already negligible chance of a false id; genuine
	// marks decode at 0.8 to 1.
	minRho = 0.70
	// minWinZ is the synchronisation z-score a window needs to contribute
	// to a drift-tracked decode.
	minWinZ = 3.0
	// listSize is how many of the most likely payloads the decoder checks
	// against the keyed MAC: a weak copy whose best path has an error the
	// MAC catches is often the second or tenth path. Each candidate is one
	// more 2^-32 chance of a false id, still negligible at 16.
	listSize = 16
)

// Detect looks for marks made under m's key in samples (one slice per
// channel at rate Hz): a whole song or any excerpt of at least a few
// seconds, at any sample rate, after lossy coding, filtering, noise or a
// playback-speed change within [Config.SpeedSearch].
//
// It returns the ids found, best first, or an empty slice when there is no
// mark. A returned id has passed a 32-bit keyed integrity check and a
// codeword-agreement threshold, so an id reported on unmarked audio is
// vanishingly rare. Each stretch of up to three minutes yields at most one
// id (the strongest); ids from different stretches of a long recording are
// all reported. Detect returns [ErrInput] for malformed input only.
func (m *Marker) Detect(samples [][]float32, rate int) ([]Result, error) {
	if err := checkInput(samples, rate); err != nil {
		return nil, err
	}
	mono, err := analysisSignal(samples, rate)
	if err != nil {
		return nil, err
	}
	var results []Result
	for a := 0; a < len(mono); a += segmentLen - segmentOverlap {
		b := min(a+segmentLen, len(mono))
		if len(mono)-b < segmentOverlap && b < len(mono) {
			b = len(mono) // fold a short tail into this segment
		}
		for _, r := range m.detectSegment(mono[a:b]) {
			r.Offset += time.Duration(float64(a) / analysisRate * float64(time.Second))
			results = mergeResult(results, r)
		}
		if b == len(mono) {
			break
		}
	}
	out := make([]Result, 0, len(results))
	for _, r := range results {
		if r.Confidence >= m.cfg.MinConfidence {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	return out, nil
}

func mergeResult(rs []Result, r Result) []Result {
	for i := range rs {
		if rs[i].ID == r.ID {
			if r.Confidence > rs[i].Confidence {
				off := rs[i].Offset
				rs[i] = r
				rs[i].Offset = min(off, r.Offset)
			}
			return rs
		}
	}
	return append(rs, r)
}

// spectrum is the detection STFT of one segment: power of bins
// [binLo, binHi) at every hop.
type spectrum struct {
	hops int
	pow  []float32 // hops × (binHi-binLo)
}

var hannWin = func() []float32 {
	w := make([]float32, frameLen)
	for i := range w {
		w[i] = float32(0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/frameLen))
	}
	return w
}()

func newSpectrum(x []float32) *spectrum {
	hops := (len(x)-frameLen)/detHop + 1
	if len(x) < frameLen {
		hops = 0
	}
	const nb = binHi - binLo
	s := &spectrum{hops: hops, pow: make([]float32, hops*nb)}
	fft := newRealFFT(frameLen)
	buf := make([]float32, frameLen)
	re, im := make([]float32, frameLen/2+1), make([]float32, frameLen/2+1)
	for t := range hops {
		seg := x[t*detHop : t*detHop+frameLen]
		for i, v := range seg {
			buf[i] = v * hannWin[i]
		}
		fft.forward(buf, re, im)
		row := s.pow[t*nb : (t+1)*nb]
		for k := range row {
			r, i := re[binLo+k], im[binLo+k]
			row[k] = r*r + i*i
		}
	}
	return s
}

// bandTap is one bin's share of a band at some speed.
type bandTap struct {
	bin int
	w   float32
}

// bandTaps maps each mark band onto the detection bins it occupies when
// the audio plays at speed s.
func bandTaps(s float64) [nBands][]bandTap {
	var taps [nBands][]bandTap
	for b := range nBands {
		lo := s * (float64(firstBin+bandBins*b) - 0.5)
		hi := s * (float64(firstBin+bandBins*(b+1)) - 0.5)
		for k := int(math.Floor(lo + 0.5)); float64(k)-0.5 < hi; k++ {
			ov := math.Min(hi, float64(k)+0.5) - math.Max(lo, float64(k)-0.5)
			if ov > 0 && k >= binLo && k < binHi {
				taps[b] = append(taps[b], bandTap{bin: k - binLo, w: float32(ov)})
			}
		}
	}
	return taps
}

// features returns, for speed s, the clipped and normalised difference of
// log band energy between each hop and the hop one frame later:
// hops-sub rows of nBands. sigma, when nil, is estimated and returned.
func (sp *spectrum) features(s float64, sigma []float32) ([]float32, []float32) {
	taps := bandTaps(s)
	const nb = binHi - binLo
	logs := make([]float32, sp.hops*nBands)
	for t := range sp.hops {
		row := sp.pow[t*nb : (t+1)*nb]
		out := logs[t*nBands : (t+1)*nBands]
		// A floor relative to the frame's level keeps near-empty bands,
		// whose level is leakage and noise, from swinging wildly.
		var total float32
		for _, v := range row {
			total += v
		}
		floor := 1e-7 + relFloor*total/nb
		for b := range nBands {
			e := floor
			for _, tp := range taps[b] {
				e += tp.w * row[tp.bin]
			}
			out[b] = fastLog2(e)
		}
	}
	n := sp.hops - sub
	if n <= 0 {
		return nil, sigma
	}
	d := make([]float32, n*nBands)
	for t := range n {
		a := logs[t*nBands : (t+1)*nBands]
		c := logs[(t+sub)*nBands : (t+sub+1)*nBands]
		pairRow(d[t*nBands:(t+1)*nBands], a, c)
	}
	if sigma == nil {
		sigma = make([]float32, nBands)
		col := make([]float32, 0, n/sub+1)
		for b := range nBands {
			col = col[:0]
			for t := 0; t < n; t += sub {
				col = append(col, float32(math.Abs(float64(d[t*nBands+b]))))
			}
			slices.Sort(col)
			sg := 1.4826 * col[len(col)/2]
			if sg < 0.05 {
				sg = 0.05 // silence or a constant signal: keep it quiet
			}
			sigma[b] = sg
		}
	}
	for t := range n {
		o := d[t*nBands : (t+1)*nBands]
		for b := range o {
			v := o[b] / sigma[b]
			o[b] = max(-clipAt, min(clipAt, v))
		}
	}
	return d, sigma
}

// pairRow sets o to the pair difference a − c of two rows of log2 band
// energies as the detector weighs it, and returns the row's mean magnitude
// before it was normalised. It takes out the trend across bands
// (removeTrend), then brings the row to a mean magnitude of one, so a loud
// transient weighs no more than a quiet stretch. The embedder computes the
// host's rows with it too, so it sees the music as the detector will.
func pairRow(o, a, c []float32) float32 {
	for b := range o {
		o[b] = a[b] - c[b]
	}
	removeTrend(o, trendHalf)
	var mag float32
	for _, v := range o {
		mag += float32(math.Abs(float64(v)))
	}
	mag = mag/nBands + 1e-3
	for b := range o {
		o[b] /= mag
	}
	return mag
}

// removeTrend subtracts from each band of a row of pair differences the
// mean over the bands within half of it: changes of level that span many
// bands (onsets, decays, a drum) are the music's, since the mark's chips
// are independent from band to band.
func removeTrend(o []float32, half int) {
	var pre [nBands + 1]float32
	for b, v := range o {
		pre[b+1] = pre[b] + v
	}
	for b := range o {
		lo, hi := max(0, b-half), min(nBands, b+half+1)
		o[b] -= (pre[hi] - pre[lo]) / float32(hi-lo)
	}
}

// fastLog2 approximates log2(x) for x > 0 to about 1e-4.
func fastLog2(x float32) float32 {
	bits := math.Float32bits(x)
	e := float32(int32(bits>>23&0xff) - 127)
	mb := math.Float32frombits(bits&0x7fffff | 0x3f800000) // mantissa in [1, 2)
	m := mb - 1
	// Minimax-style polynomial for log2(1+m) on [0, 1).
	p := m * (1.4425449 + m*(-0.7181452+m*(0.4575485+m*(-0.27868926+m*(0.121797354+m*-0.02467463)))))
	return e + p
}

// alignment describes frame positions for one speed and start hop.
type alignment struct {
	s  float64
	t0 int
	// f, when positive, reads each frame as its row blended with the next
	// hop's by that fraction: a start between two hops.
	f float32
}

// hop returns the hop of mark frame j (relative to the period start t0).
func (a alignment) hop(j int) int {
	return a.t0 + int(math.Round(float64(j)*sub/a.s))
}

// firstFrame returns the smallest frame index whose hop is not negative,
// rounded down to a pair start.
func (a alignment) firstFrame() int {
	j := -int(math.Ceil(float64(a.t0)*a.s/sub)) - 2
	for a.hop(j) < 0 {
		j++
	}
	if ((j%period)+period)%2 != 0 {
		j++
	}
	return j
}

// syncScores returns, for every start hop and window, the pilot
// correlation and energy.
func (m *Marker) syncScores(d []float32, n int, s float64) (nAlign, nWin int, S, Q []float64) {
	nAlign = int(math.Ceil(float64(period*sub) / s))
	nWin = max(1, n/winHops)
	S = make([]float64, nAlign*nWin)
	Q = make([]float64, nAlign*nWin)
	for t0 := range nAlign {
		a := alignment{s: s, t0: t0}
		for j := a.firstFrame(); ; j += 2 {
			h := a.hop(j)
			if h >= n {
				break
			}
			if h < 0 {
				continue
			}
			w := min(h/winHops, nWin-1)
			pair := (((j % period) + period) % period) / 2
			row := d[h*nBands : (h+1)*nBands]
			var cs, cq float64
			for _, c := range m.pat.pilots[pair] {
				v := row[c.band]
				cs += float64(float32(c.sign) * v)
				cq += float64(v * v)
			}
			S[t0*nWin+w] += cs
			Q[t0*nWin+w] += cq
		}
	}
	return nAlign, nWin, S, Q
}

// accumulate adds the data cells' soft values of frames at alignment a
// whose hop lies in [hLo, hHi), weighted by wt.
func (m *Marker) accumulate(d []float32, n int, a alignment, hLo, hHi int, wt float32, soft []float32) {
	for j := a.firstFrame(); ; j += 2 {
		h := a.hop(j)
		if h >= n || h >= hHi {
			break
		}
		if h < hLo || h < 0 {
			continue
		}
		pair := (((j % period) + period) % period) / 2
		row := d[h*nBands : (h+1)*nBands]
		if a.f > 0 && h+1 < n {
			next := d[(h+1)*nBands : (h+2)*nBands]
			for _, c := range m.pat.data[pair] {
				v := row[c.band] + a.f*(next[c.band]-row[c.band])
				soft[c.bit] += wt * float32(c.sign) * v
			}
			continue
		}
		for _, c := range m.pat.data[pair] {
			soft[c.bit] += wt * float32(c.sign) * row[c.band]
		}
	}
}

// decode turns soft values into a verified result, or false.
func (m *Marker) decode(soft []float32) (ID, float64, bool) {
	var mag float64
	for _, v := range soft {
		mag += math.Abs(float64(v))
	}
	if mag == 0 {
		return 0, 0, false
	}
	var bestRho float64
	for _, bitsOut := range listViterbi(soft, listSize) {
		id, mac := unpack(bitsOut)
		coded := encode(bitsOut)
		var agree float64
		for k, c := range coded {
			agree += float64(2*int(c)-1) * float64(soft[k])
		}
		rho := agree / mag
		bestRho = max(bestRho, rho)
		if mac == macOf(m.mac, id) && rho >= minRho {
			return id, rho, true
		}
	}
	return 0, bestRho, false
}

// speeds returns the speed factors to try, unchanged speed first.
func (m *Marker) speeds() []float64 {
	out := []float64{1}
	if m.cfg.SpeedSearch <= 0 {
		return out
	}
	const step = 0.004
	for k := 1; float64(k)*step <= m.cfg.SpeedSearch+1e-9; k++ {
		out = append(out, 1+float64(k)*step, 1-float64(k)*step)
	}
	return out
}

// detectSegment runs the whole search on one stretch of analysis-rate
// samples.
func (m *Marker) detectSegment(x []float32) []Result {
	if len(x) < period*frameLen {
		return nil
	}
	sp := newSpectrum(x)
	n := sp.hops - sub
	if n <= 0 {
		return nil
	}
	d, sigma := sp.features(1, nil)
	if r, ok := m.tryAlignments(d, n, 1); ok {
		return []Result{r}
	}
	speeds := m.speeds()[1:]
	if len(speeds) == 0 {
		return nil
	}
	// Screen every speed on the first stretch of the segment, then decode
	// only the most promising few over the whole of it.
	const nb = binHi - binLo
	screen := sp
	if sp.hops > screenHops {
		screen = &spectrum{hops: screenHops, pow: sp.pow[:screenHops*nb]}
	}
	type candidate struct{ s, score float64 }
	cands := make([]candidate, 0, len(speeds))
	for _, s := range speeds {
		sd, _ := screen.features(s, sigma)
		cands = append(cands, candidate{s, m.screenScore(sd, screen.hops-sub, s)})
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	for _, c := range cands[:min(screenKeep, len(cands))] {
		d, _ := sp.features(c.s, sigma)
		if r, ok := m.tryAlignments(d, n, c.s); ok {
			return []Result{r}
		}
	}
	return nil
}

// screenScore rates how well speed s fits: the mean, over windows, of each
// window's best pilot z-score.
func (m *Marker) screenScore(d []float32, n int, s float64) float64 {
	if n <= 0 {
		return 0
	}
	nAlign, nWin, S, Q := m.syncScores(d, n, s)
	var sum float64
	for w := range nWin {
		best := 0.0
		for t0 := range nAlign {
			if q := Q[t0*nWin+w]; q > 0 {
				best = math.Max(best, S[t0*nWin+w]/math.Sqrt(q))
			}
		}
		sum += best
	}
	return sum / float64(nWin)
}

func (m *Marker) tryAlignments(d []float32, n int, s float64) (Result, bool) {
	nAlign, nWin, S, Q := m.syncScores(d, n, s)
	// Global: one alignment for the whole segment.
	best, bestZ := 0, math.Inf(-1)
	for t0 := range nAlign {
		if z, ok := globalZ(t0, nWin, S, Q); ok && z > bestZ {
			best, bestZ = t0, z
		}
	}
	soft := make([]float32, codedBits)
	for _, a := range alignCands(best, nAlign, nWin, S, Q) {
		a.s = s
		clear(soft)
		m.accumulate(d, n, a, 0, n, 1, soft)
		if id, rho, ok := m.decode(soft); ok {
			return m.result(id, rho, a, bestZ), true
		}
	}
	if nWin < 2 {
		return Result{}, false
	}
	// Drift-tracked: each window at its own best alignment.
	clear(soft)
	used, sumZ := 0, 0.0
	first := alignment{s: s, t0: -1}
	for w := range nWin {
		wb, wz := 0, math.Inf(-1)
		for t0 := range nAlign {
			if q := Q[t0*nWin+w]; q > 0 {
				if z := S[t0*nWin+w] / math.Sqrt(q); z > wz {
					wb, wz = t0, z
				}
			}
		}
		if wz < minWinZ {
			continue
		}
		hHi := (w + 1) * winHops
		if w == nWin-1 {
			hHi = n
		}
		aw := alignment{s: s, t0: wb}
		if first.t0 < 0 {
			first = aw
		}
		m.accumulate(d, n, aw, w*winHops, hHi, float32(wz), soft)
		used++
		sumZ += wz
	}
	if used == 0 {
		return Result{}, false
	}
	if id, rho, ok := m.decode(soft); ok {
		return m.result(id, rho, first, sumZ/float64(used)), true
	}
	return Result{}, false
}

func (m *Marker) result(id ID, rho float64, a alignment, z float64) Result {
	conf := (rho - minRho) / (1 - minRho)
	return Result{
		ID:         id,
		Confidence: math.Max(1e-3, math.Min(1, conf)),
		Offset:     time.Duration(float64(a.t0*detHop) / analysisRate * float64(time.Second)),
		Speed:      a.s,
		SyncScore:  z,
	}
}

// alignCands returns the alignments to decode at, in order: the best start
// hop, the two half hops around it, its neighbours, then the best start
// more than two hops away and its neighbours. A copy whose start falls
// between hops, or whose pilots lost to a chance peak, decodes at one of
// them; decoding costs little beside the spectrum.
func alignCands(best, nAlign, nWin int, S, Q []float64) []alignment {
	prev, next := mod(best-1, nAlign), mod(best+1, nAlign)
	out := []alignment{{t0: best}, {t0: best, f: 0.5}, {t0: prev, f: 0.5}, {t0: prev}, {t0: next}}
	second, sz := -1, math.Inf(-1)
	for t0 := range nAlign {
		if mod(t0-best+2, nAlign) <= 4 {
			continue
		}
		if z, ok := globalZ(t0, nWin, S, Q); ok && z > sz {
			second, sz = t0, z
		}
	}
	if second >= 0 {
		out = append(out, alignment{t0: second}, alignment{t0: mod(second-1, nAlign)}, alignment{t0: mod(second+1, nAlign)})
	}
	return out
}

// globalZ returns the pilot z-score of start hop t0 over all windows, and
// false when the windows hold no energy.
func globalZ(t0, nWin int, S, Q []float64) (float64, bool) {
	var cs, cq float64
	for w := range nWin {
		cs += S[t0*nWin+w]
		cq += Q[t0*nWin+w]
	}
	if cq <= 0 {
		return 0, false
	}
	return cs / math.Sqrt(cq), true
}
