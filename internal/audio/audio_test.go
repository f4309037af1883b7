package audio_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/testenv"
)

// tone returns channels of sines (a different frequency per channel).
func tone(rate, channels int, seconds float64) *audio.Buffer {
	n := int(seconds * float64(rate))
	b := &audio.Buffer{Rate: rate, BitDepth: 16, Data: make([][]float32, channels)}
	for c := range b.Data {
		b.Data[c] = make([]float32, n)
		f := 440.0 * float64(c+1)
		for i := range n {
			b.Data[c][i] = float32(0.5 * math.Sin(2*math.Pi*f*float64(i)/float64(rate)))
		}
	}
	return b
}

func maxDiff(a, b *audio.Buffer) float64 {
	var m float64
	for c := range a.Data {
		for i := range a.Data[c] {
			m = math.Max(m, math.Abs(float64(a.Data[c][i]-b.Data[c][i])))
		}
	}
	return m
}

func TestWAVRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		bits     int
		rate, ch int
		tol      float64
	}{
		{"pcm8 mono 8k", 8, 8000, 1, 1.0 / 100},
		{"pcm16 stereo 44.1k", 16, 44100, 2, 1.0 / 30000},
		{"pcm24 6ch 96k", 24, 96000, 6, 1e-6},
		{"pcm32 stereo 48k", 32, 48000, 2, 1e-7},
		{"float32 stereo 22.05k", -32, 22050, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := tone(tt.rate, tt.ch, 0.25)
			in.BitDepth = tt.bits
			var buf bytes.Buffer
			if err := audio.EncodeWAV(&buf, in); err != nil {
				t.Fatalf("EncodeWAV: %v", err)
			}
			out, err := audio.Decode(bytes.NewReader(buf.Bytes()), audio.FormatUnknown, audio.Limits{})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if out.Format != audio.FormatWAV || out.Rate != tt.rate || out.Channels() != tt.ch || out.Frames() != in.Frames() {
				t.Fatalf("Decode = %s %d Hz %d ch %d frames, want wav %d Hz %d ch %d frames",
					out.Format, out.Rate, out.Channels(), out.Frames(), tt.rate, tt.ch, in.Frames())
			}
			if d := maxDiff(in, out); d > tt.tol {
				t.Errorf("round trip max error %g, want ≤ %g", d, tt.tol)
			}
		})
	}
}

func TestFLACRoundTrip(t *testing.T) {
	t.Parallel()
	for _, bits := range []int{16, 24} {
		in := tone(44100, 2, 0.5)
		in.BitDepth = bits
		var buf bytes.Buffer
		if err := audio.EncodeFLAC(&buf, in); err != nil {
			t.Fatalf("EncodeFLAC(%d bits): %v", bits, err)
		}
		out, err := audio.Decode(bytes.NewReader(buf.Bytes()), audio.FormatUnknown, audio.Limits{})
		if err != nil {
			t.Fatalf("Decode(flac %d bits): %v", bits, err)
		}
		if out.Format != audio.FormatFLAC || out.Frames() != in.Frames() || out.BitDepth != bits {
			t.Fatalf("Decode(flac) = %s %d frames %d bits, want flac %d frames %d bits", out.Format, out.Frames(), out.BitDepth, in.Frames(), bits)
		}
		if d := maxDiff(in, out); d > 1.0/30000 {
			t.Errorf("flac %d-bit round trip max error %g", bits, d)
		}
	}
}

// TestFLACWithReferenceTool checks our FLAC against the reference flac
// tool in both directions.
func TestFLACWithReferenceTool(t *testing.T) {
	t.Parallel()
	flac := testenv.Command(t, "flac")
	dir := t.TempDir()
	in := tone(48000, 2, 0.5)
	var buf bytes.Buffer
	if err := audio.EncodeFLAC(&buf, in); err != nil {
		t.Fatal(err)
	}
	ours := filepath.Join(dir, "ours.flac")
	os.WriteFile(ours, buf.Bytes(), 0o644)
	if out, err := exec.Command(flac, "-s", "-t", ours).CombinedOutput(); err != nil {
		t.Fatalf("flac -t rejects our FLAC: %v: %s", err, out)
	}
	wav := filepath.Join(dir, "in.wav")
	var wb bytes.Buffer
	audio.EncodeWAV(&wb, in)
	os.WriteFile(wav, wb.Bytes(), 0o644)
	theirs := filepath.Join(dir, "theirs.flac")
	if out, err := exec.Command(flac, "-s", "-8", "-o", theirs, wav).CombinedOutput(); err != nil {
		t.Fatalf("flac encode: %v: %s", err, out)
	}
	got := mustDecodeFile(t, theirs)
	if got.Frames() != in.Frames() || maxDiff(in, got) > 1.0/30000 {
		t.Errorf("decode of reference FLAC: %d frames (want %d), max error %g", got.Frames(), in.Frames(), maxDiff(in, got))
	}
}

