package tokencmd

import (
	"bytes"
	"encoding/json"
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
		RunE: opts.runE(true, func() error { return runOr(runF, verifyRun, opts) }),
	}
	opts.bind(cmd, "the route's API id, to check a qsh token's id")
	return cmd
}

// bind binds the flags verify and inspect share.
func (opts *VerifyOptions) bind(cmd *cobra.Command, apiIDUsage string) {
	fl := cmd.Flags()
	opts.secrets.bind(cmd)
	cliflag.StringEnum(cmd, &opts.Profile, "profile", "p", "", profileNames(), "accept only this profile")
	fl.StringVarP(&opts.Method, "method", "X", "", "the request's method, to check binding")
	fl.StringVar(&opts.URL, "url", "", "the request's path and query, to check binding")
	fl.StringVar(&opts.APIID, "api-id", "", apiIDUsage)
	fl.DurationVar(&opts.Leeway, "leeway", token.DefaultLeeway, "clock skew forgiven")
	fl.DurationVar(&opts.Window, "window", token.DefaultWindow, "how old a request-bound token's iat may be")
	fl.DurationVar(&opts.MaxLifetime, "max-lifetime", token.DefaultMaxLifetime, "longest lifetime of management and app tokens")
	fl.BoolVar(&opts.AllowNoExp, "allow-no-exp", false, "accept apikey tokens without exp")
}

// runE parses the arguments as [VerifyOptions.parse] does, then runs run.
func (opts *VerifyOptions) runE(secretRequired bool, run func() error) func(*cobra.Command, []string) error {
	return func(_ *cobra.Command, args []string) error {
		if err := opts.parse(args, secretRequired); err != nil {
			return err
		}
		return run()
	}
}

// runOr calls runF (a test's) if set, else run.
func runOr[T any](runF, run func(*T) error, opts *T) error {
	if runF != nil {
		return runF(opts)
	}
	return run(opts)
}

// parse reads the token (from stdin when it is "-" or not given) and the
// secret, required or not, and checks the flags.
func (opts *VerifyOptions) parse(args []string, secretRequired bool) error {
	f := opts.Factory
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
	secret, err := opts.secrets.resolve(f, secretRequired)
	if err != nil {
		return err
	}
	opts.Secret = secret
	if (opts.Method == "") != (opts.URL == "") {
		return cmderror.FlagErrorf("--method and --url go together")
	}
	return nil
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

// InspectOptions are the flags of "keyward token inspect".
type InspectOptions struct {
	VerifyOptions
	// Exporter is --json.
	Exporter cliflag.JSONExporter
}

func newCmdInspect(f *factory.Factory, runF func(*InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{VerifyOptions: VerifyOptions{Factory: f}}
	cmd := &cobra.Command{
		Use:   "inspect [TOKEN|-]",
		Short: "Explain a token: header, claims, dates, and what would fail and why",
		Long: `Decode a token and explain it: its header and claims, its dates in human form,
the profile it claims to be, and every check that would fail. The signature is
checked only when a secret is given. Exits 1 when a check fails.`,
		Args: cobra.MaximumNArgs(1),
		RunE: opts.runE(false, func() error { return runOr(runF, inspectRun, opts) }),
	}
	opts.bind(cmd, "the route's API id")
	cliflag.AddJSON(cmd, &opts.Exporter, []string{"valid", "profile", "header", "claims", "dates", "problems"})
	return cmd
}

// inspectReport is what inspect prints.
type inspectReport struct {
	Valid    bool            `json:"valid"`
	Profile  string          `json:"profile,omitempty"`
	Header   json.RawMessage `json:"header,omitempty"`
	Claims   json.RawMessage `json:"claims,omitempty"`
	Dates    []inspectDate   `json:"dates,omitempty"`
	Problems []inspectIssue  `json:"problems"`
}

type inspectDate struct {
	Claim string    `json:"claim"`
	Time  time.Time `json:"time"`
	Human string    `json:"human"`
}

type inspectIssue struct {
	Code   token.Code `json:"code"`
	Claim  string     `json:"claim,omitempty"`
	Reason string     `json:"reason"`
}

func inspectRun(opts *InspectOptions) error {
	f := opts.Factory
	v, accept, b, err := opts.verifierFor()
	if err != nil {
		return err
	}
	rep := inspectReport{Problems: []inspectIssue{}}
	var c token.Claims
	if err := token.ParseString(&c, opts.Token); err != nil {
		rep.Problems = append(rep.Problems, issueOf(err))
	} else {
		rep.Profile = c.Profile().String()
		if c.Profile() == 0 {
			rep.Profile = ""
		}
		rep.Header, rep.Claims = c.Header(), c.Payload()
		now := f.NowFunc()
		for _, d := range []struct {
			name string
			t    time.Time
		}{{"iat", c.IssuedAt()}, {"nbf", c.NotBefore()}, {"exp", c.Expires()}} {
			if !d.t.IsZero() {
				rep.Dates = append(rep.Dates, inspectDate{d.name, d.t.UTC(), relative(d.t, now)})
			}
		}
		var secrets []*token.Secret
		if len(opts.Secret) > 0 {
			secrets = []*token.Secret{token.MustSecret(c.KeyID(), opts.Secret)}
		}
		for _, e := range v.Diagnose(&c, secrets, accept, b) {
			rep.Problems = append(rep.Problems, issueOf(e))
		}
	}
	rep.Valid = true
	for _, p := range rep.Problems {
		if !(p.Code == token.CodeSignature && len(opts.Secret) == 0) {
			rep.Valid = false
		}
	}
	if opts.Exporter.Enabled() {
		if err := opts.Exporter.Write(f.IOStreams.Out, rep); err != nil {
			return err
		}
	} else {
		writeInspect(f, &rep)
	}
	if !rep.Valid {
		return cmderror.ErrSilent
	}
	return nil
}

func issueOf(err error) inspectIssue {
	if te, ok := err.(*token.Error); ok {
		return inspectIssue{te.Code, te.Claim, te.Reason}
	}
	return inspectIssue{Reason: err.Error()}
}

func writeInspect(f *factory.Factory, rep *inspectReport) {
	w := f.IOStreams.Out
	if rep.Header != nil {
		fmt.Fprintf(w, "Profile: %s\n", orNone(rep.Profile))
		fmt.Fprintf(w, "Header:  %s\n", indentJSON(rep.Header))
		fmt.Fprintf(w, "Claims:  %s\n", indentJSON(rep.Claims))
	}
	for _, d := range rep.Dates {
		fmt.Fprintf(w, "%-4s %s (%s)\n", d.Claim+":", d.Time.Format(time.RFC3339), d.Human)
	}
	if len(rep.Problems) == 0 {
		fmt.Fprintln(w, "Verdict: valid")
		return
	}
	if rep.Valid {
		fmt.Fprintln(w, "Verdict: valid apart from the signature, which was not checked (give --secret)")
		return
	}
	fmt.Fprintln(w, "Verdict: would be refused:")
	for _, p := range rep.Problems {
		claim := ""
		if p.Claim != "" {
			claim = p.Claim + ": "
		}
		fmt.Fprintf(w, "  - %s: %s%s\n", p.Code, claim, p.Reason)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none: no iss, access_key or apikey claim)"
	}
	return s
}

func indentJSON(raw []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "         ", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

// relative describes t against now, e.g. "in 23h59m" or "5m ago".
func relative(t, now time.Time) string {
	d := t.Sub(now).Round(time.Second)
	switch {
	case d == 0:
		return "now"
	case d > 0:
		return "in " + d.String()
	default:
		return (-d).String() + " ago"
	}
}
