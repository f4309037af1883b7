package admin

import (
	"slices"
	"strconv"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/apicmd"
	"github.com/keyward/keyward/internal/iostreams"
)

// How each kind of management object prints: its --json fields (its JSON
// names in the API), its table columns and its detail lines.
var (
	accountKind = apicmd.Kind[*client.Account]{
		Fields: []string{"id", "email", "name", "role", "created_at", "updated_at"},
		Header: []string{"ID", "EMAIL", "NAME", "ROLE", "CREATED"},
		Row: func(io *iostreams.IOStreams, a *client.Account) []string {
			return []string{apicmd.ID(a.ID), a.Email, a.Name, a.Role, apicmd.Time(io, a.CreatedAt)}
		},
		Detail: func(io *iostreams.IOStreams, a *client.Account) apicmd.Detail {
			return apicmd.Detail{{"id", apicmd.ID(a.ID)}, {"email", a.Email}, {"name", a.Name}, {"role", a.Role},
				{"created", apicmd.Time(io, a.CreatedAt)}, {"updated", apicmd.Time(io, a.UpdatedAt)}}
		},
	}
	groupKind = apicmd.Kind[*client.Group]{
		Fields: []string{"name", "description", "api_ids", "created_at", "updated_at"},
		Header: []string{"NAME", "API IDS", "DESCRIPTION"},
		Row: func(_ *iostreams.IOStreams, g *client.Group) []string {
			return []string{g.Name, apicmd.Join(g.APIIDs), g.Description}
		},
		Detail: func(io *iostreams.IOStreams, g *client.Group) apicmd.Detail {
			return apicmd.Detail{{"name", g.Name}, {"description", g.Description}, {"api ids", apicmd.Join(g.APIIDs)},
				{"created", apicmd.Time(io, g.CreatedAt)}, {"updated", apicmd.Time(io, g.UpdatedAt)}}
		},
	}
	requestKind = apicmd.Kind[*client.AccessRequest]{
		Fields: []string{"id", "account_id", "groups", "reason", "status", "decision_note", "decided_by", "decided_at", "created_at"},
		Header: []string{"ID", "ACCOUNT", "GROUPS", "STATUS", "CREATED", "REASON"},
		Row: func(io *iostreams.IOStreams, r *client.AccessRequest) []string {
			return []string{apicmd.ID(r.ID), apicmd.ID(r.AccountID), apicmd.Join(r.Groups), r.Status, apicmd.Time(io, r.CreatedAt), r.Reason}
		},
		Detail: requestDetail,
	}
	credentialKind = apicmd.Kind[*client.Credential]{
		Fields: []string{"id", "key", "name", "notes", "owner_id", "groups", "status", "secrets", "created_at", "updated_at", "revoked_at", "last_used_at"},
		Header: []string{"ID", "KEY", "NAME", "OWNER", "GROUPS", "STATUS", "LAST USED"},
		Row: func(io *iostreams.IOStreams, c *client.Credential) []string {
			return []string{apicmd.ID(c.ID), c.Key, c.Name, apicmd.ID(c.OwnerID), apicmd.Join(c.Groups), c.Status, apicmd.Time(io, c.LastUsedAt)}
		},
		Detail: credentialDetail,
	}
	// secretKind prints a credential with the secret just made for it, once.
	secretKind = apicmd.Kind[issuedSecret]{
		Fields: append(slices.Clone(credentialKind.Fields), "kid", "secret"),
		Detail: func(_ *iostreams.IOStreams, s issuedSecret) apicmd.Detail {
			return apicmd.Detail{{"key", s.Credential.Key}, {"kid", s.KID}, {"secret", s.Secret}}
		},
		Warn: "! The secret is shown only once: store it now. keyward cannot show it again.",
	}
	auditKind = apicmd.Kind[*client.AuditEntry]{
		Fields: []string{"id", "actor_id", "action", "target_kind", "target_id", "detail", "remote_addr", "created_at"},
		Header: []string{"ID", "TIME", "ACTOR", "ACTION", "TARGET", "FROM", "DETAIL"},
		Row: func(io *iostreams.IOStreams, e *client.AuditEntry) []string {
			return []string{apicmd.ID(e.ID), apicmd.Time(io, e.CreatedAt), apicmd.ID(e.ActorID), e.Action, e.TargetKind + ":" + e.TargetID, e.RemoteAddr, string(e.Detail)}
		},
	}
	notificationKind = apicmd.Kind[*client.Notification]{
		Fields: []string{"id", "account_id", "kind", "subject", "body", "target_kind", "target_id", "read_at", "created_at"},
		Header: []string{"ID", "TIME", "READ", "KIND", "SUBJECT"},
		Row: func(io *iostreams.IOStreams, n *client.Notification) []string {
			read := map[bool]string{true: "no", false: "yes"}[n.ReadAt.IsZero()]
			return []string{apicmd.ID(n.ID), apicmd.Time(io, n.CreatedAt), read, n.Kind, n.Subject}
		},
	}
	usageKind = apicmd.Kind[*client.UsageRow]{
		Fields: []string{"credential_id", "route", "status", "minute", "count"},
		Header: []string{"MINUTE", "CREDENTIAL", "ROUTE", "STATUS", "COUNT"},
		Row: func(io *iostreams.IOStreams, r *client.UsageRow) []string {
			return []string{apicmd.Time(io, r.Minute), apicmd.ID(r.CredentialID), r.Route, strconv.Itoa(r.Status), apicmd.ID(r.Count)}
		},
	}
)

