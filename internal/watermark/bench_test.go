package watermark

import (
	"math"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
)

func benchSignal(seconds, rate, channels int) [][]float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([][]float32, channels)
	n := seconds * rate
	for c := range out {
		out[c] = make([]float32, n)
		var lp float32
		for i := range out[c] {
			lp = 0.9*lp + 0.1*float32(rng.NormFloat64())
			out[c][i] = 0.3 * lp
		}
	}
	return out
}

func BenchmarkEmbed60s(b *testing.B) {
	m, err := New(Config{Key: []byte("benchmark key 0123456789")})
	if err != nil {
		b.Fatal(err)
	}
	sig := benchSignal(60, 44100, 2)
	b.ResetTimer()
	for b.Loop() {
		if err := m.Embed(sig, 44100, 42); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDetect60s(b *testing.B) {
	m, err := New(Config{Key: []byte("benchmark key 0123456789")})
	if err != nil {
		b.Fatal(err)
	}
	sig := benchSignal(60, 44100, 2)
	if err := m.Embed(sig, 44100, 42); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Detect(sig, 44100); err != nil {
			b.Fatal(err)
		}
	}
}

func cpuNow() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkCPU3min reports the least CPU seconds (not wall time, which the shared
// machine makes noisy) of Embed and Detect on three minutes of 44.1 kHz
// stereo.
func BenchmarkCPU3min(b *testing.B) {
	m, err := New(Config{Key: []byte("benchmark key 0123456789")})
	if err != nil {
		b.Fatal(err)
	}
	sig := benchSignal(180, 44100, 2)
	runtime.GC()
	// The minimum over iterations is the least disturbed by other work on
	// a shared machine.
	emb, det := math.Inf(1), math.Inf(1)
	for b.Loop() {
		c0 := cpuNow()
		if err := m.Embed(sig, 44100, 42); err != nil {
			b.Fatal(err)
		}
		c1 := cpuNow()
		if _, err := m.Detect(sig, 44100); err != nil {
			b.Fatal(err)
		}
		c2 := cpuNow()
		emb = math.Min(emb, c1-c0)
		det = math.Min(det, c2-c1)
	}
	b.ReportMetric(emb, "embed-cpu-s")
	b.ReportMetric(det, "detect-cpu-s")
}

// BenchmarkCPUUnmarked3min reports the CPU seconds of Detect on three
// minutes of unmarked audio, where the whole speed search runs.
func BenchmarkCPUUnmarked3min(b *testing.B) {
	m, err := New(Config{Key: []byte("benchmark key 0123456789")})
	if err != nil {
		b.Fatal(err)
	}
	sig := benchSignal(180, 44100, 2)
	var det float64
	for b.Loop() {
		c0 := cpuNow()
		if _, err := m.Detect(sig, 44100); err != nil {
			b.Fatal(err)
		}
		det += cpuNow() - c0
	}
	b.ReportMetric(det/float64(b.N), "detect-cpu-s")
}
