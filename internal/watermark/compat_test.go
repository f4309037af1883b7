package watermark_test

import (
	"testing"

	"github.com/keyward/keyward/internal/watermark"
)

// The fixtures in testdata are music-like mono audio at 11025 Hz, marked
// by earlier releases of keyward with
//
//	keyward watermark embed src.wav FIXTURE --id ID --key-file k
//
// with k holding the fixture's key. Engine changes must keep finding them.
//
//   - marked-2026-12-05.flac: 8 s of audiotest.Song(8, 3), mixed down and
//     resampled, marked by main at ea09780.
//   - marked-2026-12-05b.flac: 8 s of audiotest.Song(8, 5), mixed down and
//     resampled with sox, marked by main at ab23c10, the last release
//     before the informed embedding and the list decoder.
var fixtures = []struct {
	file, key string
	id        watermark.ID
}{
	{"marked-2026-12-05.flac", "keyward-fixture-key-2026-12-05", 0x5eed1e55c0ffee01},
	{"marked-2026-12-05b.flac", "keyward-fixture-key-2026-12-05b", 0x5eed1e55c0ffee02},
}

func TestFindsMarksOfEarlierReleases(t *testing.T) {
	t.Parallel()
	for _, fx := range fixtures {
		m := mustMarker(t, watermark.Config{Key: []byte(fx.key)})
		b := decodeFile(t, "testdata/"+fx.file)
		for _, tt := range []struct {
			name    string
			samples [][]float32
		}{
			{"as marked", b.Data},
			{"noise at 30 dB", addNoise(b.Rate, b.Data, 30, 1).Data},
		} {
			rs, err := m.Detect(tt.samples, b.Rate)
			if err != nil {
				t.Fatalf("%s %s: Detect: %v", fx.file, tt.name, err)
			}
			if len(rs) != 1 || rs[0].ID != fx.id {
				t.Errorf("%s %s: Detect = %+v, want exactly %v", fx.file, tt.name, rs, fx.id)
			}
		}
		other := mustMarker(t, watermark.Config{Key: []byte(fx.key + "x")})
		if rs, err := other.Detect(b.Data, b.Rate); err != nil || len(rs) != 0 {
			t.Errorf("%s: another key found %+v, %v; want nothing", fx.file, rs, err)
		}
	}
}
