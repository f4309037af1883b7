package audio_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/testenv"
)

// readInBlocks reads r to its end in blocks of the given sizes, in turn.
func readInBlocks(t *testing.T, r *audio.Reader, sizes []int) *audio.Buffer {
	t.Helper()
	out := &audio.Buffer{Rate: r.Rate(), BitDepth: r.BitDepth(), Format: r.Format(), Data: make([][]float32, r.Channels())}
	dst := make([][]float32, r.Channels())
	for i := 0; ; i++ {
		n := sizes[i%len(sizes)]
		for c := range dst {
			dst[c] = make([]float32, n)
		}
		got, err := r.Read(dst)
		for c := range dst {
			out.Data[c] = append(out.Data[c], dst[c][:got]...)
		}
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if got == 0 {
			t.Fatal("Read returned no frames and no error")
		}
	}
}

// TestReaderAnyBlockSize reads every format in blocks of many sizes and
// gets what a whole decode gets, sample for sample: the MP3 reader's
// trimming of the encoder's delay and padding must not depend on where
// blocks end.
func TestReaderAnyBlockSize(t *testing.T) {
	t.Parallel()
	lame := testenv.Command(t, "lame")
	dir := t.TempDir()
	src := tone(44100, 2, 1.3)
	wav := wavBytes(t, src)
	var fl bytes.Buffer
	if err := audio.EncodeFLAC(&fl, src); err != nil {
		t.Fatal(err)
	}
	w24 := tone(22050, 1, 0.7)
	w24.BitDepth = 24
	os.WriteFile(filepath.Join(dir, "in.wav"), wav, 0o644)
	mp3 := filepath.Join(dir, "out.mp3")
	if out, err := exec.Command(lame, "--quiet", "-b", "128", filepath.Join(dir, "in.wav"), mp3).CombinedOutput(); err != nil {
		t.Fatalf("lame: %v: %s", err, out)
	}
	mp3Bytes, err := os.ReadFile(mp3)
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{"wav 16 stereo": wav, "wav 24 mono": wavBytes(t, w24), "flac": fl.Bytes(), "mp3": mp3Bytes}
	for name, in := range inputs {
		whole, err := audio.Decode(bytes.NewReader(in), audio.FormatUnknown, audio.Limits{})
		if err != nil {
			t.Fatalf("%s: Decode: %v", name, err)
		}
		for _, sizes := range [][]int{{1}, {7, 1153, 2}, {4096}, {100000}} {
			r, err := audio.NewReader(bytes.NewReader(in), audio.FormatUnknown, audio.Limits{})
			if err != nil {
				t.Fatalf("%s: NewReader: %v", name, err)
			}
			got := readInBlocks(t, r, sizes)
			if got.Frames() != whole.Frames() || r.Frames() != int64(whole.Frames()) {
				t.Fatalf("%s in blocks of %v: %d frames (Frames() %d), whole decode %d", name, sizes, got.Frames(), r.Frames(), whole.Frames())
			}
			if d := maxDiff(got, whole); d != 0 {
				t.Fatalf("%s in blocks of %v: differs from the whole decode by %g", name, sizes, d)
			}
		}
	}
}

