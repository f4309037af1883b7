package encode

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/token"
)

// StartOptions are the flags of "keyward encode SRC".
type StartOptions struct {
	Factory *factory.Factory
	conn    connection

	Src    string
	Artist string
	Wait   bool
	Out    string
	// Exporter is --json.
	Exporter cliflag.JSONExporter

	// ClientFunc builds the client; tests replace it.
	ClientFunc func() (Caller, token.Profile, error)
	// ProgressTTY draws the progress bar; set from the terminal.
	ProgressTTY bool
}

func newCmdStart(f *factory.Factory, runF func(*StartOptions) error) *cobra.Command {
	opts := &StartOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "encode SRC --artist NAME [--wait] [--out FILE]",
		Short: "Mark a song with a sound link through the Encoding API",
		Long: `Start an Encoding API job on a keyward server: the server downloads the song
at SRC (an http or https link), marks it with a sound link and stores it.
The command prints the job's query credential; with --wait it follows the
job (a progress bar on a terminal) and prints the result, and with --out it
also downloads the encoded song. "keyward encode status QUERY" asks later.`,
		Example: `  keyward encode https://example.com/song.mp3 --artist "Ada" --wait --out song.wav
  keyward encode status q_3kX… --wait`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Src = args[0]
			if opts.Artist == "" {
				return cmderror.FlagErrorf("--artist is required")
			}
			if opts.Out != "" {
				opts.Wait = true
			}
			if opts.ClientFunc == nil {
				opts.ClientFunc = func() (Caller, token.Profile, error) { return opts.conn.client(f) }
			}
			opts.ProgressTTY = stderrTTY(f.IOStreams.ErrOut)
			if runF != nil {
				return runF(opts)
			}
			return startRun(opts)
		},
	}
	opts.conn.bind(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&opts.Artist, "artist", "a", "", "the artist's name (required)")
	fl.BoolVarP(&opts.Wait, "wait", "w", false, "wait until the job is complete or failed")
	fl.StringVarP(&opts.Out, "out", "o", "", "save the encoded song to `FILE` (implies --wait)")
	cliflag.AddJSON(cmd, &opts.Exporter, statusFields)
	return cmd
}

func startRun(opts *StartOptions) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c, profile, err := opts.ClientFunc()
	if err != nil {
		return err
	}
	io := opts.Factory.IOStreams
	resp, err := c.Call(ctx, http.MethodPost, "/v3/sl/encoding", map[string]any{"src": opts.Src, "artist": opts.Artist}, profile)
	if err != nil {
		return opts.conn.explain(err)
	}
	var q string
	if err := resp.Field("query", &q); err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if !opts.Wait {
		if opts.Exporter.Enabled() {
			return printStatus(io.Out, &Status{Status: "processing", Message: "queued", Query: q}, &opts.Exporter)
		}
		_, err := fmt.Fprintf(io.Out, "query:     %s\n", q)
		return err
	}
	if !opts.Exporter.Enabled() {
		fmt.Fprintf(io.ErrOut, "query: %s\n", q)
	}
	st, err := waitFor(ctx, c, profile, q, io.ErrOut, opts.ProgressTTY)
	if err != nil {
		return opts.conn.explain(err)
	}
	st.Query = q
	if err := printStatus(io.Out, st, &opts.Exporter); err != nil {
		return err
	}
	if st.Status != "complete" {
		return fmt.Errorf("%w: %s", errFailed, st.Message)
	}
	if opts.Out != "" {
		if err := download(ctx, st.URL, opts.Out); err != nil {
			return err
		}
		fmt.Fprintf(io.ErrOut, "saved %s\n", opts.Out)
	}
	return nil
}
