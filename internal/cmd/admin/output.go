package admin

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/iostreams"
)

// table prints rows: aligned under a header on a terminal, as plain
// tab-separated lines without a header otherwise.
type table struct {
	header []string
	rows   [][]string
}

func newTable(header ...string) *table { return &table{header: header} }

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) render(io *iostreams.IOStreams) error {
	if !io.IsStdoutTTY() {
		for _, r := range t.rows {
			if _, err := fmt.Fprintln(io.Out, strings.Join(clean(r), "\t")); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(clean(r), "\t"))
	}
	return tw.Flush()
}

// clean keeps tabs and newlines in values from breaking the columns.
func clean(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(c)
	}
	return out
}

// detail prints one object as "name: value" lines on a terminal and
// "name<TAB>value" lines otherwise.
type detail [][2]string

func (d *detail) add(name, value string) { *d = append(*d, [2]string{name, value}) }

func (d detail) render(io *iostreams.IOStreams) error {
	t := &table{}
	for _, kv := range d {
		name := kv[0]
		if io.IsStdoutTTY() {
			name += ":"
		}
		t.add(name, kv[1])
	}
	if !io.IsStdoutTTY() {
		return t.render(io)
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 1, ' ', 0)
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(clean(r), "\t"))
	}
	return tw.Flush()
}

// timeText formats a time: short and local on a terminal, RFC 3339 in UTC
// otherwise; the zero time is "-" or "".
func timeText(io *iostreams.IOStreams, t time.Time) string {
	if io.IsStdoutTTY() {
		if t.IsZero() {
			return "-"
		}
		return t.Local().Format("2006-01-02 15:04")
	}
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func list(s []string) string { return strings.Join(s, ",") }

// The --json fields of each kind of object: their JSON names in the API.
var (
	accountFields      = []string{"id", "email", "name", "role", "created_at", "updated_at"}
	groupFields        = []string{"name", "description", "api_ids", "created_at", "updated_at"}
	requestFields      = []string{"id", "account_id", "groups", "reason", "status", "decision_note", "decided_by", "decided_at", "created_at"}
	credentialFields   = []string{"id", "key", "name", "notes", "owner_id", "groups", "status", "secrets", "created_at", "updated_at", "revoked_at", "last_used_at"}
	auditFields        = []string{"id", "actor_id", "action", "target_kind", "target_id", "detail", "remote_addr", "created_at"}
	notificationFields = []string{"id", "account_id", "kind", "subject", "body", "target_kind", "target_id", "read_at", "created_at"}
	usageFields        = []string{"credential_id", "route", "status", "minute", "count"}
)

func accountDetail(io *iostreams.IOStreams, a *client.Account) detail {
	var d detail
	d.add("id", id(a.ID))
	d.add("email", a.Email)
	d.add("name", a.Name)
	d.add("role", a.Role)
	d.add("created", timeText(io, a.CreatedAt))
	d.add("updated", timeText(io, a.UpdatedAt))
	return d
}

func groupDetail(io *iostreams.IOStreams, g *client.Group) detail {
	var d detail
	d.add("name", g.Name)
	d.add("description", g.Description)
	d.add("api ids", list(g.APIIDs))
	d.add("created", timeText(io, g.CreatedAt))
	d.add("updated", timeText(io, g.UpdatedAt))
	return d
}

func requestDetail(io *iostreams.IOStreams, r *client.AccessRequest) detail {
	var d detail
	d.add("id", id(r.ID))
	d.add("account", id(r.AccountID))
	d.add("groups", list(r.Groups))
	d.add("status", r.Status)
	d.add("reason", r.Reason)
	d.add("created", timeText(io, r.CreatedAt))
	if r.DecidedBy != 0 || !r.DecidedAt.IsZero() {
		d.add("decided by", id(r.DecidedBy))
		d.add("decided", timeText(io, r.DecidedAt))
		d.add("note", r.DecisionNote)
	}
	return d
}

func credentialDetail(io *iostreams.IOStreams, c *client.Credential) detail {
	var d detail
	d.add("id", id(c.ID))
	d.add("key", c.Key)
	d.add("name", c.Name)
	d.add("notes", c.Notes)
	d.add("owner", id(c.OwnerID))
	d.add("groups", list(c.Groups))
	d.add("status", c.Status)
	for _, s := range c.Secrets {
		d.add("secret", secretText(io, s))
	}
	d.add("created", timeText(io, c.CreatedAt))
	d.add("last used", timeText(io, c.LastUsedAt))
	if !c.RevokedAt.IsZero() {
		d.add("revoked", timeText(io, c.RevokedAt))
	}
	return d
}

// secretText describes one secret: its kid and its state.
func secretText(io *iostreams.IOStreams, s client.SecretInfo) string {
	text := s.KID + " created " + timeText(io, s.CreatedAt)
	switch {
	case !s.RetiredAt.IsZero():
		text += ", retired " + timeText(io, s.RetiredAt)
	case !s.ExpiresAt.IsZero():
		text += ", expires " + timeText(io, s.ExpiresAt)
	}
	return text
}
