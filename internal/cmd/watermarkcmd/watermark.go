// Package watermarkcmd implements "keyward watermark": embed a sound link id
// into a song and detect it again, offline, with the same engine the
// Encoding API uses.
//
// The mark's secret key comes from a file (--key-file), from a server's
// data directory (--data, derived from its master key as the server derives
// it; ./keyward-data by default), or from $KEYWARD_WATERMARK_KEY; it is
// never printed. Marks made under one key are invisible under any other, so
// detection needs the key that embedded.
package watermarkcmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/seal"
	"github.com/keyward/keyward/internal/watermark"
)

// KeyEnv is the environment variable that holds the watermark key when no
// --key-file is given.
const KeyEnv = "KEYWARD_WATERMARK_KEY"

// NewCmdWatermark returns the "watermark" command group.
func NewCmdWatermark(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "watermark <command>",
		Short: "Embed and detect sound links in audio files, offline",
		Long: `Embed a sound link id into a song, or find the ids in a recording or excerpt.

Input may be WAV, FLAC or MP3 (the format is read from the content); output is
WAV or FLAC at the input's sample rate and channel count. The secret key is the
first of --key-file FILE, --data DIR (the key the server whose data directory
that is marks with), $` + KeyEnv + `, $KEYWARD_MASTER_KEY, and the key of
./keyward-data, so that in the folder where "keyward serve" runs
"keyward watermark detect marked.wav" finds the server's marks.`,
	}
	cmd.AddCommand(newCmdEmbed(f, nil))
	cmd.AddCommand(newCmdDetect(f, nil))
	return cmd
}

// keyFlags are the flags that say where the key and limits come from.
type keyFlags struct {
	KeyFile     string
	DataDir     string
	MaxDuration time.Duration

	// defaultData is the data directory used when no key is given and it
	// holds a master key: ./keyward-data, as "keyward serve" makes it.
	defaultData string
}

func (k *keyFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&k.KeyFile, "key-file", "", "read the secret watermark key from `FILE`")
	cmd.Flags().StringVar(&k.DataDir, "data", "", "use the watermark key the server with data directory `DIR` marks with (derived from DIR/master.key; default ./keyward-data when it exists)")
	cmd.Flags().DurationVar(&k.MaxDuration, "max-duration", 30*time.Minute, "refuse audio longer than this")
	k.defaultData = "keyward-data"
}

// key returns the watermark key, the first of: --key-file, --data DIR,
// $KEYWARD_WATERMARK_KEY, $KEYWARD_MASTER_KEY (derived as the server
// derives it), and the master key of ./keyward-data. Finding none is a flag
// error that says what was tried.
func (k *keyFlags) key(f *factory.Factory) ([]byte, error) {
	if k.KeyFile != "" && k.DataDir != "" {
		return nil, cmderror.FlagErrorf("specify only one of --key-file and --data")
	}
	switch {
	case k.KeyFile != "":
		b, err := os.ReadFile(k.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("read key file: %w", err)
		}
		key := []byte(strings.TrimRight(string(b), "\r\n"))
		if len(key) < 16 {
			return nil, cmderror.FlagErrorf("the key in %s is %d bytes; it needs at least 16", k.KeyFile, len(key))
		}
		return key, nil
	case k.DataDir != "":
		return dataKey(k.DataDir)
	}
	if v := f.Getenv(KeyEnv); v != "" {
		if len(v) < 16 {
			return nil, cmderror.FlagErrorf("$%s is %d bytes; it needs at least 16", KeyEnv, len(v))
		}
		return []byte(v), nil
	}
	if v := f.Getenv(seal.EnvKey); v != "" {
		key, err := seal.ParseKey([]byte(v))
		if err != nil {
			return nil, cmderror.FlagErrorf("$%s: %v", seal.EnvKey, err)
		}
		s, err := seal.New(key)
		if err != nil {
			return nil, cmderror.FlagErrorf("$%s: %v", seal.EnvKey, err)
		}
		return s.WatermarkKey(), nil
	}
	if k.defaultData != "" {
		if _, err := os.Stat(filepath.Join(k.defaultData, masterKeyFile)); err == nil {
			return dataKey(k.defaultData)
		}
	}
	return nil, cmderror.FlagErrorf("a watermark key is required; tried --key-file (not given), --data DIR (not given), $%s and $%s (not set), ./keyward-data/%s (not found).\n"+
		"Run the command in the folder where \"keyward serve\" made keyward-data, or pass --data PATH/keyward-data", KeyEnv, seal.EnvKey, masterKeyFile)
}

// masterKeyFile is the master key's name in a data directory.
const masterKeyFile = "master.key"

// dataKey derives the watermark key from the master key in the data
// directory dir, as the server does.
func dataKey(dir string) ([]byte, error) {
	s, err := seal.Load(filepath.Join(dir, masterKeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, cmderror.FlagErrorf("--data %s: no %s there; is it the data directory of \"keyward serve\"? (a server started with $%s or --master-key-file keeps its key elsewhere)", dir, masterKeyFile, seal.EnvKey)
	}
	if err != nil {
		return nil, fmt.Errorf("--data %s: %w", dir, err)
	}
	return s.WatermarkKey(), nil
}

// readAudio decodes path ("-" for standard input).
func readAudio(f *factory.Factory, path string, maxDur time.Duration) (*audio.Buffer, error) {
	lim := audio.Limits{MaxDuration: maxDur}
	if path == "-" {
		b, err := audio.Decode(f.IOStreams.In, audio.FormatUnknown, lim)
		if err != nil {
			return nil, fmt.Errorf("standard input: %w", err)
		}
		return b, nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b, err := audio.Decode(fh, audio.FormatUnknown, lim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// openAudio opens path ("-" for standard input) for decoding a block at a
// time; the returned function closes it.
func openAudio(f *factory.Factory, path string, maxDur time.Duration) (*audio.Reader, func(), error) {
	lim := audio.Limits{MaxDuration: maxDur}
	if path == "-" {
		r, err := audio.NewReader(f.IOStreams.In, audio.FormatUnknown, lim)
		if err != nil {
			return nil, nil, fmt.Errorf("standard input: %w", err)
		}
		return r, func() {}, nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	r, err := audio.NewReader(fh, audio.FormatUnknown, lim)
	if err != nil {
		fh.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, func() { fh.Close() }, nil
}

// newMarker builds the engine from a key and strength.
func newMarker(key []byte, strength float64) (*watermark.Marker, error) {
	m, err := watermark.New(watermark.Config{Key: key, Strength: strength})
	if err != nil {
		return nil, cmderror.FlagErrorWrap(err)
	}
	return m, nil
}
