package watermark_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/keyward/keyward/internal/watermark"
)

var testKey = []byte("keyward test key, not a secret!!")

func mustMarker(t testing.TB, cfg watermark.Config) *watermark.Marker {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = testKey
	}
	m, err := watermark.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

func Example() {
	m, err := watermark.New(watermark.Config{Key: []byte("a secret of at least 16 bytes")})
	if err != nil {
		panic(err)
	}
	// Ten seconds of music-like stereo at 44.1 kHz.
	samples := music(1, 10, 44100, 2)
	id, _ := watermark.ParseID("0123456789abcdef")
	if err := m.Embed(samples, 44100, id); err != nil {
		panic(err)
	}
	results, err := m.Detect(samples, 44100)
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Println("found", r.ID, "confident:", r.Confidence > 0.5)
	}
	// Output: found 0123456789abcdef confident: true
}

func TestEmbedDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		rate, ch int
		seconds  float64
	}{
		{"8 kHz mono", 8000, 1, 12},
		{"22.05 kHz stereo", 22050, 2, 12},
		{"44.1 kHz stereo", 44100, 2, 12},
		{"48 kHz stereo", 48000, 2, 12},
		{"96 kHz 6 channels", 96000, 6, 8},
		{"11.025 kHz mono", 11025, 1, 6},
	}
	m := mustMarker(t, watermark.Config{})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			orig := music(uint64(i), tt.seconds, tt.rate, tt.ch)
			x := clone(orig)
			id := watermark.ID(0xfeedface00000000 + uint64(i))
			if err := m.Embed(x, tt.rate, id); err != nil {
				t.Fatalf("Embed: %v", err)
			}
			if q := snr(orig, x); q < 27 || q > 35 {
				t.Errorf("SNR of marked signal %.1f dB, want 27–35", q)
			}
			rs, err := m.Detect(x, tt.rate)
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if len(rs) != 1 || rs[0].ID != id {
				t.Fatalf("Detect = %+v, want exactly %v", rs, id)
			}
			if rs[0].Speed != 1 {
				t.Errorf("Detect speed %v, want 1", rs[0].Speed)
			}
		})
	}
}

func TestDeterministicAndStreaming(t *testing.T) {
	t.Parallel()
	m := mustMarker(t, watermark.Config{})
	orig := music(7, 40, 44100, 2)
	a, b := clone(orig), clone(orig)
	if err := m.Embed(a, 44100, 99); err != nil {
		t.Fatal(err)
	}
	if err := m.Embed(b, 44100, 99); err != nil {
		t.Fatal(err)
	}
	// The streaming embedder, fed in odd-sized chunks, gives the same.
	e, err := m.NewEmbedder(44100, 2, 99)
	if err != nil {
		t.Fatal(err)
	}
	var got [2][]float32
	add := func(out [][]float32) {
		for c := range out {
			got[c] = append(got[c], out[c]...)
		}
	}
	for pos, step := 0, 1; pos < len(orig[0]); step = step*3 + 1 {
		step = step % 30011
		end := min(len(orig[0]), pos+step)
		out, err := e.Write([][]float32{orig[0][pos:end], orig[1][pos:end]})
		if err != nil {
			t.Fatalf("Write: %v", err)
		}
		add(out)
		pos = end
	}
	out, err := e.Flush()
	if err != nil {
		t.Fatalf("Flush: %v", err)
	}
	add(out)
	for c := range a {
		if len(got[c]) != len(a[c]) {
			t.Fatalf("streamed channel %d has %d samples, want %d", c, len(got[c]), len(a[c]))
		}
		for i := range a[c] {
			if a[c][i] != b[c][i] {
				t.Fatalf("two Embeds differ at channel %d sample %d", c, i)
			}
			if a[c][i] != got[c][i] {
				t.Fatalf("streamed output differs at channel %d sample %d: %v vs %v", c, i, got[c][i], a[c][i])
			}
		}
	}
}

func TestNoFalseDetections(t *testing.T) {
	t.Parallel()
	m := mustMarker(t, watermark.Config{})
	other := mustMarker(t, watermark.Config{Key: []byte("a different key, just as long!!")})
	marked := music(3, 15, 44100, 2)
	if err := other.Embed(marked, 44100, 1234); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		samples [][]float32
	}{
		{"unmarked music", music(4, 15, 44100, 2)},
		{"marked under another key", marked},
		{"silence", make([][]float32, 2)},
		{"short silence", [][]float32{make([]float32, 1000)}},
	}
	tests[2].samples[0] = make([]float32, 44100*5)
	tests[2].samples[1] = make([]float32, 44100*5)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs, err := m.Detect(tt.samples, 44100)
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if len(rs) != 0 {
				t.Fatalf("Detect = %+v, want nothing", rs)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	m := mustMarker(t, watermark.Config{})
	tests := []struct {
		name    string
		samples [][]float32
		rate    int
		want    error
	}{
		{"no channels", nil, 44100, watermark.ErrInput},
		{"ragged", [][]float32{make([]float32, 10), make([]float32, 11)}, 44100, watermark.ErrInput},
		{"rate too low", [][]float32{make([]float32, 100000)}, 1000, watermark.ErrInput},
		{"rate too high", [][]float32{make([]float32, 100000)}, 1_000_000, watermark.ErrInput},
		{"too short to mark", [][]float32{make([]float32, 44100)}, 44100, watermark.ErrTooShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := m.Embed(tt.samples, tt.rate, 1); !errors.Is(err, tt.want) {
				t.Errorf("Embed error = %v, want %v", err, tt.want)
			}
			if tt.want == watermark.ErrInput {
				if _, err := m.Detect(tt.samples, tt.rate); !errors.Is(err, tt.want) {
					t.Errorf("Detect error = %v, want %v", err, tt.want)
				}
			}
		})
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  watermark.Config
		ok   bool
	}{
		{"defaults", watermark.Config{Key: testKey}, true},
		{"short key", watermark.Config{Key: []byte("short")}, false},
		{"no key", watermark.Config{}, false},
		{"negative strength", watermark.Config{Key: testKey, Strength: -1}, false},
		{"huge strength", watermark.Config{Key: testKey, Strength: 10}, false},
		{"no speed search", watermark.Config{Key: testKey, SpeedSearch: -1}, true},
		{"huge speed search", watermark.Config{Key: testKey, SpeedSearch: 0.5}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := watermark.New(tt.cfg)
			if (err == nil) != tt.ok {
				t.Errorf("New(%s) error = %v, want ok=%v", tt.name, err, tt.ok)
			}
		})
	}
}

func TestParseID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want watermark.ID
		ok   bool
	}{
		{"0123456789abcdef", 0x0123456789abcdef, true},
		{"ff", 0xff, true},
		{"FFFFFFFFFFFFFFFF", 0xffffffffffffffff, true},
		{"", 0, false},
		{"0123456789abcdef0", 0, false},
		{"xyz", 0, false},
	}
	for _, tt := range tests {
		got, err := watermark.ParseID(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseID(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if tt.ok && got.String() != fmt.Sprintf("%016x", uint64(tt.want)) {
			t.Errorf("ID(%x).String() = %q", uint64(got), got.String())
		}
	}
}
