// Package audiotest makes music-like audio for tests and benchmarks, so
// that they need no recordings: chords that change every second, a bass on
// the beat, a brighter right channel and a little noise.
package audiotest

import (
	"math"
	"math/rand/v2"

	"github.com/keyward/keyward/internal/audio"
)

// Song returns seconds of stereo 16-bit audio at 44.1 kHz. The same seed
// gives the same samples.
func Song(seconds int, seed uint64) *audio.Buffer {
	const rate = 44100
	rng := rand.New(rand.NewPCG(seed, 7))
	n := seconds * rate
	l, r := make([]float32, n), make([]float32, n)
	chords := [][]float64{{261.6, 329.6, 392.0}, {220.0, 261.6, 329.6}, {174.6, 220.0, 261.6}, {196.0, 246.9, 293.7}}
	shift := float64(seed%5) * 0.03
	for i := 0; i < n; i++ {
		t := float64(i) / rate
		ch := chords[int(t/1.0)%len(chords)]
		beat := math.Mod(t, 0.5)
		env := math.Exp(-beat * 4)
		v := 0.0
		for k, f := range ch {
			v += 0.12 * math.Sin(2*math.Pi*f*(1+shift)*t+float64(k)) * (0.6 + 0.4*env)
		}
		v += 0.18 * math.Sin(2*math.Pi*ch[0]/2*t) * env
		v += 0.02 * (rng.Float64()*2 - 1)
		l[i] = float32(v)
		r[i] = float32(v*0.9 + 0.05*math.Sin(2*math.Pi*ch[2]*t))
	}
	return &audio.Buffer{Rate: rate, Data: [][]float32{l, r}, BitDepth: 16}
}
