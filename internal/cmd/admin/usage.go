package admin

import (
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

type usageOptions struct {
	apiOptions
	Credential int64
	Since      time.Time
	Until      time.Time
	Exporter   cliflag.JSONExporter
}

func newCmdUsage(f *factory.Factory, conn *connect.Flags, runF func(*usageOptions) error) *cobra.Command {
	opts := &usageOptions{apiOptions: newAPIOptions(f, conn)}
	var since, until string
	cmd := &cobra.Command{
		Use:   "usage [--credential ID] [--since T] [--until T]",
		Short: "Show request counts per credential, route, status and minute",
		Long: `Show request counts per credential, route, status and minute, newest first.
--since and --until take an RFC 3339 time (2027-01-15T08:00:00Z) or a duration
back from now (90m, 24h).`,
		Example: `  keyward admin usage --credential 7 --since 24h`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			now := f.NowFunc()
			var err error
			if opts.Since, err = parseSince("--since", since, now); err != nil {
				return err
			}
			if opts.Until, err = parseSince("--until", until, now); err != nil {
				return err
			}
			if !opts.Since.IsZero() && !opts.Until.IsZero() && !opts.Since.Before(opts.Until) {
				return cmderror.FlagErrorf("--since must be before --until")
			}
			if opts.Credential < 0 {
				return cmderror.FlagErrorf("invalid --credential %d", opts.Credential)
			}
			if runF != nil {
				return runF(opts)
			}
			return usageRun(opts)
		},
	}
	cmd.Flags().Int64Var(&opts.Credential, "credential", 0, "only this credential's usage")
	cmd.Flags().StringVar(&since, "since", "", "from this time, or this long ago")
	cmd.Flags().StringVar(&until, "until", "", "up to this time, or this long ago")
	cliflag.AddJSON(cmd, &opts.Exporter, usageFields)
	return cmd
}

// parseSince reads an RFC 3339 time or a duration before now.
func parseSince(flag, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, cmderror.FlagErrorf("%s %q: want an RFC 3339 time or a duration such as 24h", flag, s)
}

func usageRun(opts *usageOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	rows, err := c.Usage(opts.context(), &client.UsageOptions{Credential: opts.Credential, Since: opts.Since, Until: opts.Until})
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, nonNil(rows))
	}
	t := newTable("MINUTE", "CREDENTIAL", "ROUTE", "STATUS", "COUNT")
	for _, r := range rows {
		t.add(timeText(opts.IO, r.Minute), id(r.CredentialID), r.Route, strconv.Itoa(r.Status), strconv.FormatInt(r.Count, 10))
	}
	return t.render(opts.IO)
}
