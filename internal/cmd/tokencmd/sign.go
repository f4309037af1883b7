package tokencmd

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/token"
)

// signProfiles are the profiles "keyward token" can mint, one subcommand
// each; they share one options struct and differ in the flags they show.
var signProfiles = []token.Profile{token.Request, token.QSH, token.Management, token.App, token.APIKey}

// SignOptions are the flags of "keyward token <profile>".
type SignOptions struct {
	Factory *factory.Factory
	Profile token.Profile

	Key     string
	secrets secretFlags
	Secret  []byte
	KID     string
	TTL     time.Duration
	JTI     string
	IAT     int64
	// Exporter is --json.
	Exporter cliflag.JSONExporter

	Method  string
	URL     string
	Args    []string
	ArgJSON string

	APIID   string
	Version string
	DID     string
	MsgID   string

	Room        string
	User        string
	Role        string
	Permissions []string
	Roles       []string
	NoExp       bool
}

func newCmdSign(f *factory.Factory, p token.Profile, runF func(*SignOptions) error) *cobra.Command {
	opts := &SignOptions{Factory: f, Profile: p}
	cmd := &cobra.Command{
		Use:   p.String(),
		Short: signShort[p],
		Long:  signLong[p],
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			secret, err := opts.secrets.resolve(f, true)
			if err != nil {
				return err
			}
			opts.Secret = secret
			if opts.Key == "" {
				opts.Key = f.Getenv("KEYWARD_KEY")
			}
			if opts.Key == "" {
				return cmderror.FlagErrorf("a key is required: --key or $KEYWARD_KEY")
			}
			if err := opts.requireFlags(); err != nil {
				return err
			}
			if len(opts.Args) > 0 && opts.ArgJSON != "" {
				return cmderror.FlagErrorf("specify only one of --arg and --arg-json")
			}
			if runF != nil {
				return runF(opts)
			}
			return signRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Key, "key", "k", "", "the app key / access key / API key (default $KEYWARD_KEY)")
	opts.secrets.bind(cmd)
	fl.StringVar(&opts.KID, "kid", "", "key id of the secret, written to the header")
	fl.Int64Var(&opts.IAT, "iat", 0, "issued-at as Unix seconds (default now)")
	cliflag.AddJSON(cmd, &opts.Exporter, []string{"token", "header", "claims"})
	switch p {
	case token.Request:
		fl.StringVarP(&opts.Method, "method", "X", "POST", "the request's HTTP method (mtd)")
		fl.StringVar(&opts.URL, "url", "", "the request path (url), e.g. /v3/sl/encoding")
		fl.StringArrayVar(&opts.Args, "arg", nil, "a parameter `k=v` for arg (repeatable; k:=JSON for a non-string value)")
		fl.StringVar(&opts.ArgJSON, "arg-json", "", "arg as one JSON object")
		fl.DurationVar(&opts.TTL, "ttl", 0, "also write exp = iat + TTL")
	case token.QSH:
		fl.StringVarP(&opts.Method, "method", "X", "GET", "the request's HTTP method")
		fl.StringVar(&opts.URL, "url", "", "the request path with its query, e.g. '/v1/content?id=7'")
		fl.StringVar(&opts.APIID, "api-id", "", "the target API id (id claim)")
		fl.StringVar(&opts.Version, "version", "", "the API version claim, e.g. 1.0")
		fl.StringVar(&opts.DID, "did", "", "params.did: the device id")
		fl.StringVar(&opts.MsgID, "msgid", "", "params.msgid: the message id echoed in the response")
		fl.DurationVar(&opts.TTL, "ttl", 0, "also write exp = iat + TTL")
	case token.Management, token.App, token.APIKey:
		fl.DurationVar(&opts.TTL, "ttl", 24*time.Hour, "lifetime: exp = iat + TTL")
		fl.StringVar(&opts.JTI, "jti", "", "the token id (default a random UUID)")
	}
	switch p {
	case token.App:
		fl.StringVar(&opts.Room, "room", "", "room_id")
		fl.StringVar(&opts.User, "user", "", "user_id")
		fl.StringVar(&opts.Role, "role", "", "role")
	case token.APIKey:
		fl.StringSliceVar(&opts.Permissions, "permissions", nil, "permissions: allow_join, ask_join, allow_mod")
		fl.StringSliceVar(&opts.Roles, "roles", nil, "roles (version 2): rtc, crawler")
		fl.StringVar(&opts.Room, "room", "", "roomId (version 2)")
		fl.StringVar(&opts.User, "participant", "", "participantId (version 2): the peer's identity in the room")
		fl.StringVar(&opts.User, "user", "", "participantId (version 2); the same as --participant")
		fl.BoolVar(&opts.NoExp, "no-exp", false, "write no exp (servers refuse such tokens by default)")
	}
	return cmd
}

