package tokencmd

import (
	"errors"
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

// VerifyOptions are the flags of "keyward token verify".
type VerifyOptions struct {
	Factory *factory.Factory

	Token       string
	secrets     secretFlags
	Secret      []byte
	Profile     string
	Method      string
	URL         string
	APIID       string
	Leeway      time.Duration
	Window      time.Duration
	MaxLifetime time.Duration
	AllowNoExp  bool
}

func newCmdVerify(f *factory.Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "verify [TOKEN|-]",
		Short: "Verify a token as the server would",
		Long: `Verify a token with its secret. On success print its claims as JSON and exit
0; otherwise print the error code (e.g. TOKEN_EXPIRED) and the reason on
stderr and exit 1. With --method and --url, request-bound tokens are checked
against that request. The token is read from standard input when it is "-"
or not given.`,
		Example: `  keyward token verify --secret "$SECRET" --profile management "$TOKEN"
  keyward token verify --secret "$SECRET" --method POST --url /v3/sl/encoding "$TOKEN"`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Token = args[0]
			}
			if opts.Token == "" || opts.Token == "-" {
				b, err := readAll(f)
				if err != nil {
					return fmt.Errorf("read token: %w", err)
				}
				opts.Token = strings.TrimSpace(string(b))
			}
			secret, err := opts.secrets.resolve(f, true)
			if err != nil {
				return err
			}
			opts.Secret = secret
			if (opts.Method == "") != (opts.URL == "") {
				return cmderror.FlagErrorf("--method and --url go together")
			}
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
	fl := cmd.Flags()
	opts.secrets.bind(cmd)
	cliflag.StringEnum(cmd, &opts.Profile, "profile", "p", "", profileNames(), "accept only this profile")
	fl.StringVarP(&opts.Method, "method", "X", "", "the request's method, to check binding")
	fl.StringVar(&opts.URL, "url", "", "the request's path and query, to check binding")
	fl.StringVar(&opts.APIID, "api-id", "", "the route's API id, to check a qsh token's id")
	fl.DurationVar(&opts.Leeway, "leeway", token.DefaultLeeway, "clock skew forgiven")
	fl.DurationVar(&opts.Window, "window", token.DefaultWindow, "how old a request-bound token's iat may be")
	fl.DurationVar(&opts.MaxLifetime, "max-lifetime", token.DefaultMaxLifetime, "longest lifetime of management and app tokens")
	fl.BoolVar(&opts.AllowNoExp, "allow-no-exp", false, "accept apikey tokens without exp")
	return cmd
}

func profileNames() []string {
	names := make([]string, len(signProfiles))
	for i, p := range signProfiles {
		names[i] = p.String()
	}
	return names
}

// verifierFor builds the verifier, accepted profiles and binding of opts.
func (opts *VerifyOptions) verifierFor() (*token.Verifier, token.Profiles, *token.Binding, error) {
	leeway := opts.Leeway
	if leeway == 0 {
		leeway = -1
	}
	v, err := token.NewVerifier(token.Config{
		Leeway: leeway, Window: opts.Window, MaxLifetime: opts.MaxLifetime,
		AllowAPIKeyWithoutExp: opts.AllowNoExp, NowFunc: opts.Factory.NowFunc,
	})
	if err != nil {
		return nil, 0, nil, cmderror.FlagErrorWrap(err)
	}
	accept := token.AllProfiles
	if opts.Profile != "" {
		p, err := token.ParseProfile(opts.Profile)
		if err != nil {
			return nil, 0, nil, cmderror.FlagErrorWrap(err)
		}
		accept = token.ProfileSet(p)
	}
	var b *token.Binding
	if opts.Method != "" {
		u, err := url.Parse(opts.URL)
		if err != nil {
			return nil, 0, nil, cmderror.FlagErrorf("--url: %v", err)
		}
		b = &token.Binding{Method: strings.ToUpper(opts.Method), Path: u.EscapedPath(), RawQuery: u.RawQuery, APIID: opts.APIID}
	}
	return v, accept, b, nil
}

func verifyRun(opts *VerifyOptions) error {
	v, accept, b, err := opts.verifierFor()
	if err != nil {
		return err
	}
	var c token.Claims
	err = token.ParseString(&c, opts.Token)
	if err == nil {
		sec, serr := token.NewSecret(c.KeyID(), opts.Secret)
		if serr != nil {
			return cmderror.FlagErrorWrap(serr)
		}
		err = v.Verify(&c, []*token.Secret{sec}, accept, b)
	}
	if err != nil {
		printTokenError(opts.Factory, err)
		return cmderror.ErrSilent
	}
	_, err = fmt.Fprintf(opts.Factory.IOStreams.Out, "%s\n", c.Payload())
	return err
}

// printTokenError writes "CODE: reason" to stderr.
func printTokenError(f *factory.Factory, err error) {
	var te *token.Error
	if errors.As(err, &te) {
		reason := te.Reason
		if te.Claim != "" {
			reason = te.Claim + ": " + reason
		}
		fmt.Fprintf(f.IOStreams.ErrOut, "%s: %s\n", te.Code, reason)
		return
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "error: %v\n", err)
}
