package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/testenv"
)

// TestRunSmall runs the whole bench on two short synthetic songs with a
// few attacks, so the command keeps working; the real measurement is a
// manual run on Debian's music (README.md).
func TestRunSmall(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"ffmpeg", "lame", "sox"} {
		testenv.Command(t, tool)
	}
	dir := t.TempDir()
	for i := range 2 {
		writeSynthetic(t, filepath.Join(dir, "song"+string(rune('a'+i))+".wav"), uint64(i), 24)
	}
	cfg := defaultConfig()
	cfg.Songs = dir
	cfg.Attacks = "none,mp3-128,noise-12dB"
	cfg.Excerpts = 1
	cfg.FalsePositives = 4
	var out, errOut bytes.Buffer
	if err := run(cfg, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"songs: 2", "quality: SNR", "cpu: embed", "cli: keyward watermark embed", "mp3-128", "2/2", "excerpt-5s", "false positives: 0 ids"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("bench output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSNR(t *testing.T) {
	t.Parallel()
	a := &audio.Buffer{Rate: 1000, Data: [][]float32{make([]float32, 1000)}}
	b := &audio.Buffer{Rate: 1000, Data: [][]float32{make([]float32, 1000)}}
	for i := range a.Data[0] {
		a.Data[0][i] = float32(math.Sin(float64(i)))
		b.Data[0][i] = a.Data[0][i] * 1.01 // 40 dB
	}
	snr, seg := SNR(a, b)
	if math.Abs(snr-40) > 0.01 || math.Abs(seg-35) > 0.01 {
		t.Errorf("SNR = %.2f, segmental %.2f; want 40 and 35 (the segment cap)", snr, seg)
	}
}

func writeSynthetic(t *testing.T, path string, seed uint64, seconds int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	rate := 44100
	b := &audio.Buffer{Rate: rate, BitDepth: 16, Data: [][]float32{make([]float32, seconds*rate), make([]float32, seconds*rate)}}
	var lp float64
	for i := range b.Data[0] {
		lp = 0.9*lp + 0.1*rng.NormFloat64()
		tt := float64(i) / float64(rate)
		v := float32(0.1*math.Sin(2*math.Pi*330*tt)*(1+math.Sin(2*math.Pi*0.7*tt)) + 0.08*lp)
		b.Data[0][i], b.Data[1][i] = v, 0.9*v
	}
	var buf bytes.Buffer
	if err := audio.EncodeWAV(&buf, b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
