package watermarkcmd

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
	"github.com/keyward/keyward/internal/seal"
)

const testKey = "cli test key: sixteen bytes or more"

type testBundle struct {
	f      *factory.Factory
	out    *bytes.Buffer
	errOut *bytes.Buffer
	dir    string
}

func setup(t *testing.T, env map[string]string) testBundle {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &factory.Factory{IOStreams: ios, Getenv: func(k string) string { return env[k] }}
	return testBundle{f: f, out: out, errOut: errOut, dir: t.TempDir()}
}

// writeSong writes seconds of a noisy chord to a WAV file and returns its
// path.
func writeSong(t *testing.T, dir string, seconds float64, rate, channels int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	n := int(seconds * float64(rate))
	b := &audio.Buffer{Rate: rate, BitDepth: 16, Data: make([][]float32, channels)}
	for c := range b.Data {
		b.Data[c] = make([]float32, n)
		var lp float64
		for i := range n {
			lp = 0.8*lp + 0.2*rng.NormFloat64()
			tt := float64(i) / float64(rate)
			v := 0.1*math.Sin(2*math.Pi*220*tt) + 0.05*math.Sin(2*math.Pi*1100*tt)*math.Sin(2*math.Pi*0.5*tt) + 0.05*lp
			b.Data[c][i] = float32(v)
		}
	}
	p := filepath.Join(dir, "song.wav")
	fh, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if err := audio.EncodeWAV(fh, b); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewCmdWatermark(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	cmd := NewCmdWatermark(b.f)
	var names []string
	for _, c := range cmd.Commands() {
		names = append(names, c.Name())
	}
	if got := strings.Join(names, ","); got != "detect,embed" {
		t.Fatalf("watermark subcommands = %s, want detect,embed", got)
	}
}

func TestKeySources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.key")
	os.WriteFile(good, []byte(testKey+"\n"), 0o600)
	short := filepath.Join(dir, "short.key")
	os.WriteFile(short, []byte("short\n"), 0o600)
	data := filepath.Join(dir, "keyward-data")
	os.Mkdir(data, 0o700)
	const master = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	os.WriteFile(filepath.Join(data, "master.key"), []byte(master+"\n"), 0o600)
	sealer, err := seal.Load(filepath.Join(data, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	derived := string(sealer.WatermarkKey())
	tests := []struct {
		name      string
		file      string
		data      string
		env       string
		masterEnv string
		dflt      string
		want      string
		flagErr   bool
	}{
		{name: "file", file: good, want: testKey},
		{name: "env", env: testKey, want: testKey},
		{name: "file wins over env", file: good, env: "another key of enough length", want: testKey},
		{name: "data dir: the server's key", data: data, want: derived},
		{name: "data wins over env", data: data, env: testKey, want: derived},
		{name: "master key env", masterEnv: master, want: derived},
		{name: "default ./keyward-data", dflt: data, want: derived},
		{name: "env wins over the default", env: testKey, dflt: data, want: testKey},
		{name: "file and data", file: good, data: data, flagErr: true},
		{name: "data without master.key", data: dir, flagErr: true},
		{name: "none", dflt: filepath.Join(dir, "none"), flagErr: true},
		{name: "short file", file: short, flagErr: true},
		{name: "short env", env: "short", flagErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, map[string]string{KeyEnv: tt.env, seal.EnvKey: tt.masterEnv})
			k := keyFlags{KeyFile: tt.file, DataDir: tt.data, defaultData: tt.dflt}
			got, err := k.key(b.f)
			if tt.flagErr {
				if _, ok := errors.AsType[*cmderror.FlagError](err); !ok {
					t.Fatalf("key() error = %v, want a flag error", err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("key() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// selectJSON turns e on with every field of allowed, as a bare --json does.
func selectJSON(t *testing.T, e *cliflag.JSONExporter, allowed []string) {
	t.Helper()
	cliflag.AddJSON(&cobra.Command{}, e, allowed)
	if err := e.Select(); err != nil {
		t.Fatal(err)
	}
}
