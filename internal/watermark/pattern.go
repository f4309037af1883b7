package watermark

import (
	"math/rand/v2"
)

// Geometry of the mark. All of it lives at the analysis rate.
const (
	// analysisRate is the sample rate every signal is converted to for
	// marking and detection; the mark lives below its Nyquist frequency.
	analysisRate = 11025
	// frameLen is the length of one mark frame (46 ms).
	frameLen = 512
	// firstBin and bandBins place nBands bands of bandBins FFT bins from
	// 861 Hz to 4306 Hz.
	firstBin = 40
	bandBins = 2
	nBands   = 80
	// period is the number of mark frames after which the pattern repeats
	// (1.49 s). Frames go in pairs: the first of a pair is raised where the
	// second is lowered, so the detector compares neighbours in time and the
	// host's slow envelope cancels.
	period   = 32
	pairs    = period / 2
	cells    = pairs * nBands
	nPilots  = 256
	dataCell = cells - nPilots
)

// PeriodDuration is the play time of one whole payload: a clip must be at
// least this long for Detect to see every bit, and in practice about three
// times as long to be found reliably.
const PeriodDuration = period * frameLen * 1e9 / analysisRate // in ns

// cell is one (pair, band) slot of a period.
type cell struct {
	band int16
	sign int8  // ±1: the key's chip
	bit  int16 // coded bit index, or -1 for a pilot
}

// pattern is the key-derived layout of one period: for each pair of frames,
// which bands carry pilots and which carry which coded bit, with what sign.
type pattern struct {
	byPair [pairs][]cell
	pilots [pairs][]cell
	data   [pairs][]cell
}

func newPattern(seed []byte) *pattern {
	var s [32]byte
	copy(s[:], seed)
	rng := rand.New(rand.NewChaCha8(s))
	order := rng.Perm(cells)
	// Coded bits are dealt out in a key-shuffled order so that the bits
	// that get one more cell than the others are spread over the code.
	bitOrder := rng.Perm(codedBits)
	p := &pattern{}
	for i, c := range order {
		pair, band := c/nBands, c%nBands
		sign := int8(1)
		if rng.IntN(2) == 0 {
			sign = -1
		}
		ce := cell{band: int16(band), sign: sign, bit: -1}
		if i >= nPilots {
			ce.bit = int16(bitOrder[(i-nPilots)%codedBits])
			p.data[pair] = append(p.data[pair], ce)
		} else {
			p.pilots[pair] = append(p.pilots[pair], ce)
		}
		p.byPair[pair] = append(p.byPair[pair], ce)
	}
	return p
}

// chips returns, for a coded payload, the ±1 chip of every (pair, band).
func (p *pattern) chips(coded []byte) *[pairs][nBands]float32 {
	var c [pairs][nBands]float32
	for pair := range pairs {
		for _, ce := range p.byPair[pair] {
			v := float32(ce.sign)
			if ce.bit >= 0 && coded[ce.bit] == 0 {
				v = -v
			}
			c[pair][ce.band] = v
		}
	}
	return &c
}
