package tokencmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/token"
)

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
			secret, err := opts.secrets.resolve(f, false)
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
			return inspectRun(opts)
		},
	}
	fl := cmd.Flags()
	opts.secrets.bind(cmd)
	cliflag.StringEnum(cmd, &opts.Profile, "profile", "p", "", profileNames(), "accept only this profile")
	fl.StringVarP(&opts.Method, "method", "X", "", "the request's method, to check binding")
	fl.StringVar(&opts.URL, "url", "", "the request's path and query, to check binding")
	fl.StringVar(&opts.APIID, "api-id", "", "the route's API id")
	fl.DurationVar(&opts.Leeway, "leeway", token.DefaultLeeway, "clock skew forgiven")
	fl.DurationVar(&opts.Window, "window", token.DefaultWindow, "how old a request-bound token's iat may be")
	fl.DurationVar(&opts.MaxLifetime, "max-lifetime", token.DefaultMaxLifetime, "longest lifetime of management and app tokens")
	fl.BoolVar(&opts.AllowNoExp, "allow-no-exp", false, "accept apikey tokens without exp")
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
