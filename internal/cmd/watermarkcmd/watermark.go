// Package watermarkcmd implements "keyward watermark": embed a sound link id
// into a song and detect it again, offline, with the same engine the
// Encoding API uses.
//
// The mark's secret key comes from a file (--key-file) or from
// $KEYWARD_WATERMARK_KEY; it is never printed. Marks made under one key are
// invisible under any other, so detection needs the key that embedded.
package watermarkcmd

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/factory"
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
WAV or FLAC at the input's sample rate and channel count. The secret key is read
from --key-file or $` + KeyEnv + `.`,
	}
	cmd.AddCommand(newCmdEmbed(f, nil))
	cmd.AddCommand(newCmdDetect(f, nil))
	return cmd
}

// keyFlags are the flags that say where the key and limits come from.
type keyFlags struct {
	KeyFile     string
	MaxDuration time.Duration
}

func (k *keyFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&k.KeyFile, "key-file", "", "read the secret watermark key from `FILE` (default $"+KeyEnv+")")
	cmd.Flags().DurationVar(&k.MaxDuration, "max-duration", 30*time.Minute, "refuse audio longer than this")
}

// key returns the watermark key, or a flag error when there is none.
func (k *keyFlags) key(f *factory.Factory) ([]byte, error) {
	if k.KeyFile != "" {
		b, err := os.ReadFile(k.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("read key file: %w", err)
		}
		key := []byte(strings.TrimRight(string(b), "\r\n"))
		if len(key) < 16 {
			return nil, cmderror.FlagErrorf("the key in %s is %d bytes; it needs at least 16", k.KeyFile, len(key))
		}
		return key, nil
	}
	if v := f.Getenv(KeyEnv); v != "" {
		if len(v) < 16 {
			return nil, cmderror.FlagErrorf("$%s is %d bytes; it needs at least 16", KeyEnv, len(v))
		}
		return []byte(v), nil
	}
	return nil, cmderror.FlagErrorf("a watermark key is required: --key-file FILE or $%s", KeyEnv)
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

// newMarker builds the engine from a key and strength.
func newMarker(key []byte, strength float64) (*watermark.Marker, error) {
	m, err := watermark.New(watermark.Config{Key: key, Strength: strength})
	if err != nil {
		return nil, cmderror.FlagErrorWrap(err)
	}
	return m, nil
}
