package admin

import (
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
)

// decision is what "request approve" and "request reject" do; the two
// commands share this file and differ only in it.
type decision string

const (
	decisionApprove decision = "approve"
	decisionReject  decision = "reject"
)

type requestDecideOptions struct {
	apiOptions
	Decision decision
	ID       int64
	Note     string
	Exporter cliflag.JSONExporter
}

func newCmdRequestDecide(f *factory.Factory, conn *connect.Flags, d decision, runF func(*requestDecideOptions) error) *cobra.Command {
	opts := &requestDecideOptions{apiOptions: newAPIOptions(f, conn), Decision: d}
	short := map[decision]string{
		decisionApprove: "Approve a pending access request (admin)",
		decisionReject:  "Reject a pending access request (admin)",
	}
	cmd := &cobra.Command{
		Use:   string(d) + " ID [--note TEXT]",
		Short: short[d],
		Long: short[d] + `. The developer is notified, with the note if one is
given.`,
		Example: "  keyward admin request " + string(d) + ` 12 --note "see the terms at …"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			var err error
			if opts.ID, err = parseID("request", args[0]); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return requestDecideRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Note, "note", "n", "", "a note for the developer")
	cliflag.AddJSON(cmd, &opts.Exporter, requestFields)
	return cmd
}

func requestDecideRun(opts *requestDecideOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	var r *client.AccessRequest
	switch opts.Decision {
	case decisionApprove:
		r, err = c.ApproveRequest(opts.context(), opts.ID, opts.Note)
	default:
		r, err = c.RejectRequest(opts.context(), opts.ID, opts.Note)
	}
	if err != nil {
		return opts.explain(err)
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, r)
	}
	success(opts.IO, "Request %d %s", r.ID, r.Status)
	return requestDetail(opts.IO, r).render(opts.IO)
}
