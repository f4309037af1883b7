package watermark

import (
	"fmt"
	"math"
	"slices"

	"github.com/keyward/keyward/internal/audio"
)

// Embedder marks a stream chunk by chunk with bounded memory: it holds
// about 12 s of input however long the stream is. Make one with
// [Marker.NewEmbedder]; it is not safe for concurrent use.
//
// Output lags input by up to one processing block (about 12 s); [Flush]
// returns the rest. The samples out are identical to [Marker.Embed]'s on
// the whole signal, whatever the chunking.
type Embedder struct {
	rate, channels int
	plan           *embedPlan
	down           *audio.Resampler // nil at the analysis rate
	targetSNR      float64

	in          [][]float32 // input not yet output, from absolute index inOff
	inOff       int64
	total       int64 // input samples received
	ended       bool
	mono        []float32 // analysis-rate mix, from absolute index monoOff
	monoOff     int
	monoDone    int // analysis-rate samples computed so far
	mix         []float32
	next        int // analysis-rate start of the next block
	out         []float32
	prevK       float32 // the previous block's scale, ramped from
	outEnd      int64   // absolute end of the marked samples in the window
	pendingDrop int     // window samples handed out, dropped at the next call
	res         [][]float32

	// Energy of the host and of the mark over the samples marked so far,
	// for the signal-to-noise ratio.
	hostEnergy, markEnergy float64
}

// margin is how far past a block's end the analysis signal must be known
// before the block is marked: the resampler's reach plus the frames and
// pairs that straddle the block's edge.
const margin = 4 * frameLen

// rampLen is the number of output samples over which the mark's level
// moves from one block's scale to the next's.
const rampLen = 4096

// NewEmbedder returns an Embedder for a stream of channels channels at rate
// Hz that marks it with id.
func (m *Marker) NewEmbedder(rate, channels int, id ID) (*Embedder, error) {
	if rate < 4000 || rate > 384000 {
		return nil, fmt.Errorf("%w: sample rate %d Hz", ErrInput, rate)
	}
	if channels <= 0 || channels > 64 {
		return nil, fmt.Errorf("%w: %d channels", ErrInput, channels)
	}
	plan, err := m.newEmbedPlan(rate, id)
	if err != nil {
		return nil, err
	}
	e := &Embedder{rate: rate, channels: channels, plan: plan, in: make([][]float32, channels),
		res: make([][]float32, channels), targetSNR: math.Pow(10, (targetDB-20*math.Log10(m.cfg.Strength))/10)}
	if rate != analysisRate {
		if e.down, err = audio.NewResampler(rate, analysisRate, downQuality); err != nil {
			return nil, fmt.Errorf("watermark: %w", err)
		}
	}
	return e, nil
}

// Write takes the next chunk (one slice per channel, equal lengths) and
// returns the marked samples that are ready, possibly none. The returned
// slices belong to the Embedder and are valid until the next call: copy
// them out before calling again.
func (e *Embedder) Write(chunk [][]float32) ([][]float32, error) {
	if e.ended {
		return nil, fmt.Errorf("%w: write after flush", ErrInput)
	}
	if len(chunk) != e.channels {
		return nil, fmt.Errorf("%w: chunk of %d channels, stream of %d", ErrInput, len(chunk), e.channels)
	}
	for _, ch := range chunk {
		if len(ch) != len(chunk[0]) {
			return nil, fmt.Errorf("%w: ragged chunk", ErrInput)
		}
	}
	e.compact()
	e.reserve(len(chunk[0]))
	for c, ch := range chunk {
		e.in[c] = append(e.in[c], ch...)
	}
	e.total += int64(len(chunk[0]))
	return e.process(), nil
}

