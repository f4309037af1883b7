package watermark_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/testenv"
	"github.com/keyward/keyward/internal/watermark"
)

// ascMusic is the Debian package asc-music: three real songs, MP3 at
// 22.05 kHz, small enough for every CI run (the bench uses more music).
const ascMusic = "/usr/share/games/asc/music"

type song struct {
	name   string
	rate   int
	orig   [][]float32
	marked [][]float32
	id     watermark.ID
	wav    string
}

func decodeFile(t testing.TB, path string) *audio.Buffer {
	t.Helper()
	b, err := audio.DecodeFile(path, audio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeWAV(t testing.TB, path string, rate int, data [][]float32) {
	t.Helper()
	var buf bytes.Buffer
	if err := audio.EncodeWAV(&buf, &audio.Buffer{Rate: rate, BitDepth: 16, Data: data}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func excerpt(data [][]float32, start, n int) [][]float32 {
	out := make([][]float32, len(data))
	for c, ch := range data {
		out[c] = ch[start : start+n]
	}
	return out
}

// loadSongs returns 40 s from the middle of each asc-music song and one
// synthetic song, each marked with an id of its own.
func loadSongs(t *testing.T, m *watermark.Marker, dir string) []*song {
	t.Helper()
	var songs []*song
	for _, name := range []string{"frontiers.mp3", "machine_wars.mp3", "time_to_strike.mp3"} {
		b := decodeFile(t, testenv.Path(t, filepath.Join(ascMusic, name)))
		n := 40 * b.Rate
		start := (b.Frames() - n) / 2
		songs = append(songs, &song{name: name, rate: b.Rate, orig: excerpt(b.Data, start, n)})
	}
	songs = append(songs, &song{name: "synthetic", rate: 44100, orig: music(11, 40, 44100, 2)})
	for i, s := range songs {
		s.id = watermark.ID(0xa5a5000000000000 | uint64(i)<<8 | 0x42)
		s.marked = clone(s.orig)
		if err := m.Embed(s.marked, s.rate, s.id); err != nil {
			t.Fatalf("Embed %s: %v", s.name, err)
		}
		if q := snr(s.orig, s.marked); q < 28 {
			t.Errorf("%s: SNR %.1f dB, want ≥ 28", s.name, q)
		}
		s.wav = filepath.Join(dir, fmt.Sprintf("song%d.wav", i))
		writeWAV(t, s.wav, s.rate, s.marked)
	}
	return songs
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v: %s", name, args, err, out)
	}
}

// TestAttacks runs real codecs and effects on marked real music.
func TestAttacks(t *testing.T) {
	t.Parallel()
	lame := testenv.Command(t, "lame")
	ffmpeg := testenv.Command(t, "ffmpeg")
	sox := testenv.Command(t, "sox")
	m := mustMarker(t, watermark.Config{})
	songs := loadSongs(t, m, t.TempDir())
	viaFFmpeg := func(ext string, codec ...string) func(t *testing.T, dir string, s *song) *audio.Buffer {
		return func(t *testing.T, dir string, s *song) *audio.Buffer {
			enc, dec := filepath.Join(dir, "e."+ext), filepath.Join(dir, "d.wav")
			run(t, ffmpeg, append(append([]string{"-nostdin", "-loglevel", "error", "-y", "-i", s.wav}, codec...), enc)...)
			run(t, ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-i", enc, dec)
			return decodeFile(t, dec)
		}
	}
	viaSox := func(effect ...string) func(t *testing.T, dir string, s *song) *audio.Buffer {
		return func(t *testing.T, dir string, s *song) *audio.Buffer {
			out := filepath.Join(dir, "s.wav")
			run(t, sox, append([]string{s.wav, "-b", "16", out}, effect...)...)
			return decodeFile(t, out)
		}
	}
	viaLame := func(args ...string) func(t *testing.T, dir string, s *song) *audio.Buffer {
		return func(t *testing.T, dir string, s *song) *audio.Buffer {
			out := filepath.Join(dir, "l.mp3")
			run(t, lame, append(append([]string{"--quiet"}, args...), s.wav, out)...)
			return decodeFile(t, out) // keyward's own MP3 decoder
		}
	}
	tests := []struct {
		name   string
		attack func(t *testing.T, dir string, s *song) *audio.Buffer
	}{
		{"mp3 128", viaLame("-b", "128")},
		{"mp3 48", viaLame("-b", "48")},
		{"aac 64", viaFFmpeg("m4a", "-c:a", "aac", "-b:a", "64k")},
		{"ogg q0", viaFFmpeg("ogg", "-c:a", "libvorbis", "-q:a", "0")},
		{"opus 32", viaFFmpeg("opus", "-c:a", "libopus", "-b:a", "32k")},
		{"resample 48k", viaSox("rate", "48000")},
		{"mono", viaSox("remix", "-")},
		{"lowpass 4k", viaSox("lowpass", "4000")},
		{"compand", viaSox("compand", "0.3,1", "6:-70,-60,-20", "-5", "-90", "0.2")},
		{"speed +2%", viaSox("speed", "1.02")},
		{"speed -3%", viaSox("speed", "0.97")},
		{"noise 12 dB", func(t *testing.T, dir string, s *song) *audio.Buffer {
			return addNoise(s.rate, s.marked, 12, 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, s := range songs {
				b := tt.attack(t, t.TempDir(), s)
				rs, err := m.Detect(b.Data, b.Rate)
				if err != nil {
					t.Fatalf("%s: Detect: %v", s.name, err)
				}
				if len(rs) != 1 || rs[0].ID != s.id {
					t.Errorf("%s after %s: Detect = %+v, want %v", s.name, tt.name, rs, s.id)
				}
			}
		})
	}
	t.Run("excerpts after mp3 128", func(t *testing.T) {
		t.Parallel()
		for i, s := range songs {
			b := viaLame("-b", "128")(t, t.TempDir(), s)
			rng := rand.New(rand.NewPCG(uint64(i), 9))
			for _, secs := range []int{10, 5, 5, 5} {
				n := secs * b.Rate
				start := rng.IntN(b.Frames() - n)
				rs, err := m.Detect(excerpt(b.Data, start, n), b.Rate)
				if err != nil || len(rs) != 1 || rs[0].ID != s.id {
					t.Errorf("%s: %d s excerpt at %.1f s: Detect = %+v, %v; want %v", s.name, secs, float64(start)/float64(b.Rate), rs, err, s.id)
				}
			}
		}
	})
}

// TestNoFalsePositivesOnMusic scans unmarked real music.
func TestNoFalsePositivesOnMusic(t *testing.T) {
	t.Parallel()
	m := mustMarker(t, watermark.Config{})
	rng := rand.New(rand.NewPCG(2, 2))
	for _, name := range []string{"frontiers.mp3", "machine_wars.mp3", "time_to_strike.mp3"} {
		b := decodeFile(t, testenv.Path(t, filepath.Join(ascMusic, name)))
		for range 8 {
			n := int((5 + 25*rng.Float64()) * float64(b.Rate))
			start := rng.IntN(b.Frames() - n)
			rs, err := m.Detect(excerpt(b.Data, start, n), b.Rate)
			if err != nil || len(rs) != 0 {
				t.Errorf("%s at %d+%d: Detect = %+v, %v; want nothing", name, start, n, rs, err)
			}
		}
	}
}

func addNoise(rate int, data [][]float32, snrDB float64, seed uint64) *audio.Buffer {
	var p float64
	var n int
	for _, ch := range data {
		for _, v := range ch {
			p += float64(v) * float64(v)
		}
		n += len(ch)
	}
	sd := math.Sqrt(p / float64(n) / math.Pow(10, snrDB/10))
	rng := rand.New(rand.NewPCG(seed, 3))
	out := &audio.Buffer{Rate: rate, Data: make([][]float32, len(data))}
	for c, ch := range data {
		out.Data[c] = make([]float32, len(ch))
		for i, v := range ch {
			out.Data[c][i] = v + float32(sd*rng.NormFloat64())
		}
	}
	return out
}
