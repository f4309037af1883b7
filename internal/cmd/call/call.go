// Package call implements "keyward call": one signed request to any keyward
// API, printing the JSON response.
package call

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
	"github.com/keyward/keyward/token"
)

// profiles are the token profiles "keyward call" can sign.
var profiles = []string{token.Request.String(), token.QSH.String(), token.Management.String()}

// Options are the flags and arguments of "keyward call".
type Options struct {
	IO *iostreams.IOStreams
	// Client returns the API client; tests replace it.
	Client func() (*client.Client, error)

	// Conn are the connection flags: --server, --key, --secret,
	// --credentials.
	Conn    connect.Flags
	Method  string
	Path    string
	Args    []string
	ArgJSON string
	Profile string
	APIID   string
	DID     string
	MsgID   string

	// arg is the parsed --arg or --arg-json.
	arg map[string]any
	ctx context.Context
	// target is what Client resolved, for the error messages; nil when a
	// test supplies Client.
	target *connect.Target
}

// NewCmdCall builds the "call" command.
func NewCmdCall(f *factory.Factory) *cobra.Command { return newCmdCall(f, nil) }

func newCmdCall(f *factory.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	opts.Client = f.LazyClient(&opts.Conn, &opts.target)
	cmd := &cobra.Command{
		Use:   "call METHOD PATH [--arg k=v]... [--profile request|qsh|management]",
		Short: "Call a keyward API with a properly signed token and print the response",
		Long: `Call a keyward API with a token signed the way the chosen profile wants, and
print the JSON response.

  request     a request-bound token (iss, iat, mtd, url, arg) sent as the body
              {"data": TOKEN}; the arguments travel inside the token
  qsh         a qsh token in the Authorization header, bound to the method,
              path and query; the arguments travel in the query string
  management  the management token in the Authorization header; arguments go
              to the query string for GET and DELETE, to a JSON body otherwise

The default profile is management for /v1/ paths and request for the rest.
The credential is the first of --key/--secret, --credentials FILE,
KEYWARD_KEY/KEYWARD_SECRET and ./keyward-data/admin.json; the server is
--server, KEYWARD_SERVER, the "server" of the credentials file, or
http://127.0.0.1:8080.

A response that is not a keyward envelope (a gateway route's upstream
answers in its own format) is printed as it came, with its HTTP status on
stderr.

Exit status: 0 when the envelope says successful (or a response that is not
an envelope has a success status), 1 when it says failed (the error code and
message go to stderr), 4 when the server refused the token (401/403).`,
		Example: `  keyward call POST /v3/sl/encoding --arg src=https://example.com/a.mp3 --arg artist=Ann
  keyward call POST /v3/sl/query --profile qsh --arg query=Q123
  keyward call GET /v1/credentials --arg status=active
  keyward call POST /v1/groups --arg name=rooms --arg 'api_ids:=["rooms.connect"]'`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ctx = cmd.Context()
			opts.Method, opts.Path = strings.ToUpper(args[0]), args[1]
			if !strings.HasPrefix(opts.Path, "/") {
				return cmderror.FlagErrorf("PATH must start with /, e.g. /v3/sl/encoding")
			}
			if opts.Profile == "" {
				opts.Profile = token.Request.String()
				if strings.HasPrefix(opts.Path, "/v1/") {
					opts.Profile = token.Management.String()
				}
			}
			if len(opts.Args) > 0 && opts.ArgJSON != "" {
				return cmderror.FlagErrorf("specify only one of --arg and --arg-json")
			}
			var err error
			if opts.arg, err = parseArgs(opts.Args, opts.ArgJSON); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return callRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&opts.Args, "arg", "a", nil, "an argument `k=v` (repeatable; k:=JSON for a non-string value)")
	fl.StringVar(&opts.ArgJSON, "arg-json", "", "the arguments as one JSON object")
	cliflag.StringEnum(cmd, &opts.Profile, "profile", "p", "", profiles, "the token profile (default management for /v1/, request otherwise)")
	fl.StringVar(&opts.APIID, "api-id", "", "the API id a qsh token names (default known for /v3/sl/ routes)")
	fl.StringVar(&opts.DID, "did", "", "qsh params.did")
	fl.StringVar(&opts.MsgID, "msgid", "", "qsh params.msgid, echoed in the response")
	opts.Conn.Bind(fl)
	return cmd
}

// parseArgs builds the arguments from k=v and k:=JSON pairs, or one JSON
// object.
func parseArgs(pairs []string, raw string) (map[string]any, error) {
	if raw != "" {
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil || m == nil {
			return nil, cmderror.FlagErrorf("--arg-json must be a JSON object")
		}
		return m, nil
	}
	if len(pairs) == 0 {
		return nil, nil
	}
	return cliflag.ParseArgs(pairs)
}

func callRun(opts *Options) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	p, err := token.ParseProfile(opts.Profile)
	if err != nil {
		return cmderror.FlagErrorWrap(err)
	}
	var co []client.CallOption
	if opts.APIID != "" {
		co = append(co, client.WithAPIID(opts.APIID))
	}
	if opts.DID != "" || opts.MsgID != "" {
		co = append(co, client.WithParams(opts.DID, opts.MsgID))
	}
	ctx := opts.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	resp, err := c.Call(ctx, opts.Method, opts.Path, opts.arg, p, co...)
	if resp == nil {
		return connect.Explain(err, opts.target)
	}
	if isEnvelope(resp) {
		if werr := printBody(opts.IO, resp.Body); werr != nil {
			return werr
		}
		return connect.Explain(err, opts.target)
	}
	if ownAPI(opts.Path) {
		// keyward's own APIs always answer with an envelope: whatever
		// answered is not a keyward server.
		return connect.Explain(err, opts.target)
	}
	// Not an envelope (an upstream behind the gateway answers in its own
	// format): print it as it came, and say so with the status.
	if _, werr := opts.IO.Out.Write(resp.Body); werr != nil {
		return werr
	}
	status := fmt.Sprintf("HTTP %d %s", resp.HTTPStatus, http.StatusText(resp.HTTPStatus))
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		status += ", " + ct
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s (not a keyward envelope: printed as received)\n", status)
	if resp.HTTPStatus >= 400 {
		return fmt.Errorf("%s", status)
	}
	return nil
}

// ownAPI reports whether path is one of keyward's own envelope APIs (the
// management API and the Encoding API), as opposed to a gateway route.
func ownAPI(path string) bool {
	return strings.HasPrefix(path, "/v1/") || strings.HasPrefix(path, "/v3/sl/")
}

// isEnvelope reports whether resp was a keyward envelope.
func isEnvelope(resp *client.Response) bool { return resp.Status != "" }

// printBody prints a response body, indented when it is JSON.
func printBody(io *iostreams.IOStreams, body []byte) error {
	var buf bytes.Buffer
	if json.Indent(&buf, body, "", "  ") != nil {
		buf.Reset()
		buf.Write(body)
	}
	if buf.Len() > 0 && buf.Bytes()[buf.Len()-1] != '\n' {
		buf.WriteByte('\n')
	}
	_, err := io.Out.Write(buf.Bytes())
	return err
}
