package admin

import (
	"bufio"
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
)

// apiOptions are the dependencies every admin command shares; each
// command's options struct embeds them.
type apiOptions struct {
	IO *iostreams.IOStreams
	// Client returns the API client; tests replace it with one that calls
	// a stub.
	Client func() (*client.Client, error)

	ctx context.Context
	// target is what Client resolved: the server and where the credential
	// came from; nil when a test supplies Client.
	target *connect.Target
}

func newAPIOptions(f *factory.Factory, conn *connect.Flags) apiOptions {
	o := apiOptions{IO: f.IOStreams, target: &connect.Target{}}
	o.Client = func() (*client.Client, error) {
		c, t, err := f.APIClient(*conn)
		if t != nil {
			*o.target = *t
		}
		return c, err
	}
	return o
}

// explain words a failed call in the voice every API command shares.
func (o *apiOptions) explain(err error) error { return connect.Explain(err, o.target) }

// context returns the command's context, or a background one.
func (o *apiOptions) context() context.Context {
	if o.ctx != nil {
		return o.ctx
	}
	return context.Background()
}

// bind records the running command's context.
func (o *apiOptions) bind(cmd *cobra.Command) { o.ctx = cmd.Context() }

// parseID reads a numeric id argument.
func parseID(what, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, cmderror.FlagErrorf("invalid %s id %q: want a positive number", what, s)
	}
	return id, nil
}

// requireYes refuses a destructive command without --yes when stdin is not
// a terminal to ask on.
func requireYes(io *iostreams.IOStreams, yes bool) error {
	if !yes && !io.IsStdinTTY() {
		return cmderror.FlagErrorf("--yes required when not running interactively")
	}
	return nil
}

// confirm asks before a destructive action, unless yes; an answer other than
// y cancels.
func confirm(io *iostreams.IOStreams, yes bool, question string) error {
	if yes {
		return nil
	}
	if err := requireYes(io, yes); err != nil {
		return err
	}
	fmt.Fprintf(io.ErrOut, "? %s [y/N] ", question)
	line, _ := bufio.NewReader(io.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return cmderror.ErrCancel
}

// pageFlags are the paging flags of list commands.
type pageFlags struct {
	Limit  int
	Cursor string
	All    bool
}

func (p *pageFlags) bind(cmd *cobra.Command) {
	cmd.Flags().IntVarP(&p.Limit, "limit", "L", 0, "page size (default: the server's, 50)")
	cmd.Flags().StringVar(&p.Cursor, "cursor", "", "start at this page cursor (printed after a partial list)")
	cmd.Flags().BoolVar(&p.All, "all", false, "fetch every page")
}

func (p *pageFlags) check() error {
	if p.Limit < 0 {
		return cmderror.FlagErrorf("invalid --limit %d", p.Limit)
	}
	return nil
}

func (p *pageFlags) options() client.PageOptions {
	return client.PageOptions{Limit: p.Limit, Cursor: p.Cursor}
}

// fetch returns one page through page, or every item through all with
// --all; next is the cursor of the page after, or "".
func fetch[T any](p *pageFlags, page func() ([]T, string, error), all iter.Seq2[T, error]) (items []T, next string, err error) {
	if !p.All {
		return page()
	}
	for it, err := range all {
		if err != nil {
			return nil, "", err
		}
		items = append(items, it)
	}
	return items, "", nil
}

// moreHint tells, on stderr, how to get the next page.
func moreHint(io *iostreams.IOStreams, cmd string, next string) {
	if next != "" {
		fmt.Fprintf(io.ErrOut, "More results: %s --cursor %s (or --all)\n", cmd, next)
	}
}

// success confirms an action on stderr, on a terminal only.
func success(io *iostreams.IOStreams, format string, args ...any) {
	if io.IsStdoutTTY() {
		fmt.Fprintf(io.ErrOut, "✓ "+format+"\n", args...)
	}
}

// nonNil returns s, or an empty slice for nil, so that JSON shows [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