// reserve makes room for n more frames in the input window; the window is
// made once with room for what the embedder holds and a chunk, so it is
// never copied to grow.
func (e *Embedder) reserve(n int) {
	for c, ch := range e.in {
		if ch == nil {
			window := int64(blockLen+3*margin)*int64(e.rate)/analysisRate + 1
			e.in[c] = make([]float32, 0, int(window)+max(n, streamBlock))
		} else {
			e.in[c] = slices.Grow(ch, n)
		}
	}
}

// tail returns room for n more frames at the end of the input window, to
// be filled by a reader and handed over with commit: it spares Write's
// copy.
func (e *Embedder) tail(n int, view [][]float32) [][]float32 {
	e.compact()
	e.reserve(n)
	for c, ch := range e.in {
		view[c] = ch[len(ch) : len(ch)+n]
	}
	return view
}

// commit takes the first n frames filled in since tail and returns the
// marked samples that are ready, as Write does.
func (e *Embedder) commit(n int) [][]float32 {
	for c, ch := range e.in {
		e.in[c] = ch[:len(ch)+n]
	}
	e.total += int64(n)
	return e.process()
}

// Flush ends the stream and returns the remaining marked samples. A stream
// shorter than [PeriodDuration] is returned unmarked, with [ErrTooShort].
func (e *Embedder) Flush() ([][]float32, error) {
	if e.ended {
		return nil, nil
	}
	e.ended = true
	e.compact()
	if float64(e.total)/float64(e.rate)*1e9 < PeriodDuration {
		out := e.in
		e.in = make([][]float32, e.channels)
		return out, fmt.Errorf("%w: %d samples at %d Hz", ErrTooShort, e.total, e.rate)
	}
	return e.process(), nil
}

// SNR returns the signal-to-noise ratio, in dB, of the mark added to the
// samples output so far (+Inf before any is marked).
func (e *Embedder) SNR() float64 {
	if e.markEnergy == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(e.hostEnergy/e.markEnergy)
}

// riTotal is the length of the analysis signal of the whole stream, known
// once it ended.
func (e *Embedder) riTotal() int {
	if e.down == nil {
		return int(e.total)
	}
	return e.down.OutLen(int(e.total))
}

// extendMono computes the analysis signal as far as the input allows, but
// not beyond limit.
func (e *Embedder) extendMono(limit int) {
	if e.down == nil {
		for e.monoDone < min(int(e.total), limit) {
			stop := min(int(e.total), limit, e.monoDone+1<<16)
			e.mix = mixRange(e.in, int(int64(e.monoDone)-e.inOff), int(int64(stop)-e.inOff), e.mix)
			e.mono = append(e.mono, e.mix...)
			e.monoDone = stop
		}
		return
	}
	reach := e.down.Reach()
	var end int
	if e.ended {
		end = e.riTotal()
	} else {
		// Largest m whose filter input is all here.
		end = int((e.total-int64(reach)-1)*analysisRate/int64(e.rate)) - 1
	}
	end = min(end, limit)
	// In steps, so the mixed input held at once stays small.
	for e.monoDone < end {
		stop := min(end, e.monoDone+1<<16)
		lo := max(0, int64(e.down.InPos(e.monoDone)-reach))
		hi := min(e.total, int64(e.down.InPos(stop)+reach+1))
		e.mix = mixRange(e.in, int(lo-e.inOff), int(hi-e.inOff), e.mix)
		n := stop - e.monoDone
		e.mono = slices.Grow(e.mono, n)[:len(e.mono)+n]
		e.down.Range(e.mono[len(e.mono)-n:], e.mix, int(lo), e.monoDone)
		e.monoDone = stop
	}
}

func (e *Embedder) process() [][]float32 {
	for {
		a := e.next
		b := a + blockLen
		last := false
		e.extendMono(b + margin)
		if e.ended {
			if a >= e.riTotal() {
				break
			}
			if b >= e.riTotal() {
				b, last = e.riTotal(), true
			}
		} else if e.monoDone < b+margin {
			break
		}
		e.markBlock(a, b, last)
		e.next = b
		if last {
			break
		}
	}
	// Hand out the marked stretch straight from the window; it is dropped
	// at the next call.
	n := int(e.outEnd - e.inOff)
	for c, ch := range e.in {
		e.res[c] = ch[:n:n]
	}
	e.pendingDrop = n
	return e.res
}