// TestReaderErrors: an empty stream ends with ErrEmpty, a long one with
// ErrTooLong once the limit is passed, and errors stay.
func TestReaderErrors(t *testing.T) {
	t.Parallel()
	good := wavBytes(t, tone(8000, 1, 3))
	r, err := audio.NewReader(bytes.NewReader(good[:44]), audio.FormatUnknown, audio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	dst := [][]float32{make([]float32, 100)}
	for range 2 {
		if n, err := r.Read(dst); n != 0 || !errors.Is(err, audio.ErrEmpty) {
			t.Fatalf("Read of a WAV without samples = %d, %v; want ErrEmpty", n, err)
		}
	}
	r, err = audio.NewReader(bytes.NewReader(good), audio.FormatUnknown, audio.Limits{MaxDuration: 1e9})
	if err != nil {
		t.Fatal(err)
	}
	var total int
	for {
		n, err := r.Read(dst)
		total += n
		if err != nil {
			if !errors.Is(err, audio.ErrTooLong) {
				t.Fatalf("Read past the limit: %v, want ErrTooLong", err)
			}
			break
		}
	}
	if total > 8000 {
		t.Fatalf("handed out %d frames under a 1 s limit at 8 kHz", total)
	}
	if _, err := r.Read([][]float32{make([]float32, 10), make([]float32, 10)}); err == nil {
		t.Fatal("Read of two channels from a mono stream succeeded")
	}
}

// hideSeek hides a writer's Seek method.
type hideSeek struct{ io.Writer }

// TestWriterStreams writes WAV and FLAC in odd blocks, to a file that
// starts mid-way (its header must be completed in place) and to a pipe-like
// writer (its length stays unknown), and decodes the same samples back.
func TestWriterStreams(t *testing.T) {
	t.Parallel()
	src := tone(22050, 2, 1.1)
	sizes := []int{1, 999, 4096, 5000, 3}
	write := func(w io.Writer, f audio.Format, h audio.Header) error {
		wr, err := audio.NewWriter(w, f, h)
		if err != nil {
			return err
		}
		for pos, i := 0, 0; pos < src.Frames(); i++ {
			end := min(src.Frames(), pos+sizes[i%len(sizes)])
			if err := wr.Write([][]float32{src.Data[0][pos:end], src.Data[1][pos:end]}); err != nil {
				return err
			}
			pos = end
		}
		return wr.Close()
	}
	h := audio.Header{Rate: src.Rate, Channels: 2, BitDepth: 16}
	for _, f := range []audio.Format{audio.FormatWAV, audio.FormatFLAC} {
		path := filepath.Join(t.TempDir(), "out")
		fh, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		fh.Write([]byte("0123456789"))
		if err := write(fh, f, h); err != nil {
			t.Fatalf("%s to a file: %v", f, err)
		}
		end, _ := fh.Seek(0, io.SeekCurrent)
		fh.Close()
		data, _ := os.ReadFile(path)
		if end != int64(len(data)) {
			t.Errorf("%s: the file is left at offset %d of %d", f, end, len(data))
		}
		data = data[10:]
		if f == audio.FormatWAV {
			riff, size := binary.LittleEndian.Uint32(data[4:]), binary.LittleEndian.Uint32(data[40:])
			if want := uint32(src.Frames() * 4); size != want || riff != want+36 {
				t.Errorf("wav header sizes RIFF %d data %d, want %d and %d", riff, size, want+36, want)
			}
		} else if n := binary.BigEndian.Uint64(data[18:26]) & (1<<36 - 1); n != uint64(src.Frames()) {
			t.Errorf("flac stream info holds %d samples, want %d", n, src.Frames())
		}
		back, err := audio.Decode(bytes.NewReader(data), audio.FormatUnknown, audio.Limits{})
		if err != nil || back.Frames() != src.Frames() || maxDiff(back, src) > 1.0/32768 {
			t.Errorf("%s from a file decodes to %v frames (err %v), want %d within a step", f, back.Frames(), err, src.Frames())
		}

		var pipe bytes.Buffer
		if err := write(hideSeek{&pipe}, f, h); err != nil {
			t.Fatalf("%s to a pipe: %v", f, err)
		}
		back, err = audio.Decode(&pipe, audio.FormatUnknown, audio.Limits{})
		if err != nil || back.Frames() != src.Frames() || maxDiff(back, src) > 1.0/32768 {
			t.Errorf("%s from a pipe decodes to %v frames (err %v), want %d within a step", f, back.Frames(), err, src.Frames())
		}

		lying := h
		lying.Frames = int64(src.Frames()) + 1
		if err := write(hideSeek{io.Discard}, f, lying); err == nil {
			t.Errorf("%s: a pipe stream shorter than announced closed without error", f)
		}
	}
}
