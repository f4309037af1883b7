package watermark

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestViterbiCorrectsNoise(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	key := []byte("0123456789abcdef")
	for trial := range 50 {
		id := ID(rng.Uint64())
		coded := encode(payloadSlice(key, id))
		if len(coded) != codedBits {
			t.Fatalf("encode gave %d bits, want %d", len(coded), codedBits)
		}
		soft := make([]float32, len(coded))
		for i, b := range coded {
			// Es/N0 of about 2 dB: many raw sign errors.
			soft[i] = float32(2*int(b)-1) + 0.8*float32(rng.NormFloat64())
		}
		got, mac := unpack(viterbi(soft))
		if got != id || mac != macOf(key, id) {
			t.Fatalf("trial %d: decoded %v (mac %x), want %v (mac %x)", trial, got, mac, id, macOf(key, id))
		}
	}
}

func TestMACDependsOnKey(t *testing.T) {
	t.Parallel()
	a, b := macOf([]byte("key one key one!"), 5), macOf([]byte("key two key two!"), 5)
	if a == b {
		t.Fatalf("macOf gives %x under two keys", a)
	}
	if macOf([]byte("key one key one!"), 5) != a {
		t.Fatal("macOf is not deterministic")
	}
}

func TestPatternBalanced(t *testing.T) {
	t.Parallel()
	p := newPattern([]byte("seed seed seed seed seed seed 32"))
	count := make([]int, codedBits)
	pilots := 0
	for q := range pairs {
		pilots += len(p.pilots[q])
		for _, c := range p.data[q] {
			count[c.bit]++
		}
	}
	if pilots != nPilots {
		t.Errorf("%d pilots, want %d", pilots, nPilots)
	}
	for k, n := range count {
		if n < dataCell/codedBits || n > dataCell/codedBits+1 {
			t.Errorf("coded bit %d has %d cells per period, want %d or %d", k, n, dataCell/codedBits, dataCell/codedBits+1)
		}
	}
}

// pathMetric is the correlation of soft values with the code of payload p,
// the quantity the decoders maximise.
func pathMetric(soft []float32, p []byte) float64 {
	var m float64
	for k, b := range encode(p) {
		m += float64(2*int(b)-1) * float64(soft[k])
	}
	return m
}

func TestListViterbiRanksPaths(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 100 {
		soft := make([]float32, codedBits)
		for i := range soft {
			soft[i] = float32(rng.NormFloat64())
		}
		list := listViterbi(soft, 16)
		if len(list) != 16 {
			t.Fatalf("trial %d: %d paths, want 16", trial, len(list))
		}
		seen := map[string]bool{}
		prev := math.Inf(1)
		for r, p := range list {
			if len(p) != payloadBits {
				t.Fatalf("trial %d: path %d has %d bits", trial, r, len(p))
			}
			if seen[string(p)] {
				t.Fatalf("trial %d: path %d repeats an earlier one", trial, r)
			}
			seen[string(p)] = true
			m := pathMetric(soft, p)
			if m > prev+1e-3 {
				t.Fatalf("trial %d: path %d metric %.3f above path %d's %.3f", trial, r, m, r-1, prev)
			}
			prev = m
		}
		// No payload outside the list beats its last entry: flipping any
		// one payload bit of the best path gives a path the list holds or
		// one no better than its last.
		best := list[0]
		for i := range best {
			q := append([]byte(nil), best...)
			q[i] ^= 1
			if !seen[string(q)] && pathMetric(soft, q) > prev+1e-3 {
				t.Fatalf("trial %d: a path outside the list (bit %d of the best flipped) scores %.3f > %.3f", trial, i, pathMetric(soft, q), prev)
			}
		}
	}
}

// The list recovers payloads whose single best path is wrong: at a noise
// level where plain Viterbi loses some, checking 16 candidates against the
// MAC finds more, and never a wrong id.
func TestListDecodingRecoversMore(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	key := []byte("0123456789abcdef")
	var one, list int
	const trials = 300
	for range trials {
		id := ID(rng.Uint64())
		soft := make([]float32, codedBits)
		for i, b := range encode(payloadSlice(key, id)) {
			soft[i] = float32(2*int(b)-1) + 1.45*float32(rng.NormFloat64())
		}
		if got, mac := unpack(viterbi(soft)); got == id && mac == macOf(key, id) {
			one++
		}
		for _, p := range listViterbi(soft, 16) {
			got, mac := unpack(p)
			if mac != macOf(key, got) {
				continue
			}
			if got != id {
				t.Fatalf("list decoding passed the MAC with a wrong id %v (want %v)", got, id)
			}
			list++
			break
		}
	}
	t.Logf("decoded %d/%d with one path, %d/%d with 16", one, trials, list, trials)
	if list <= one || one == trials {
		t.Errorf("list decoding found %d/%d, one path %d/%d: want the list to find more at this noise", list, trials, one, trials)
	}
}