// compact drops the samples handed out by the previous call.
func (e *Embedder) compact() {
	if e.pendingDrop == 0 {
		return
	}
	for c, ch := range e.in {
		e.in[c] = ch[:copy(ch, ch[e.pendingDrop:])]
	}
	e.inOff += int64(e.pendingDrop)
	e.pendingDrop = 0
}

// markBlock marks analysis-rate block [a, b): it adds the mark to the
// block's output-rate samples in the input window, in place.
func (e *Embedder) markBlock(a, b int, last bool) {
	reach := e.plan.up.Reach()
	lo, hi := a-reach, b+reach
	delta := e.plan.delta(e.mono, e.monoOff, lo, hi)
	A := ceilDiv(int64(a)*int64(e.rate), analysisRate)
	B := ceilDiv(int64(b)*int64(e.rate), analysisRate)
	if last {
		B = e.total
	}
	B = max(A, min(B, e.total))
	n := int(B - A)
	// The block's scale comes from the mark's energy at the analysis rate:
	// the upsampler passes the mark's band whole, so the energy at the
	// output rate is the same times the ratio of the rates, and the mark is
	// made at the output rate only once, a chunk at a time.
	const chunk = 8192
	if e.out == nil {
		e.out = make([]float32, chunk)
	}
	var es float64
	for _, ch := range e.in {
		es += energy(ch[A-e.inOff : B-e.inOff])
	}
	ed := energy(delta[a-lo:b-lo]) * float64(e.rate) / analysisRate * float64(e.channels)
	// Scale the block's mark to the target signal-to-noise ratio.
	k := float32(maxScale)
	if ed > 0 {
		k = float32(min(maxScale, math.Sqrt(es/(ed*e.targetSNR))))
	}
	// Ramp from the previous block's scale so the mark's level never
	// steps.
	if e.prevK == 0 {
		e.prevK = k
	}
	ramp := min(n, rampLen)
	for p := 0; p < n; p += chunk {
		out := e.out[:min(chunk, n-p)]
		e.plan.up.Range(out, delta, lo, int(A)+p)
		for i := range out {
			if p+i < ramp {
				f := float32(p+i) / float32(ramp)
				out[i] *= e.prevK + (k-e.prevK)*f
			} else {
				out[i] *= k
			}
		}
		e.markEnergy += energy(out) * float64(e.channels)
		for _, ch := range e.in {
			seg := ch[A-e.inOff+int64(p):]
			seg = seg[:len(out)]
			for i, d := range out {
				seg[i] += d
			}
		}
	}
	e.prevK = k
	e.hostEnergy += es
	e.outEnd = B
	// Drop analysis signal no later block reads.
	if keep := b - margin; keep > e.monoOff {
		d := min(keep-e.monoOff, len(e.mono))
		e.mono = append(e.mono[:0], e.mono[d:]...)
		e.monoOff += d
	}
}

// energy returns the sum of squares of x, accumulated in float32 over
// short runs for speed and in float64 across them for accuracy.
func energy(x []float32) float64 {
	var total float64
	for len(x) > 0 {
		n := min(len(x), 1024)
		var a0, a1, a2, a3 float32
		run := x[:n]
		i := 0
		for ; i+4 <= n; i += 4 {
			v := (*[4]float32)(run[i:])
			a0 += v[0] * v[0]
			a1 += v[1] * v[1]
			a2 += v[2] * v[2]
			a3 += v[3] * v[3]
		}
		for ; i < n; i++ {
			a0 += run[i] * run[i]
		}
		total += float64((a0 + a1) + (a2 + a3))
		x = x[n:]
	}
	return total
}
