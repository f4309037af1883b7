// Package apicmd builds the commands that call keyward's management API
// through the [client] package: "keyward admin …" and "keyward rooms …".
//
// A command is its cobra fields (Use, Short, Args, flags bound to the
// caller's variables) and one call. [Object] prints the object the call
// returns as "name: value" lines or JSON; [List] prints a paged list as a
// table or JSON, with --limit, --cursor and --all; [Action] prints nothing
// but a confirmation; [Confirm] makes any of them ask before it acts. Each
// kind of object declares its --json fields, table columns and detail lines
// once, in a [Kind].
//
// Every command resolves the server and the credential only when it runs,
// through the shared connection flags (package connect), and words a failed
// call through [connect.Explain]. Hints and confirmations go to stderr, and
// decorations only to a terminal.
package apicmd

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
)

// Options are what a running command has: its streams, its --json flag and
// a lazily made API client.
type Options struct {
	// IO are the command's streams.
	IO *iostreams.IOStreams
	// JSON is the command's --json flag; disabled where it has none.
	JSON cliflag.JSONExporter

	// Client resolves the server and credential and returns the API
	// client.
	Client func() (*client.Client, error)

	target *connect.Target
	ctx    context.Context
}

func newOptions(f *factory.Factory, conn *connect.Flags) *Options {
	o := &Options{IO: f.IOStreams}
	o.Client = f.LazyClient(conn, &o.target)
	return o
}

// Context is the running command's context.
func (o *Options) Context() context.Context {
	if o.ctx == nil {
		return context.Background()
	}
	return o.ctx
}

// Explain words a failed call in the voice every API command shares.
func (o *Options) Explain(err error) error { return connect.Explain(err, o.target) }

// Success confirms an action on stderr, on a terminal only.
func (o *Options) Success(format string, args ...any) {
	if o.IO.IsStdoutTTY() {
		fmt.Fprintf(o.IO.ErrOut, "✓ "+format+"\n", args...)
	}
}

// New finishes cmd as an API command: when it runs, it resolves the client
// and calls run with it. cmd.PreRunE, if set, checks the flags first, so a
// misused flag fails before any connection is made.
func New(f *factory.Factory, conn *connect.Flags, cmd *cobra.Command, run func(o *Options, c *client.Client) error) *cobra.Command {
	return bind(f, conn, cmd, nil, run)
}

// bind is [New] with --json over fields (none when nil).
func bind(f *factory.Factory, conn *connect.Flags, cmd *cobra.Command, fields []string, run func(o *Options, c *client.Client) error) *cobra.Command {
	o := newOptions(f, conn)
	if fields != nil {
		cliflag.AddJSON(cmd, &o.JSON, fields)
	}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		o.ctx = cmd.Context()
		c, err := o.Client()
		if err != nil {
			return err
		}
		return run(o, c)
	}
	return cmd
}

// Kind is how one kind of API object prints.
type Kind[T any] struct {
	// Fields are its --json fields: their JSON names in the API.
	Fields []string
	// Header names the table's columns, and Row gives one object's cells.
	Header []string
	Row    func(io *iostreams.IOStreams, v T) []string
	// Detail lists one object's fields, for the commands that show one.
	Detail func(io *iostreams.IOStreams, v T) Detail
	// Warn, if set, goes to stderr before the object is printed.
	Warn string
}

// print prints v: its JSON with --json, else its detail.
func (k Kind[T]) print(o *Options, v T) error {
	if k.Warn != "" {
		fmt.Fprintln(o.IO.ErrOut, k.Warn)
	}
	if o.JSON.Enabled() {
		return o.JSON.Write(o.IO.Out, v)
	}
	if k.Detail == nil {
		return nil
	}
	return k.Detail(o.IO, v).Render(o.IO)
}

// Object finishes cmd as a command that makes one call and prints the
// object it returns as k says. done, if set, words the ✓ line a terminal
// sees first (not with --json).
func Object[T any](f *factory.Factory, conn *connect.Flags, cmd *cobra.Command, k Kind[T], call func(ctx context.Context, c *client.Client) (T, error), done func(T) string) *cobra.Command {
	return bind(f, conn, cmd, k.Fields, func(o *Options, c *client.Client) error {
		v, err := call(o.Context(), c)
		if err != nil {
			return o.Explain(err)
		}
		if done != nil && !o.JSON.Enabled() {
			o.Success("%s", done(v))
		}
		return k.print(o, v)
	})
}

// Action finishes cmd as a command that makes one call that returns nothing
// and confirms it with the ✓ line done.
func Action(f *factory.Factory, conn *connect.Flags, cmd *cobra.Command, call func(ctx context.Context, c *client.Client) error, done func() string) *cobra.Command {
	return Object(f, conn, cmd, Kind[struct{}]{}, func(ctx context.Context, c *client.Client) (struct{}, error) {
		return struct{}{}, call(ctx, c)
	}, func(struct{}) string { return done() })
}

// Confirm makes cmd, a destructive command, ask question before it acts,
// and adds --yes to skip the question; without a terminal to ask on, --yes
// is required.
func Confirm(cmd *cobra.Command, io *iostreams.IOStreams, question func() string) *cobra.Command {
	var yes bool
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	run, check := cmd.RunE, cmd.PreRunE
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if check != nil {
			if err := check(cmd, args); err != nil {
				return err
			}
		}
		return RequireYes(io, yes)
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := Ask(io, yes, question()); err != nil {
			return err
		}
		return run(cmd, args)
	}
	return cmd
}

