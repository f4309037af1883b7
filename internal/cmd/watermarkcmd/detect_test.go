package watermarkcmd

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/cmdtest"
)

func TestNewCmdDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    string
		want    DetectOptions
		wantErr string
	}{
		{name: "plain", args: "clip.mp3", want: DetectOptions{File: "clip.mp3"}},
		{name: "json", args: "- --json", want: DetectOptions{File: "-"}},
		{name: "no file", args: "", wantErr: "accepts 1 arg"},
		{name: "two files", args: "a b", wantErr: "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := cmdtest.Parse(t, setup(t, nil).f, newCmdDetect, tt.args, tt.wantErr)
			if err == nil && (got.File != tt.want.File || got.Exporter.Enabled() != (tt.name == "json")) {
				t.Errorf("detect %s: options %+v, want %+v", tt.args, *got, tt.want)
			}
		})
	}
}

// TestDetectRun embeds with the embed command and finds the id with the
// detect command, in each output mode; an unmarked file exits silently
// with status 1.
func TestDetectRun(t *testing.T) {
	t.Parallel()
	env := map[string]string{KeyEnv: testKey}
	b := setup(t, env)
	in := writeSong(t, b.dir, 8, 44100, 2)
	marked := filepath.Join(b.dir, "marked.flac")
	if err := embedRun(&EmbedOptions{Factory: b.f, In: in, Out: marked, ID: 0x5eed, Strength: 1, Format: "flac"}); err != nil {
		t.Fatalf("embedRun: %v", err)
	}
	tests := []struct {
		name    string
		file    string
		json    bool
		tty     bool
		wantOut string
		wantErr error
	}{
		{name: "json", file: marked, json: true, wantOut: `"id": "0000000000005eed"`},
		{name: "tty", file: marked, tty: true, wantOut: "0000000000005eed  confidence"},
		{name: "pipe", file: marked, wantOut: "0000000000005eed\t"},
		{name: "unmarked", file: in, wantErr: cmderror.ErrSilent},
		{name: "unmarked json", file: in, json: true, wantOut: `"found": false`, wantErr: cmderror.ErrSilent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, env)
			tb.f.IOStreams.SetStdoutTTY(tt.tty)
			opts := &DetectOptions{Factory: tb.f, File: tt.file}
			if tt.json {
				selectJSON(t, &opts.Exporter, detectFields)
			}
			err := detectRun(opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("detectRun error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(tb.out.String(), tt.wantOut) {
				t.Fatalf("detectRun output %q, want it to contain %q", tb.out.String(), tt.wantOut)
			}
			if tt.json {
				var rep detectReport
				if err := json.Unmarshal(tb.out.Bytes(), &rep); err != nil {
					t.Fatalf("JSON output: %v", err)
				}
			}
		})
	}
}
