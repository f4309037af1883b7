package watermarkcmd

import (
	"fmt"
	"math"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/factory"
)

// DetectOptions are the flags and arguments of "keyward watermark detect".
type DetectOptions struct {
	Factory  *factory.Factory
	keyFlags keyFlags

	File string
	// Exporter is --json.
	Exporter cliflag.JSONExporter
}

func newCmdDetect(f *factory.Factory, runF func(*DetectOptions) error) *cobra.Command {
	opts := &DetectOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "detect FILE",
		Short: "Find the sound link ids in a song or an excerpt of one",
		Long: `Look for sound links made under the key in FILE ("-" for standard input): a whole
song or an excerpt of a few seconds, at any sample rate, after lossy coding,
filtering, noise or a small speed change. Prints each id found with its
confidence; exits 1 when none is found.`,
		Example: `  keyward watermark detect clip.mp3 --key-file wm.key --json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			if runF != nil {
				return runF(opts)
			}
			return detectRun(opts)
		},
	}
	opts.keyFlags.bind(cmd)
	cliflag.AddJSON(cmd, &opts.Exporter, detectFields)
	return cmd
}

// detectFields are the --json fields of detect.
var detectFields = []string{"file", "duration", "found", "results"}

// detectReport is what --json prints.
type detectReport struct {
	File     string        `json:"file"`
	Duration float64       `json:"duration"`
	Found    bool          `json:"found"`
	Results  []detectEntry `json:"results"`
}

type detectEntry struct {
	ID         string  `json:"id"`
	Confidence float64 `json:"confidence"`
	Offset     float64 `json:"offset"`
	Speed      float64 `json:"speed"`
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

func detectRun(opts *DetectOptions) error {
	f := opts.Factory
	key, err := opts.keyFlags.key(f)
	if err != nil {
		return err
	}
	m, err := newMarker(key, 1)
	if err != nil {
		return err
	}
	buf, err := readAudio(f, opts.File, opts.keyFlags.MaxDuration)
	if err != nil {
		return err
	}
	results, err := m.Detect(buf.Data, buf.Rate)
	if err != nil {
		return fmt.Errorf("detect: %w", err)
	}
	rep := detectReport{File: opts.File, Duration: round(buf.Duration().Seconds(), 3), Found: len(results) > 0, Results: []detectEntry{}}
	for _, r := range results {
		rep.Results = append(rep.Results, detectEntry{ID: r.ID.String(), Confidence: round(r.Confidence, 3),
			Offset: round(r.Offset.Seconds(), 3), Speed: round(r.Speed, 4)})
	}
	out := f.IOStreams.Out
	if opts.Exporter.Enabled() {
		if err := opts.Exporter.Write(out, rep); err != nil {
			return err
		}
	} else {
		for _, r := range rep.Results {
			if f.IOStreams.IsStdoutTTY() {
				fmt.Fprintf(out, "%s  confidence %.2f  at %.1f s  speed %.3f\n", r.ID, r.Confidence, r.Offset, r.Speed)
			} else {
				fmt.Fprintf(out, "%s\t%.3f\t%.3f\t%.4f\n", r.ID, r.Confidence, r.Offset, r.Speed)
			}
		}
		if !rep.Found {
			fmt.Fprintf(f.IOStreams.ErrOut, "no sound link found in %s\n", opts.File)
		}
	}
	if !rep.Found {
		return cmderror.ErrSilent
	}
	return nil
}