// issuedSecret is a credential with the secret just made for it, as --json
// prints it: {"key":…,"secret":…,"kid":…,"id":…,…}.
type issuedSecret struct {
	*client.Credential
	KID    string `json:"kid"`
	Secret string `json:"secret"`
}

func requestDetail(io *iostreams.IOStreams, r *client.AccessRequest) apicmd.Detail {
	d := apicmd.Detail{{"id", apicmd.ID(r.ID)}, {"account", apicmd.ID(r.AccountID)}, {"groups", apicmd.Join(r.Groups)},
		{"status", r.Status}, {"reason", r.Reason}, {"created", apicmd.Time(io, r.CreatedAt)}}
	if r.DecidedBy != 0 || !r.DecidedAt.IsZero() {
		d = append(d, [2]string{"decided by", apicmd.ID(r.DecidedBy)}, [2]string{"decided", apicmd.Time(io, r.DecidedAt)}, [2]string{"note", r.DecisionNote})
	}
	return d
}

func credentialDetail(io *iostreams.IOStreams, c *client.Credential) apicmd.Detail {
	d := apicmd.Detail{{"id", apicmd.ID(c.ID)}, {"key", c.Key}, {"name", c.Name}, {"notes", c.Notes},
		{"owner", apicmd.ID(c.OwnerID)}, {"groups", apicmd.Join(c.Groups)}, {"status", c.Status}}
	for _, s := range c.Secrets {
		d.Add("secret", secretText(io, s))
	}
	d.Add("created", apicmd.Time(io, c.CreatedAt))
	d.Add("last used", apicmd.Time(io, c.LastUsedAt))
	if !c.RevokedAt.IsZero() {
		d.Add("revoked", apicmd.Time(io, c.RevokedAt))
	}
	return d
}

// secretText describes one secret: its kid and its state.
func secretText(io *iostreams.IOStreams, s client.SecretInfo) string {
	text := s.KID + " created " + apicmd.Time(io, s.CreatedAt)
	switch {
	case !s.RetiredAt.IsZero():
		text += ", retired " + apicmd.Time(io, s.RetiredAt)
	case !s.ExpiresAt.IsZero():
		text += ", expires " + apicmd.Time(io, s.ExpiresAt)
	}
	return text
}