// RequireYes refuses a destructive command without --yes when stdin is not
// a terminal to ask on.
func RequireYes(io *iostreams.IOStreams, yes bool) error {
	if !yes && !io.IsStdinTTY() {
		return cmderror.FlagErrorf("--yes required when not running interactively")
	}
	return nil
}

// Ask asks question before a destructive action, unless yes; an answer
// other than y cancels ([cmderror.ErrCancel]).
func Ask(io *iostreams.IOStreams, yes bool, question string) error {
	if yes {
		return nil
	}
	if err := RequireYes(io, yes); err != nil {
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

// Group finishes cmd as a group of API commands: it adds the connection
// flags (package connect) for all of them and the commands each of newCmds
// builds.
func Group(f *factory.Factory, cmd *cobra.Command, newCmds ...func(*factory.Factory, *connect.Flags) *cobra.Command) *cobra.Command {
	conn := &connect.Flags{}
	conn.Bind(cmd.PersistentFlags())
	for _, newCmd := range newCmds {
		cmd.AddCommand(newCmd(f, conn))
	}
	return cmd
}

// List finishes cmd as a paged list of k: list (a client method such as
// (*client.Client).ListRooms) fetches the page that opts, whose paging
// fields are page, describes, and items takes its objects and the next
// page's cursor. It adds --limit, --cursor and --all (every page), and
// prints a table or JSON, with a hint on stderr when more pages follow.
func List[O, P, T any](f *factory.Factory, conn *connect.Flags, cmd *cobra.Command, opts *O, page *client.PageOptions, k Kind[T], list func(*client.Client, context.Context, *O) (P, error), items func(P) ([]T, string)) *cobra.Command {
	var every bool
	cmd.Aliases = append(cmd.Aliases, "ls")
	if cmd.Args == nil {
		cmd.Args = cobra.NoArgs
	}
	fl := cmd.Flags()
	fl.IntVarP(&page.Limit, "limit", "L", 0, "page size (default: the server's, 50)")
	fl.StringVar(&page.Cursor, "cursor", "", "start at this page cursor (printed after a partial list)")
	fl.BoolVar(&every, "all", false, "fetch every page")
	check := cmd.PreRunE
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if page.Limit < 0 {
			return cmderror.FlagErrorf("invalid --limit %d", page.Limit)
		}
		if check != nil {
			return check(cmd, args)
		}
		return nil
	}
	return bind(f, conn, cmd, k.Fields, func(o *Options, c *client.Client) error {
		var all []T
		for {
			p, err := list(c, o.Context(), opts)
			if err != nil {
				return o.Explain(err)
			}
			got, next := items(p)
			all = append(all, got...)
			if !every || next == "" || next == page.Cursor {
				if !every && next != "" {
					defer fmt.Fprintf(o.IO.ErrOut, "More results: %s --cursor %s (or --all)\n", cmd.CommandPath(), next)
				}
				break
			}
			page.Cursor = next
		}
		return k.Print(o, all)
	})
}

// Print prints a list of k: JSON with --json ([] when empty), else a table.
func (k Kind[T]) Print(o *Options, items []T) error {
	if o.JSON.Enabled() {
		if items == nil {
			items = []T{}
		}
		return o.JSON.Write(o.IO.Out, items)
	}
	t := NewTable(k.Header...)
	for _, v := range items {
		t.Add(k.Row(o.IO, v)...)
	}
	return t.Render(o.IO)
}

// Rows finishes cmd as a command whose one call returns a whole list, printed
// as [Kind.Print] does.
func Rows[T any](f *factory.Factory, conn *connect.Flags, cmd *cobra.Command, k Kind[T], call func(ctx context.Context, c *client.Client) ([]T, error)) *cobra.Command {
	return bind(f, conn, cmd, k.Fields, func(o *Options, c *client.Client) error {
		items, err := call(o.Context(), c)
		if err != nil {
			return o.Explain(err)
		}
		return k.Print(o, items)
	})
}

// ParseID reads a numeric id argument.
func ParseID(what, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, cmderror.FlagErrorf("invalid %s id %q: want a positive number", what, s)
	}
	return id, nil
}

// IDArgs accepts n arguments, the first a numeric id of what, read into
// id, and the rest into rest (which may be nil when n is 1).
func IDArgs(what string, id *int64, rest ...*string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(1+len(rest))(cmd, args); err != nil {
			return err
		}
		for i, p := range rest {
			*p = args[i+1]
		}
		var err error
		*id, err = ParseID(what, args[0])
		return err
	}
}

// NameArg accepts one argument, read into name.
func NameArg(name *string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(1)(cmd, args); err != nil {
			return err
		}
		*name = args[0]
		return nil
	}
}

// NotNegative is a PreRunE that refuses a negative value of an id flag.
func NotNegative(flag string, v *int64) func(*cobra.Command, []string) error {
	return func(*cobra.Command, []string) error {
		if *v < 0 {
			return cmderror.FlagErrorf("invalid %s %d", flag, *v)
		}
		return nil
	}
}