func mustDecodeFile(t *testing.T, path string) *audio.Buffer {
	t.Helper()
	b, err := audio.DecodeFile(path, audio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMP3FromLame decodes lame's output and checks that the LAME tag's
// delay is trimmed, so the decoded signal lines up with its source.
func TestMP3FromLame(t *testing.T) {
	t.Parallel()
	lame := testenv.Command(t, "lame")
	tests := []struct {
		name string
		rate int
		ch   int
		args []string
	}{
		{"44.1k stereo cbr", 44100, 2, []string{"-b", "128"}},
		{"22.05k mono vbr", 22050, 1, []string{"-V", "5", "-m", "m"}},
		{"48k stereo no tag", 48000, 2, []string{"-b", "160", "-t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			// A click train: easy to locate after coding.
			in := &audio.Buffer{Rate: tt.rate, BitDepth: 16, Data: make([][]float32, tt.ch)}
			n := tt.rate * 2
			for c := range in.Data {
				in.Data[c] = make([]float32, n)
				for i := tt.rate / 4; i+40 < n; i += tt.rate / 4 {
					for k := range 40 {
						in.Data[c][i+k] = float32(0.6 * math.Sin(float64(k)*0.5) * math.Exp(-float64(k)/10))
					}
				}
			}
			var wb bytes.Buffer
			audio.EncodeWAV(&wb, in)
			wav, mp3 := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.mp3")
			os.WriteFile(wav, wb.Bytes(), 0o644)
			if out, err := exec.Command(lame, append(append([]string{"--quiet"}, tt.args...), wav, mp3)...).CombinedOutput(); err != nil {
				t.Fatalf("lame: %v: %s", err, out)
			}
			got := mustDecodeFile(t, mp3)
			if got.Format != audio.FormatMP3 || got.Rate != tt.rate || got.Channels() != tt.ch {
				t.Fatalf("Decode = %s %d Hz %d ch, want mp3 %d Hz %d ch", got.Format, got.Rate, got.Channels(), tt.rate, tt.ch)
			}
			lag := bestLag(in.Data[0], got.Data[0], 3000)
			tol := 2
			if slicesContains(tt.args, "-t") {
				tol = 1200 // without a tag the delay is a guess
			}
			if lag < -tol || lag > tol {
				t.Errorf("decoded MP3 lags its source by %d samples, want |lag| ≤ %d", lag, tol)
			}
			if d := got.Frames() - in.Frames(); !slicesContains(tt.args, "-t") && (d < 0 || d > 1152) {
				t.Errorf("decoded %d frames for %d in", got.Frames(), in.Frames())
			}
		})
	}
}

// TestMP3MPEG25 checks that an MPEG 2.5 file (8 kHz), which the decoder
// cannot read, is refused cleanly as unsupported.
func TestMP3MPEG25(t *testing.T) {
	t.Parallel()
	lame := testenv.Command(t, "lame")
	dir := t.TempDir()
	wav, mp3 := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.mp3")
	os.WriteFile(wav, wavBytes(t, tone(8000, 1, 1)), 0o644)
	if out, err := exec.Command(lame, "--quiet", "-b", "16", wav, mp3).CombinedOutput(); err != nil {
		t.Fatalf("lame: %v: %s", err, out)
	}
	f, err := os.Open(mp3)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := audio.Decode(f, audio.FormatUnknown, audio.Limits{}); !errors.Is(err, audio.ErrUnsupported) {
		t.Fatalf("Decode(8 kHz MP3) error = %v, want ErrUnsupported", err)
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// bestLag returns the lag of b against a in [-maxLag, maxLag] with the
// highest correlation.
func bestLag(a, b []float32, maxLag int) int {
	best, bestV := 0, math.Inf(-1)
	for lag := -maxLag; lag <= maxLag; lag++ {
		var v float64
		for i := 0; i < len(a); i += 2 {
			j := i + lag
			if j >= 0 && j < len(b) {
				v += float64(a[i]) * float64(b[j])
			}
		}
		if v > bestV {
			best, bestV = lag, v
		}
	}
	return best
}

// TestDecodeToolOutputs decodes what sox and ffmpeg write.
func TestDecodeToolOutputs(t *testing.T) {
	t.Parallel()
	sox := testenv.Command(t, "sox")
	tests := []struct {
		name string
		args []string
		rate int
		ch   int
	}{
		{"sox 8k mono u8", []string{"-n", "-r", "8000", "-c", "1", "-e", "unsigned", "-b", "8", "%s", "synth", "1", "sine", "440"}, 8000, 1},
		{"sox 96k 6ch 24bit", []string{"-n", "-r", "96000", "-c", "6", "-b", "24", "%s", "synth", "0.5", "sine", "1000"}, 96000, 6},
		{"sox float", []string{"-n", "-r", "44100", "-c", "2", "-e", "floating-point", "-b", "32", "%s", "synth", "0.5", "pinknoise"}, 44100, 2},
		{"sox silence", []string{"-n", "-r", "44100", "-c", "2", "%s", "trim", "0", "1"}, 44100, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "x.wav")
			args := make([]string, len(tt.args))
			for i, a := range tt.args {
				if a == "%s" {
					a = out
				}
				args[i] = a
			}
			if o, err := exec.Command(sox, args...).CombinedOutput(); err != nil {
				t.Fatalf("sox: %v: %s", err, o)
			}
			b := mustDecodeFile(t, out)
			if b.Rate != tt.rate || b.Channels() != tt.ch || b.Frames() == 0 {
				t.Errorf("Decode = %d Hz %d ch %d frames, want %d Hz %d ch", b.Rate, b.Channels(), b.Frames(), tt.rate, tt.ch)
			}
		})
	}
}

func wavBytes(t *testing.T, b *audio.Buffer) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := audio.EncodeWAV(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// errAny marks inputs where an error and a (valid) buffer are both fine:
// what matters is that the decoder neither panics nor over-allocates.
var errAny = errors.New("any")

func TestDecodeBadInput(t *testing.T) {
	t.Parallel()
	good := wavBytes(t, tone(8000, 1, 0.5))
	lying := bytes.Clone(good)
	lying[40], lying[41], lying[42], lying[43] = 0xff, 0xff, 0xff, 0x7f // data size 2 GiB
	hugeCh := bytes.Clone(good)
	hugeCh[22], hugeCh[23] = 0xff, 0x00 // 255 channels
	zeroRate := bytes.Clone(good)
	copy(zeroRate[24:28], []byte{0, 0, 0, 0})
	var flacBuf bytes.Buffer
	audio.EncodeFLAC(&flacBuf, tone(8000, 1, 2))
	tests := []struct {
		name    string
		in      []byte
		wantErr error // nil: must decode
	}{
		{"empty", nil, audio.ErrEmpty},
		{"garbage", []byte("hello, this is not audio at all"), audio.ErrFormat},
		{"riff header only", good[:12], audio.ErrFormat},
		{"header without samples", good[:44], audio.ErrEmpty},
		{"truncated data", good[:44+1001], nil},
		{"lying data size", lying, nil},
		{"255 channels", hugeCh, audio.ErrUnsupported},
		{"zero sample rate", zeroRate, audio.ErrUnsupported},
		{"truncated flac", flacBuf.Bytes()[:flacBuf.Len()/2], nil},
		{"flac header only", flacBuf.Bytes()[:42], audio.ErrEmpty},
		{"mp3 sync then zeros", append([]byte{0xff, 0xfb, 0x90, 0x64}, make([]byte, 500)...), errAny},
		{"mp3 sync then junk", append([]byte{0xff, 0xfb, 0x90, 0x64}, bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 300)...), errAny},
		{"id3 tag only", []byte("ID3\x03\x00\x00\x00\x00\x00\x10" + string(make([]byte, 16))), audio.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := audio.Decode(bytes.NewReader(tt.in), audio.FormatUnknown, audio.Limits{})
			if tt.wantErr == errAny {
				if err == nil && b.Validate() != nil {
					t.Fatalf("Decode returned an invalid buffer: %v", b.Validate())
				}
				return
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Decode: %v, want samples", err)
				}
				if b.Frames() == 0 {
					t.Fatal("Decode returned no samples")
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Decode error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestDecodeDurationLimit(t *testing.T) {
	t.Parallel()
	data := wavBytes(t, tone(8000, 1, 3))
	_, err := audio.Decode(bytes.NewReader(data), audio.FormatUnknown, audio.Limits{MaxDuration: time.Second})
	if !errors.Is(err, audio.ErrTooLong) {
		t.Fatalf("Decode of 3 s with a 1 s limit: %v, want ErrTooLong", err)
	}
	var fb bytes.Buffer
	audio.EncodeFLAC(&fb, tone(8000, 1, 3))
	_, err = audio.Decode(&fb, audio.FormatUnknown, audio.Limits{MaxDuration: time.Second})
	if !errors.Is(err, audio.ErrTooLong) {
		t.Fatalf("Decode of 3 s FLAC with a 1 s limit: %v, want ErrTooLong", err)
	}
}

// TestDecodeHourLong streams an hour of 8 kHz mono through the decoder
// without ever holding the file: the default limit refuses it, a raised
// limit takes it.
func TestDecodeHourLong(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("short")
	}
	const rate, secs = 8000, 3600
	mk := func() *silentWAV { return newSilentWAV(rate, secs) }
	if _, err := audio.Decode(mk(), audio.FormatUnknown, audio.Limits{}); !errors.Is(err, audio.ErrTooLong) {
		t.Fatalf("hour-long WAV under the default limit: %v, want ErrTooLong", err)
	}
	b, err := audio.Decode(mk(), audio.FormatUnknown, audio.Limits{MaxDuration: 2 * time.Hour})
	if err != nil {
		t.Fatalf("hour-long WAV under a 2 h limit: %v", err)
	}
	if b.Frames() != rate*secs {
		t.Fatalf("decoded %d frames, want %d", b.Frames(), rate*secs)
	}
}
