package watermarkcmd

import (
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/atomicfile"
	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/watermark"
)

// EmbedOptions are the flags and arguments of "keyward watermark embed".
type EmbedOptions struct {
	Factory  *factory.Factory
	keyFlags keyFlags

	In, Out  string
	ID       watermark.ID
	Strength float64
	Format   string
	// Exporter is --json.
	Exporter cliflag.JSONExporter
}

func newCmdEmbed(f *factory.Factory, runF func(*EmbedOptions) error) *cobra.Command {
	opts := &EmbedOptions{Factory: f}
	var id string
	cmd := &cobra.Command{
		Use:   "embed IN OUT --id ID",
		Short: "Mark a song with a sound link id",
		Long: `Embed the 64-bit sound link id (1 to 16 hex digits) into the song IN and write
the marked song to OUT ("-" for standard output) at IN's sample rate and channels.
OUT is FLAC when its name ends in .flac or --format flac says so, WAV otherwise.`,
		Example: `  keyward watermark embed song.mp3 marked.wav --id 0123456789abcdef --key-file wm.key`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.In, opts.Out = args[0], args[1]
			if id == "" {
				return cmderror.FlagErrorf("--id is required")
			}
			parsed, err := watermark.ParseID(id)
			if err != nil {
				return cmderror.FlagErrorf("--id: %v", err)
			}
			opts.ID = parsed
			if !(opts.Strength > 0 && opts.Strength <= 4) {
				return cmderror.FlagErrorf("--strength %v: want a value in (0, 4]", opts.Strength)
			}
			if opts.Format == "" {
				opts.Format = "wav"
				if strings.EqualFold(filepath.Ext(opts.Out), ".flac") {
					opts.Format = "flac"
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return embedRun(opts)
		},
	}
	opts.keyFlags.bind(cmd)
	cmd.Flags().StringVar(&id, "id", "", "the sound link `ID` to embed, 1 to 16 hex digits")
	cmd.Flags().Float64Var(&opts.Strength, "strength", 1, "mark strength: 1 is about 32 dB SNR on music; 2 is 6 dB louder and more robust")
	cliflag.StringEnum(cmd, &opts.Format, "format", "", "", []string{"wav", "flac"}, "output format (default from OUT's name)")
	cliflag.AddJSON(cmd, &opts.Exporter, embedFields)
	return cmd
}

// embedFields are the --json fields of embed.
var embedFields = []string{"id", "out", "format", "rate", "channels", "duration", "snr_db"}

// embedSummary is what --json prints.
type embedSummary struct {
	ID       string  `json:"id"`
	Out      string  `json:"out"`
	Format   string  `json:"format"`
	Rate     int     `json:"rate"`
	Channels int     `json:"channels"`
	Duration float64 `json:"duration"`
	SNR      float64 `json:"snr_db"`
}

func embedRun(opts *EmbedOptions) error {
	f := opts.Factory
	key, err := opts.keyFlags.key(f)
	if err != nil {
		return err
	}
	m, err := newMarker(key, opts.Strength)
	if err != nil {
		return err
	}
	src, closeIn, err := openAudio(f, opts.In, opts.keyFlags.MaxDuration)
	if err != nil {
		return err
	}
	defer closeIn()
	// The song streams from the decoder through the embedder into the
	// encoder; a file appears whole or not at all.
	var st watermark.StreamStats
	embed := func(w io.Writer) error {
		dst, err := audio.NewWriter(w, audio.Format(opts.Format),
			audio.Header{Rate: src.Rate(), Channels: src.Channels(), BitDepth: src.BitDepth()})
		if err != nil {
			return err
		}
		if st, err = m.EmbedStream(dst, src, opts.ID); err != nil {
			return err
		}
		return dst.Close()
	}
	if opts.Out == "-" {
		err = embed(f.IOStreams.Out)
	} else {
		err = atomicfile.Write(opts.Out, 0o644, embed)
	}
	seconds := float64(src.Frames()) / float64(src.Rate())
	switch {
	case errors.Is(err, watermark.ErrTooShort):
		return fmt.Errorf("%s is %.1f s long; a sound link needs at least %.1f s: %w",
			opts.In, seconds, watermark.PeriodDuration/1e9, err)
	case err != nil:
		return fmt.Errorf("embed %s into %s: %w", opts.In, opts.Out, err)
	}
	sum := embedSummary{ID: opts.ID.String(), Out: opts.Out, Format: opts.Format, Rate: src.Rate(),
		Channels: src.Channels(), Duration: math.Round(seconds*1000) / 1000, SNR: math.Round(st.SNR*10) / 10}
	if opts.Exporter.Enabled() && opts.Out != "-" {
		return opts.Exporter.Write(f.IOStreams.Out, sum)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "marked %s with %s: %.1f s, %d Hz, %d ch, SNR %.1f dB → %s\n",
		opts.In, sum.ID, sum.Duration, sum.Rate, sum.Channels, sum.SNR, opts.Out)
	return nil
}