// requireFlags checks the flags the profile cannot do without.
func (opts *SignOptions) requireFlags() error {
	var missing []string
	need := func(name, v string) {
		if v == "" {
			missing = append(missing, "--"+name)
		}
	}
	switch opts.Profile {
	case token.Request:
		need("url", opts.URL)
	case token.QSH:
		need("url", opts.URL)
		need("api-id", opts.APIID)
	case token.App:
		need("room", opts.Room)
		need("user", opts.User)
		need("role", opts.Role)
	}
	if len(missing) > 0 {
		return cmderror.FlagErrorf("%s token needs %s", opts.Profile, strings.Join(missing, ", "))
	}
	return nil
}

var signShort = map[token.Profile]string{
	token.Request:    "Mint a request-bound token (Soundlinks: iss, iat, mtd, url, arg)",
	token.QSH:        "Mint a qsh token (Sunbird/Atlassian: iss, iat, id, qsh)",
	token.Management: "Mint a management token (100ms: access_key, type management)",
	token.App:        "Mint an app token for a room (100ms: room_id, user_id, role)",
	token.APIKey:     "Mint an apikey token (VideoSDK: apikey, permissions)",
}

var signLong = map[token.Profile]string{
	token.Request: `Mint a request-bound token. Send it as the body {"data": TOKEN} (or as
"Authorization: Bearer TOKEN") of exactly the request it names.

  keyward token request --key APP_ID --secret APP_SECRET \
      --url /v3/sl/encoding --arg src=https://example.com/song.mp3 --arg artist=Ann`,
	token.QSH: `Mint a qsh token whose qsh claim is the SHA-256 of the canonical request.

  keyward token qsh --key K --secret S --api-id sl.encoding.query --url '/v3/sl/query?query=Q'`,
	token.Management: `Mint a management token for server-to-server calls (24 h by default).

  keyward token management --key ACCESS_KEY --secret SECRET`,
	token.App: `Mint an app token for a client joining a room.

  keyward token app --key ACCESS_KEY --secret SECRET --room R --user U --role host`,
	token.APIKey: `Mint an apikey token.

  keyward token apikey --key API_KEY --secret SECRET --permissions allow_join,allow_mod`,
}

func signRun(opts *SignOptions) error {
	f := opts.Factory
	b := token.New(opts.Profile, opts.Key, opts.Secret).SetNowFunc(f.NowFunc).SetKeyID(opts.KID).SetJWTID(opts.JTI)
	if opts.IAT != 0 {
		b.SetIssuedAt(time.Unix(opts.IAT, 0))
	}
	if opts.TTL > 0 {
		b.SetTTL(opts.TTL)
	}
	switch opts.Profile {
	case token.Request:
		arg, err := argObject(opts.Args, opts.ArgJSON)
		if err != nil {
			return err
		}
		b.SetMethod(opts.Method).SetURL(opts.URL).SetArgJSON(arg)
	case token.QSH:
		u, err := url.Parse(opts.URL)
		if err != nil {
			return cmderror.FlagErrorf("--url: %v", err)
		}
		b.SetAPIID(opts.APIID).SetRequest(opts.Method, u.EscapedPath(), u.RawQuery)
		if opts.Version != "" {
			b.SetVersion(opts.Version)
		}
		if opts.DID != "" || opts.MsgID != "" {
			b.SetParams(opts.DID, opts.MsgID)
		}
	case token.App:
		b.SetRoom(opts.Room).SetUser(opts.User).SetRole(opts.Role)
	case token.APIKey:
		b.SetPermissions(opts.Permissions...).SetRoles(opts.Roles...).SetRoom(opts.Room).SetUser(opts.User)
		if opts.NoExp {
			b.SetNoExpiry()
		}
	}
	tok, err := b.ToJWT()
	if err != nil {
		return err
	}
	out := f.IOStreams.Out
	if !opts.Exporter.Enabled() {
		_, err = fmt.Fprintln(out, tok)
		return err
	}
	var c token.Claims
	if err := token.ParseString(&c, tok); err != nil {
		return fmt.Errorf("re-read the token: %w", err)
	}
	return opts.Exporter.Write(out, struct {
		Token  string          `json:"token"`
		Header json.RawMessage `json:"header"`
		Claims json.RawMessage `json:"claims"`
	}{tok, c.Header(), c.Payload()})
}

// argObject builds the arg claim from k=v and k:=JSON pairs or one JSON
// object.
func argObject(pairs []string, raw string) ([]byte, error) {
	if raw != "" {
		var probe map[string]any
		if err := json.Unmarshal([]byte(raw), &probe); err != nil || probe == nil {
			return nil, cmderror.FlagErrorf("--arg-json must be a JSON object")
		}
		return []byte(raw), nil
	}
	arg, err := cliflag.ParseArgs(pairs)
	if err != nil {
		return nil, err
	}
	return json.Marshal(arg)
}
