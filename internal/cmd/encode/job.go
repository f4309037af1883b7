package encode

import (
	"context"
	"errors"
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

// JobOptions are the flags of "keyward encode SRC" (Src, Artist) and
// "keyward encode status QUERY" (Query).
type JobOptions struct {
	Factory *factory.Factory
	conn    connection

	Src    string
	Artist string
	Query  string
	Wait   bool
	Out    string
	// Exporter is --json.
	Exporter cliflag.JSONExporter

	// ClientFunc builds the client; tests replace it.
	ClientFunc func() (Caller, token.Profile, error)
	// ProgressTTY draws the progress bar; set from the terminal.
	ProgressTTY bool
}

// newJobCmd finishes cmd, which takes one argument: setup reads it into
// opts and checks the command's own flags. Both commands share the
// connection flags, --wait, --out and --json.
func newJobCmd(opts *JobOptions, cmd *cobra.Command, setup func(arg string) error, run, runF func(*JobOptions) error) *cobra.Command {
	f := opts.Factory
	cmd.Args = cobra.ExactArgs(1)
	cmd.RunE = func(_ *cobra.Command, args []string) error {
		if err := setup(args[0]); err != nil {
			return err
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
		return run(opts)
	}
	opts.conn.bind(cmd)
	cmd.Flags().BoolVarP(&opts.Wait, "wait", "w", false, "wait until the job is complete or failed")
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "", "save the encoded song to `FILE` (implies --wait)")
	cliflag.AddJSON(cmd, &opts.Exporter, statusFields)
	return cmd
}

func newCmdStart(f *factory.Factory, runF func(*JobOptions) error) *cobra.Command {
	opts := &JobOptions{Factory: f}
	cmd := newJobCmd(opts, &cobra.Command{
		Use:   "encode SRC --artist NAME [--wait] [--out FILE]",
		Short: "Mark a song with a sound link through the Encoding API",
		Long: `Start an Encoding API job on a keyward server: the server downloads the song
at SRC (an http or https link), marks it with a sound link and stores it.
The command prints the job's query credential; with --wait it follows the
job (a progress bar on a terminal) and prints the result, and with --out it
also downloads the encoded song. "keyward encode status QUERY" asks later.`,
		Example: `  keyward encode https://example.com/song.mp3 --artist "Ada" --wait --out song.wav
  keyward encode status q_3kX… --wait`,
	}, func(arg string) error {
		opts.Src = arg
		if opts.Artist == "" {
			return cmderror.FlagErrorf("--artist is required")
		}
		return nil
	}, startRun, runF)
	cmd.Flags().StringVarP(&opts.Artist, "artist", "a", "", "the artist's name (required)")
	return cmd
}

func newCmdStatus(f *factory.Factory, runF func(*JobOptions) error) *cobra.Command {
	opts := &JobOptions{Factory: f}
	return newJobCmd(opts, &cobra.Command{
		Use:   "status QUERY [--wait]",
		Short: "Show an encoding job's status",
		Long: `Ask the server about the job of a query credential. Without --wait the
command exits 8 while the job is still processing, 1 when it failed and 0
when it is complete.`,
	}, func(arg string) error { opts.Query = arg; return nil }, statusRun, runF)
}

// connected runs call with a client and a context that an interrupt
// cancels.
func (o *JobOptions) connected(call func(ctx context.Context, c Caller, profile token.Profile) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c, profile, err := o.ClientFunc()
	if err != nil {
		return err
	}
	return call(ctx, c, profile)
}

// finish prints a job's state and saves its file with --out: a job still
// processing exits as pending, a failed one as an error.
func (o *JobOptions) finish(ctx context.Context, st *Status) error {
	io := o.Factory.IOStreams
	if err := printStatus(io.Out, st, &o.Exporter); err != nil {
		return err
	}
	switch st.Status {
	case "processing":
		return cmderror.Mark(errors.New("the job is still processing"), cmderror.ErrPending)
	case "complete":
		if o.Out != "" {
			if err := download(ctx, st.URL, o.Out); err != nil {
				return err
			}
			fmt.Fprintf(io.ErrOut, "saved %s\n", o.Out)
		}
		return nil
	}
	return fmt.Errorf("%w: %s", errFailed, st.Message)
}

func startRun(opts *JobOptions) error {
	return opts.connected(func(ctx context.Context, c Caller, profile token.Profile) error {
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
		return opts.finish(ctx, st)
	})
}

func statusRun(opts *JobOptions) error {
	return opts.connected(func(ctx context.Context, c Caller, profile token.Profile) error {
		var st *Status
		var err error
		if opts.Wait {
			st, err = waitFor(ctx, c, profile, opts.Query, opts.Factory.IOStreams.ErrOut, opts.ProgressTTY)
		} else {
			st, err = query(ctx, c, profile, opts.Query)
		}
		if err != nil {
			return opts.conn.explain(err)
		}
		return opts.finish(ctx, st)
	})
}
