package watermark

import (
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
