package watermark_test

import (
	"testing"

	"github.com/keyward/keyward/internal/watermark"
)

// The fixture testdata/marked-2026-12-05.flac is 8 s of music-like mono
// audio at 11025 Hz (audiotest.Song(8, 3), mixed down and resampled),
// marked by keyward as released on 2026-12-05 (main at ea09780):
//
//	keyward watermark embed src.wav marked-2026-12-05.flac --id 5eed1e55c0ffee01 --key-file k
//
// with k holding the line below. Engine changes must keep finding it.
const (
	fixtureKey = "keyward-fixture-key-2026-12-05"
	fixtureID  = watermark.ID(0x5eed1e55c0ffee01)
)

func TestFindsMarksOfEarlierReleases(t *testing.T) {
	t.Parallel()
	m := mustMarker(t, watermark.Config{Key: []byte(fixtureKey)})
	b := decodeFile(t, "testdata/marked-2026-12-05.flac")
	for _, tt := range []struct {
		name    string
		samples [][]float32
	}{
		{"as marked", b.Data},
		{"noise at 30 dB", addNoise(b.Rate, b.Data, 30, 1).Data},
	} {
		rs, err := m.Detect(tt.samples, b.Rate)
		if err != nil {
			t.Fatalf("%s: Detect: %v", tt.name, err)
		}
		if len(rs) != 1 || rs[0].ID != fixtureID {
			t.Errorf("%s: Detect = %+v, want exactly %v", tt.name, rs, fixtureID)
		}
	}
	other := mustMarker(t, watermark.Config{Key: []byte(fixtureKey + "x")})
	if rs, err := other.Detect(b.Data, b.Rate); err != nil || len(rs) != 0 {
		t.Errorf("another key found %+v, %v; want nothing", rs, err)
	}
}
