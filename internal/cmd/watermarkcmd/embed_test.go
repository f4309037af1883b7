package watermarkcmd

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/cmdtest"
	"github.com/keyward/keyward/internal/watermark"
)

func TestNewCmdEmbed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    string
		want    EmbedOptions
		wantErr string
	}{
		{name: "wav", args: "in.mp3 out.wav --id ff", want: EmbedOptions{In: "in.mp3", Out: "out.wav", ID: 0xff, Strength: 1, Format: "wav"}},
		{name: "flac by name", args: "in.wav OUT.FLAC --id 0123456789abcdef", want: EmbedOptions{In: "in.wav", Out: "OUT.FLAC", ID: 0x0123456789abcdef, Strength: 1, Format: "flac"}},
		{name: "format flag", args: "in.wav - --id 1 --format flac --strength 2", want: EmbedOptions{In: "in.wav", Out: "-", ID: 1, Strength: 2, Format: "flac"}},
		{name: "no id", args: "in.wav out.wav", wantErr: "--id is required"},
		{name: "bad id", args: "in.wav out.wav --id xyz", wantErr: "--id"},
		{name: "long id", args: "in.wav out.wav --id 0123456789abcdef0", wantErr: "--id"},
		{name: "bad strength", args: "in.wav out.wav --id 1 --strength 9", wantErr: "--strength"},
		{name: "bad format", args: "in.wav out.wav --id 1 --format mp3", wantErr: "wav|flac"},
		{name: "one arg", args: "in.wav --id 1", wantErr: "accepts 2 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := cmdtest.Parse(t, setup(t, nil).f, newCmdEmbed, tt.args, tt.wantErr)
			if err == nil && (got.In != tt.want.In || got.Out != tt.want.Out || got.ID != tt.want.ID || got.Strength != tt.want.Strength || got.Format != tt.want.Format) {
				t.Errorf("embed %s: options %+v, want %+v", tt.args, *got, tt.want)
			}
		})
	}
}

// TestEmbedRun marks a real file, in both output formats, and checks the
// result with the engine.
func TestEmbedRun(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"wav", "flac"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			b := setup(t, map[string]string{KeyEnv: testKey})
			in := writeSong(t, b.dir, 8, 22050, 2)
			out := filepath.Join(b.dir, "marked."+format)
			opts := &EmbedOptions{Factory: b.f, In: in, Out: out, ID: 0xabc, Strength: 1, Format: format}
			selectJSON(t, &opts.Exporter, embedFields)
			if err := embedRun(opts); err != nil {
				t.Fatalf("embedRun: %v", err)
			}
			var sum embedSummary
			if err := json.Unmarshal(b.out.Bytes(), &sum); err != nil {
				t.Fatalf("summary %q: %v", b.out.String(), err)
			}
			if sum.ID != "0000000000000abc" || sum.Rate != 22050 || sum.Channels != 2 || sum.SNR < 25 || sum.Format != format {
				t.Errorf("summary = %+v", sum)
			}
			fh, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			buf, err := audio.Decode(fh, audio.FormatUnknown, audio.Limits{})
			if err != nil {
				t.Fatalf("decode output: %v", err)
			}
			if string(buf.Format) != format || buf.Rate != 22050 || buf.Channels() != 2 {
				t.Fatalf("output is %s %d Hz %d ch", buf.Format, buf.Rate, buf.Channels())
			}
			m, _ := watermark.New(watermark.Config{Key: []byte(testKey)})
			rs, err := m.Detect(buf.Data, buf.Rate)
			if err != nil || len(rs) == 0 || rs[0].ID != 0xabc {
				t.Fatalf("Detect on the output = %v, %v; want id abc", rs, err)
			}
			if strings.Contains(b.out.String()+b.errOut.String(), testKey) {
				t.Error("the key was printed")
			}
		})
	}
}

func TestEmbedRunErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{KeyEnv: testKey})
	short := writeSong(t, b.dir, 1, 8000, 1)
	tests := []struct {
		name string
		opts EmbedOptions
		env  map[string]string
		want error
	}{
		{"too short", EmbedOptions{In: short}, nil, watermark.ErrTooShort},
		{"missing file", EmbedOptions{In: filepath.Join(b.dir, "nope.wav")}, nil, os.ErrNotExist},
		{"not audio", EmbedOptions{In: "embed_test.go"}, nil, audio.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, map[string]string{KeyEnv: testKey})
			o := tt.opts
			o.Factory, o.Out, o.ID, o.Strength, o.Format = tb.f, filepath.Join(tb.dir, "o.wav"), 1, 1, "wav"
			if err := embedRun(&o); !errors.Is(err, tt.want) {
				t.Fatalf("embedRun error = %v, want %v", err, tt.want)
			}
			if _, err := os.Stat(o.Out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a failed embed left %s behind (stat: %v)", o.Out, err)
			}
		})
	}
	t.Run("no key", func(t *testing.T) {
		t.Parallel()
		tb := setup(t, nil)
		err := embedRun(&EmbedOptions{Factory: tb.f, In: short, Out: filepath.Join(tb.dir, "o.wav"), ID: 1, Strength: 1})
		if _, ok := errors.AsType[*cmderror.FlagError](err); !ok {
			t.Fatalf("embedRun without a key: %v, want a flag error", err)
		}
	})
}

// TestEmbedRunToPipe writes to standard output, which cannot seek: the WAV
// leaves its length unknown and still decodes whole, with the mark.
func TestEmbedRunToPipe(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{KeyEnv: testKey})
	in := writeSong(t, b.dir, 8, 22050, 2)
	if err := embedRun(&EmbedOptions{Factory: b.f, In: in, Out: "-", ID: 0xdef, Strength: 1, Format: "wav"}); err != nil {
		t.Fatalf("embedRun: %v", err)
	}
	buf, err := audio.Decode(b.out, audio.FormatUnknown, audio.Limits{})
	if err != nil {
		t.Fatalf("decode standard output: %v", err)
	}
	if buf.Frames() != 8*22050 {
		t.Fatalf("standard output holds %d frames, want %d", buf.Frames(), 8*22050)
	}
	m, _ := watermark.New(watermark.Config{Key: []byte(testKey)})
	if rs, err := m.Detect(buf.Data, buf.Rate); err != nil || len(rs) == 0 || rs[0].ID != 0xdef {
		t.Fatalf("Detect on standard output = %v, %v; want id def", rs, err)
	}
}
