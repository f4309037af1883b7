// Package encode implements "keyward encode": start an Encoding API job
// on a running server, follow it with a progress bar, and download the
// encoded song; "keyward encode status" asks about a job later.
package encode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/atomicfile"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/token"
)

// pollInterval is how often --wait asks about the job.
const pollInterval = 500 * time.Millisecond

// Status is a job's state as the query API answers it.
type Status struct {
	Status    string          `json:"status"`
	Message   string          `json:"message"`
	Job       string          `json:"job,omitempty"`
	Stage     string          `json:"stage,omitempty"`
	Progress  *float64        `json:"progress,omitempty"`
	URL       string          `json:"url,omitempty"`
	Expires   string          `json:"expires,omitempty"`
	SoundLink string          `json:"soundlink,omitempty"`
	Artist    string          `json:"artist,omitempty"`
	Duration  float64         `json:"duration,omitempty"`
	Format    string          `json:"format,omitempty"`
	Timings   json.RawMessage `json:"timings,omitempty"`
	Query     string          `json:"query,omitempty"`
}

// Caller is the part of the public client the commands use.
type Caller interface {
	Call(ctx context.Context, method, path string, args map[string]any, profile token.Profile, opts ...client.CallOption) (*client.Response, error)
}

// statusFields are the --json fields of the commands: Status's JSON names.
var statusFields = []string{"status", "message", "job", "stage", "progress", "url", "expires", "soundlink", "artist", "duration", "format", "timings", "query"}

// connection is how the commands reach the server: the shared connection
// flags, the token profile, and what was resolved from them.
type connection struct {
	flags   connect.Flags
	profile string
	// target is what client resolved, for the error messages; nil when a
	// test supplies the client.
	target *connect.Target
}

func (c *connection) bind(cmd *cobra.Command) {
	c.flags.Bind(cmd.Flags())
	cliflag.StringEnum(cmd, &c.profile, "profile", "", "request", []string{"request", "qsh"}, "the token profile to sign with")
}

// client builds the public client from the flags, the environment and the
// files, as every API command does.
func (c *connection) client(f *factory.Factory) (Caller, token.Profile, error) {
	cl, t, err := f.APIClient(c.flags)
	if err != nil {
		return nil, 0, err
	}
	c.target = t
	profile := token.Request
	if c.profile == "qsh" {
		profile = token.QSH
	}
	return cl, profile, nil
}

// explain words a failed call as every API command does.
func (c *connection) explain(err error) error { return connect.Explain(err, c.target) }

// NewCmdEncode builds the "encode" command and its "status" subcommand.
func NewCmdEncode(f *factory.Factory) *cobra.Command {
	cmd := newCmdStart(f, nil)
	cmd.AddCommand(newCmdStatus(f, nil))
	return cmd
}

// query asks about the job of q.
func query(ctx context.Context, c Caller, profile token.Profile, q string) (*Status, error) {
	resp, err := c.Call(ctx, http.MethodPost, "/v3/sl/query", map[string]any{"query": q}, profile)
	if err != nil {
		return nil, err
	}
	var st Status
	if err := json.Unmarshal(fieldsJSON(resp), &st); err != nil {
		return nil, fmt.Errorf("read query answer: %w", err)
	}
	return &st, nil
}

// fieldsJSON returns the API's own fields as one JSON object.
func fieldsJSON(resp *client.Response) []byte {
	b, _ := json.Marshal(resp.Fields)
	return b
}

// waitFor polls until the job is no longer processing, drawing a progress
// bar on stderr when it is a terminal.
func waitFor(ctx context.Context, c Caller, profile token.Profile, q string, stderr io.Writer, tty bool) (*Status, error) {
	var bar *progressbar.ProgressBar
	if tty {
		bar = progressbar.NewOptions(100, progressbar.OptionSetWriter(stderr), progressbar.OptionSetWidth(30),
			progressbar.OptionClearOnFinish(), progressbar.OptionSetDescription("queued"))
		defer bar.Finish()
	}
	for {
		st, err := query(ctx, c, profile, q)
		if err != nil {
			return nil, err
		}
		if st.Status != "processing" {
			return st, nil
		}
		if bar != nil && st.Progress != nil {
			bar.Describe(fmt.Sprintf("%-11s", st.Stage))
			bar.Set(stageProgress(st.Stage, *st.Progress))
		}
		select {
		case <-ctx.Done():
			return nil, cmderror.Mark(ctx.Err(), cmderror.ErrCancel)
		case <-time.After(pollInterval):
		}
	}
}

// stageProgress maps a stage and its own progress onto 0–100 overall.
func stageProgress(stage string, p float64) int {
	spans := map[string][2]float64{
		"queued": {0, 0}, "downloading": {0, 40}, "decoding": {40, 55}, "encoding": {55, 85}, "storing": {85, 100},
	}
	s, ok := spans[stage]
	if !ok {
		return 0
	}
	return int(s[0] + (s[1]-s[0])*p)
}

// printStatus writes a job's state for people, or as JSON with --json.
func printStatus(w io.Writer, st *Status, e *cliflag.JSONExporter) error {
	if e.Enabled() {
		return e.Write(w, st)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "status:    %s\n", st.Status)
	if st.Message != "" {
		fmt.Fprintf(&b, "message:   %s\n", st.Message)
	}
	if st.Status == "complete" {
		fmt.Fprintf(&b, "soundlink: %s\nartist:    %s\nduration:  %.1f s\nformat:    %s\nurl:       %s\nexpires:   %s\n",
			st.SoundLink, st.Artist, st.Duration, st.Format, st.URL, st.Expires)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// download saves the complete job's file to path.
func download(ctx context.Context, link, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("download: the server answered %s", resp.Status)
	}
	if err := atomicfile.Write(path, 0o644, func(w io.Writer) error {
		_, err := io.Copy(w, resp.Body)
		return err
	}); err != nil {
		return fmt.Errorf("download: %w", err)
	}
	return nil
}

// stderrTTY reports whether w is a terminal.
func stderrTTY(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// errFailed is returned when the job ended failed.
var errFailed = errors.New("the encoding job failed")
