// Package detect implements "keyward detect": ask a running keyward server
// which sound link a song carries, through its POST /v3/sl/detect.
//
// The server downloads what it checks (arg {src}, an http or https link,
// through its download guard). A local FILE is therefore served to it for
// the duration of the call from a listener on this machine's loopback, on
// a random port under an unguessable path; that works only with a server
// on this machine, and only when that server lets its guard reach loopback
// (keyward serve --fetch-allow 127.0.0.1/32). Elsewhere, give a link the
// server can download, or detect offline with "keyward watermark detect".
package detect

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
	"github.com/keyward/keyward/token"
)

// fields are the --json fields: the API's answer.
var fields = []string{"found", "message", "soundlink", "others"}

// Options are the flags and argument of "keyward detect".
type Options struct {
	IO *iostreams.IOStreams
	// Client returns the API client; tests replace it.
	Client func() (*client.Client, error)

	// Conn are the connection flags.
	Conn connect.Flags
	// Src is the FILE or URL argument.
	Src string
	// Exporter is --json.
	Exporter cliflag.JSONExporter

	target *connect.Target
}

// Link is one sound link the server found.
type Link struct {
	ID         string  `json:"id"`
	Artist     string  `json:"artist"`
	Job        string  `json:"job"`
	Confidence float64 `json:"confidence"`
	Offset     float64 `json:"offset"`
	Registered bool    `json:"registered"`
}

// Answer is the server's answer.
type Answer struct {
	Found     bool   `json:"found"`
	Message   string `json:"message"`
	SoundLink *Link  `json:"soundlink,omitempty"`
	Others    []Link `json:"others,omitempty"`
}

// NewCmdDetect builds the "detect" command.
func NewCmdDetect(f *factory.Factory) *cobra.Command { return newCmdDetect(f, nil) }

func newCmdDetect(f *factory.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	opts.Client = f.LazyClient(&opts.Conn, &opts.target)
	cmd := &cobra.Command{
		Use:   "detect FILE|URL",
		Short: "Ask the server which sound link a song carries",
		Long: `Ask a running keyward server (POST /v3/sl/detect) which sound link the song
at URL, or in FILE, carries, and which of its encoding jobs made it.

The server downloads what it checks. A URL must be one it may download; a
FILE is served to it for the duration of the call from this machine's
loopback, so it needs a server on this machine started with
--fetch-allow 127.0.0.1/32. "keyward watermark detect FILE" finds the same
marks offline, in the folder where the server keeps keyward-data.

The credential and server are found as for every API command: --key and
--secret, --credentials FILE, KEYWARD_KEY/KEYWARD_SECRET, then
./keyward-data/admin.json and the server it names.

Exit status: 0 when a sound link is found, 1 when none is (or on error),
4 when the server refused the credential.`,
		Example: `  keyward detect https://example.com/clip.mp3
  keyward detect marked.wav --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Src = args[0]
			if runF != nil {
				return runF(opts)
			}
			return detectRun(opts)
		},
	}
	opts.Conn.Bind(cmd.Flags())
	cliflag.AddJSON(cmd, &opts.Exporter, fields)
	return cmd
}

// isURL reports whether s is an http or https link.
func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func detectRun(opts *Options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c, err := opts.Client()
	if err != nil {
		return err
	}
	src, served := opts.Src, false
	if !isURL(src) {
		link, closeFn, err := serveFile(c.BaseURL(), src)
		if err != nil {
			return err
		}
		defer closeFn()
		src, served = link, true
	}
	resp, err := c.Call(ctx, http.MethodPost, "/v3/sl/detect", map[string]any{"src": src}, token.Request)
	if err != nil {
		if ce, ok := errors.AsType[*client.Error](err); ok && served && ce.Code == "BAD_REQUEST" && strings.Contains(ce.Message, "could not be downloaded") {
			return fmt.Errorf("%s could not download %s from this machine (%s); start it with --fetch-allow 127.0.0.1/32, "+
				"or run \"keyward watermark detect %s\" in its folder (offline, the same key)", c.BaseURL(), opts.Src, ce.Message, opts.Src)
		}
		return connect.Explain(err, opts.target)
	}
	var a Answer
	if err := resp.Field("found", &a.Found); err != nil {
		return connect.Explain(fmt.Errorf("%w: no \"found\" in the answer", client.ErrMalformedResponse), opts.target)
	}
	_ = resp.Field("message", &a.Message)
	if _, ok := resp.Fields["soundlink"]; ok {
		_ = resp.Field("soundlink", &a.SoundLink)
	}
	if _, ok := resp.Fields["others"]; ok {
		_ = resp.Field("others", &a.Others)
	}
	if err := printAnswer(opts, &a); err != nil {
		return err
	}
	if !a.Found {
		return cmderror.ErrSilent
	}
	return nil
}

// printAnswer writes the answer: JSON with --json, a line per link otherwise.
func printAnswer(opts *Options, a *Answer) error {
	out := opts.IO.Out
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(out, a)
	}
	if !a.Found {
		fmt.Fprintf(opts.IO.ErrOut, "%s: %s\n", opts.Src, a.Message)
		return nil
	}
	links := append([]Link{*a.SoundLink}, a.Others...)
	for _, l := range links {
		var err error
		switch {
		case opts.IO.IsStdoutTTY() && l.Registered:
			_, err = fmt.Fprintf(out, "%s  %s  job %s  confidence %.2f  at %.1f s\n", l.ID, l.Artist, l.Job, l.Confidence, l.Offset)
		case opts.IO.IsStdoutTTY():
			_, err = fmt.Fprintf(out, "%s  (no job of this server made it)  confidence %.2f  at %.1f s\n", l.ID, l.Confidence, l.Offset)
		default:
			_, err = fmt.Fprintf(out, "%s\t%s\t%s\t%.3f\t%.3f\n", l.ID, l.Artist, l.Job, l.Confidence, l.Offset)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// serveFile serves the file at path on the loopback address of the
// server's host, under a random path, for one call, and returns its link
// and the function that stops serving. The server must be on this machine.
func serveFile(server, path string) (string, func(), error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", nil, cmderror.FlagErrorf("%s is neither an http(s) URL nor a file", path)
		}
		return "", nil, err
	}
	if !fi.Mode().IsRegular() {
		return "", nil, cmderror.FlagErrorf("%s is not a regular file", path)
	}
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, err
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || !ip.IsLoopback() {
		return "", nil, cmderror.FlagErrorf("a local FILE can only be sent to a server on this machine, and %s is not on loopback; "+
			"give a URL the server can download, or detect offline with \"keyward watermark detect %s --data DIR\"", server, path)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		return "", nil, fmt.Errorf("serve %s on loopback: %w", path, err)
	}
	var secret [16]byte
	rand.Read(secret[:])
	name := "/" + hex.EncodeToString(secret[:]) + "/" + url.PathEscape(filepath.Base(path))
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.EscapedPath() != name || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
				http.NotFound(w, r)
				return
			}
			f, err := os.Open(path)
			if err != nil {
				http.Error(w, "cannot open the file", http.StatusInternalServerError)
				return
			}
			defer f.Close()
			http.ServeContent(w, r, filepath.Base(path), fi.ModTime(), f)
		}),
	}
	go srv.Serve(ln)
	link := "http://" + ln.Addr().String() + name
	return link, func() { srv.Close() }, nil
}
