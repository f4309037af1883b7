package audio_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/audio"
)

// fuzzLimits keep fuzzing fast and bound memory: a decoder that
// allocated from a lying header would blow past them.
var fuzzLimits = audio.Limits{MaxDuration: 20 * time.Second}

func checkDecoded(t *testing.T, b *audio.Buffer, err error) {
	if err != nil {
		return
	}
	if verr := b.Validate(); verr != nil {
		t.Fatalf("decoder returned an invalid buffer: %v", verr)
	}
	if b.Duration() > fuzzLimits.MaxDuration+time.Second {
		t.Fatalf("decoder returned %v, over the %v limit", b.Duration(), fuzzLimits.MaxDuration)
	}
}

func FuzzDecodeWAV(f *testing.F) {
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := audio.DecodeWAV(bytes.NewReader(data), fuzzLimits)
		checkDecoded(t, b, err)
	})
}

func FuzzDecodeFLAC(f *testing.F) {
	f.Add([]byte("fLaC"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := audio.DecodeFLAC(bytes.NewReader(data), fuzzLimits)
		checkDecoded(t, b, err)
	})
}

func FuzzDecodeMP3(f *testing.F) {
	f.Add([]byte{0xff, 0xfb, 0x90, 0x64})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := audio.DecodeMP3(bytes.NewReader(data), fuzzLimits)
		checkDecoded(t, b, err)
	})
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("ID3\x03\x00\x00\x00\x00\x00\x00fLaC"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := audio.Decode(bytes.NewReader(data), audio.FormatUnknown, fuzzLimits)
		checkDecoded(t, b, err)
	})
}
