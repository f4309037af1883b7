package watermark

import "math"

// How the change is spread over the cells of a block. Three things decide
// a cell's weight, each because the detector normalises what it sees, so
// that a decibel of change is worth the same to it wherever it lands while
// its cost in distortion energy is not:
//
//   - Across bands: a band holding less of the pair's energy takes a
//     larger change in dB (its weight goes as its energy share to the
//     power −spreadExp, between minWeight and maxWeight).
//   - Across pairs: a pair quieter than the block's mean takes a larger
//     change, as its level to the power −pairExp, between 1/maxPairGain
//     and maxPairGain times the mean's. (Against the mean of the logs
//     instead, sparse music, most of whose pairs are far louder than that,
//     kept a mark only in its pauses, where added noise drowns it.)
//   - Informed by the host: the embedder knows the music's own pair
//     difference in every cell, which the detector will add to the mark.
//     Summed over the cells of one coded bit in one period, it helps the
//     bit or opposes it. Where it opposes, the bit's cells are raised by
//     informGain times what it takes away (at most by maxInform times);
//     where it helps, they are lowered by relaxGain times its surplus (at
//     most by maxRelax). Compensating the sum, not each cell, costs a
//     fraction of the energy: the cells' own host values mostly cancel.
//
// The block is then scaled to the target signal-to-noise ratio, so these
// move the energy, they do not add any.
const (
	spreadExp   = 0.7
	minWeight   = 0.3
	maxWeight   = 4
	pairExp     = 0.5
	maxPairGain = 4
	informGain  = 1.25
	maxInform   = 4
	relaxGain   = 0.5
	maxRelax    = 0.5
	markBins    = nBands * bandBins
	// diffPerDB is the change, in log2 of band energy, of a pair
	// difference when the first frame is raised and the second lowered by
	// one decibel of amplitude: 2 · 2/(20 · log10 2).
	diffPerDB = 4 / (20 * math.Ln2 / math.Ln10)
)

// weigh returns the weight of every cell of nPairs pairs from absolute
// pair p0 on, given the log2 band energies of their frames (two rows of
// nBands per pair).
func (e *embedPlan) weigh(logs []float32, p0, nPairs int) []float32 {
	e.weights = grow(e.weights, nPairs*nBands)
	e.host = grow(e.host, nPairs*nBands)
	e.rowMag = grow(e.rowMag, nPairs)
	e.pairEn = grow(e.pairEn, nPairs)
	weights := e.weights
	var en, sm [nBands]float64
	for p := range nPairs {
		a := logs[(2*p)*nBands:][:nBands]
		c := logs[(2*p+1)*nBands:][:nBands]
		w := weights[p*nBands:][:nBands]
		var total float64
		for b := range nBands {
			en[b] = math.Exp2(float64(a[b])) + math.Exp2(float64(c[b]))
			total += en[b]
		}
		e.pairEn[p] = float32(total)
		// The host's pair difference as the detector will see it.
		e.rowMag[p] = pairRow(e.host[p*nBands:][:nBands], a, c)
		mean := total / nBands
		if mean <= 1e-6 {
			for b := range w {
				w[b] = 1
			}
			continue
		}
		// Weigh by the energy around a band, not in it alone: a gap
		// between two partials holds mostly their leakage, which the
		// band's own change cannot move.
		for b := range nBands {
			l, r := en[max(0, b-1)], en[min(nBands-1, b+1)]
			sm[b] = (l + 2*en[b] + r) / 4
		}
		var dist float64
		for b := range nBands {
			x := math.Pow(sm[b]/mean+1e-9, -spreadExp)
			x = max(minWeight, min(maxWeight, x))
			w[b] = float32(x)
			dist += x * x * en[b]
		}
		// Same distortion energy as equal weights.
		k := float32(math.Sqrt(total / dist))
		for b := range w {
			w[b] = min(w[b]*k, maxWeight)
		}
	}
	if nPairs > 0 {
		var sum float64
		for p := range nPairs {
			sum += float64(e.pairEn[p])
		}
		ref := sum/float64(nPairs) + 1e-9
		for p := range nPairs {
			f := math.Pow((float64(e.pairEn[p])+1e-9)/ref, -pairExp)
			f = max(1/maxPairGain, min(maxPairGain, f))
			for b := range nBands {
				weights[p*nBands+b] *= float32(f)
			}
		}
	}
	e.inform(p0, nPairs, weights)
	return weights
}

// inform adjusts the weights of the data cells of every period that
// nPairs pairs from absolute pair p0 on touch, by how the host helps or
// opposes each coded bit there (see the constants above).
func (e *embedPlan) inform(p0, nPairs int, weights []float32) {
	// The change a weight of one makes to a cell, in the detector's
	// normalised units, before the block's scale.
	unit := float32(diffPerDB * e.db)
	for ps := p0 - mod(p0, pairs); ps < p0+nPairs; ps += pairs {
		lo, hi := max(ps, p0), min(ps+pairs, p0+nPairs)
		clear(e.sums[:])
		clear(e.reach[:])
		for q := lo; q < hi; q++ {
			r := q - p0
			chips := &e.chips[mod(q, pairs)]
			for _, c := range e.pat.data[mod(q, pairs)] {
				i := r*nBands + int(c.band)
				e.sums[c.bit] += chips[c.band] * e.host[i]
				e.reach[c.bit] += unit * weights[i] / e.rowMag[r]
			}
		}
		for q := lo; q < hi; q++ {
			r := q - p0
			for _, c := range e.pat.data[mod(q, pairs)] {
				s, d := e.sums[c.bit], e.reach[c.bit]
				if d <= 0 {
					continue
				}
				var t float32
				if s < 0 {
					t = min(informGain*-s/d, maxInform)
				} else {
					t = -min(relaxGain*s/d, maxRelax)
				}
				weights[r*nBands+int(c.band)] *= 1 + t
			}
		}
	}
}
