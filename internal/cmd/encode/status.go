package encode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/token"
)

// StatusOptions are the flags of "keyward encode status QUERY".
type StatusOptions struct {
	Factory *factory.Factory
	conn    connection

	Query string
	Wait  bool
	Out   string
	// Exporter is --json.
	Exporter cliflag.JSONExporter

	// ClientFunc builds the client; tests replace it.
	ClientFunc func() (Caller, token.Profile, error)
	// ProgressTTY draws the progress bar; set from the terminal.
	ProgressTTY bool
}

func newCmdStatus(f *factory.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "status QUERY [--wait]",
		Short: "Show an encoding job's status",
		Long: `Ask the server about the job of a query credential. Without --wait the
command exits 8 while the job is still processing, 1 when it failed and 0
when it is complete.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Query = args[0]
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
			return statusRun(opts)
		},
	}
	opts.conn.bind(cmd)
	fl := cmd.Flags()
	fl.BoolVarP(&opts.Wait, "wait", "w", false, "wait until the job is complete or failed")
	fl.StringVarP(&opts.Out, "out", "o", "", "save the encoded song to `FILE` (implies --wait)")
	cliflag.AddJSON(cmd, &opts.Exporter, statusFields)
	return cmd
}

func statusRun(opts *StatusOptions) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c, profile, err := opts.ClientFunc()
	if err != nil {
		return err
	}
	io := opts.Factory.IOStreams
	var st *Status
	if opts.Wait {
		st, err = waitFor(ctx, c, profile, opts.Query, io.ErrOut, opts.ProgressTTY)
	} else {
		st, err = query(ctx, c, profile, opts.Query)
	}
	if err != nil {
		return opts.conn.explain(err)
	}
	if err := printStatus(io.Out, st, &opts.Exporter); err != nil {
		return err
	}
	switch st.Status {
	case "processing":
		return cmderror.Mark(errors.New("the job is still processing"), cmderror.ErrPending)
	case "complete":
		if opts.Out != "" {
			if err := download(ctx, st.URL, opts.Out); err != nil {
				return err
			}
			fmt.Fprintf(io.ErrOut, "saved %s\n", opts.Out)
		}
		return nil
	}
	return fmt.Errorf("%w: %s", errFailed, st.Message)
}
