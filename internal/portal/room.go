package portal

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/internal/rooms"
)

// Rooms is what the room pages need of the rooms service; *rooms.Service
// implements it. The portal reads rooms from the store, and takes live
// state and moderation through the service, the same methods the REST API
// calls, so that both reach the room's live session the same way. Every
// method is scoped to an account.
type Rooms interface {
	// Store returns the store rooms are kept in.
	Store() rooms.Store
	// Live returns the account's room ref and its live state, or the room
	// and rooms.ErrNotActive.
	Live(ctx context.Context, accountID int64, ref string) (*rooms.Room, *rooms.ActiveRoom, error)
	// RemovePeer removes a peer (or a role's peers) from the live session.
	RemovePeer(ctx context.Context, accountID int64, ref, peerID, role, reason string) (int, error)
	// EndRoom ends the live session; lock disables the room too.
	EndRoom(ctx context.Context, accountID int64, ref, reason string, lock bool) error
}

// Limits of the room pages.
const (
	// roomsPerPage is how many rooms the list shows at once.
	roomsPerPage = 25
	// recentSessions is how many sessions a room's page lists.
	recentSessions = 10
	// maxReasonLen bounds the reason given to remove a peer or end a room.
	maxReasonLen = 200
	// maxTemplateJSON bounds the template field of the settings form.
	maxTemplateJSON = 32 << 10
)

func roomPath(id string) string { return "/portal/rooms/" + url.PathEscape(id) }

// roomRow is a room in the list, with its live session if any.
type roomRow struct {
	Room *rooms.Room
	Live *rooms.Session
}

// roomsPage is the data of the room list.
type roomsPage struct {
	Rooms []roomRow
	Next  string
}

// handleRoomIndex answers GET /portal/rooms?after=: the viewer's rooms,
// newest first. Admins see their own rooms too, not everyone's.
func (p *Portal) handleRoomIndex(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := accountFromContext(ctx)
	after := r.URL.Query().Get("after")
	if after != "" && !rooms.IsID(after) {
		p.fail(w, r, errcode.Errorf(errcode.InvalidArgument, "The page cursor is not valid."))
		return
	}
	st := p.rooms.Store()
	page, err := st.ListRooms(ctx, &rooms.ListRoomsParams{AccountID: a.ID, Limit: roomsPerPage, After: after})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := roomsPage{Next: page.Next}
	for _, rm := range page.Rooms {
		row := roomRow{Room: rm}
		ss, err := st.Sessions(ctx, rm.ID, 1)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		if len(ss) > 0 && ss[0].Live() {
			row.Live = ss[0]
		}
		d.Rooms = append(d.Rooms, row)
	}
	p.render(w, r, http.StatusOK, "rooms", p.newView(r, "My rooms", "rooms", d))
}

// roleRow is one role of a room's template, for the roles table.
type roleRow struct {
	Name string
	Caps rooms.Capabilities
}

// sessionRow is a recent session and its peers.
type sessionRow struct {
	Session *rooms.Session
	Peers   []*rooms.PeerRecord
}

// roomPage is the data of a room's page.
type roomPage struct {
	Room  *rooms.Room
	Roles []roleRow
	// Live is the live session, or nil.
	Live *rooms.ActiveRoom
	// Sessions are the latest sessions, newest first.
	Sessions []sessionRow
	// Form is the settings form as shown: the room's values, or what was
	// typed when it was refused.
	Form roomForm
	Now  time.Time
}

// roomForm is the settings form's fields as text.
type roomForm struct {
	Enabled                        bool
	MaxPeers, WebhookURL, Template string
}

// formOf returns the settings form of rm.
func formOf(rm *rooms.Room) roomForm {
	b, err := json.MarshalIndent(rm.Template, "", "  ")
	if err != nil {
		b = []byte("{}")
	}
	return roomForm{Enabled: rm.Enabled, MaxPeers: strconv.Itoa(rm.MaxPeers), WebhookURL: rm.Webhook.URL, Template: string(b)}
}

// handleRoomView answers GET /portal/rooms/{id}: the room's settings,
// live peers and recent sessions. Another account's room is 404, as for
// an id that does not exist.
func (p *Portal) handleRoomView(w http.ResponseWriter, r *http.Request) {
	p.renderRoom(w, r, http.StatusOK, nil, "")
}

// renderRoom renders the room's page; form, when not nil, is the refused
// settings form and msg why.
func (p *Portal) renderRoom(w http.ResponseWriter, r *http.Request, status int, form *roomForm, msg string) {
	ctx := r.Context()
	a := accountFromContext(ctx)
	rm, live, err := p.rooms.Live(ctx, a.ID, r.PathValue("id"))
	if err != nil && !errors.Is(err, rooms.ErrNotActive) {
		p.fail(w, r, err)
		return
	}
	d := roomPage{Room: rm, Live: live, Form: formOf(rm), Now: p.now()}
	if form != nil {
		d.Form = *form
	}
	for name, c := range rm.Template.Roles {
		d.Roles = append(d.Roles, roleRow{Name: name, Caps: c})
	}
	slices.SortFunc(d.Roles, func(x, y roleRow) int { return strings.Compare(x.Name, y.Name) })
	st := p.rooms.Store()
	ss, err := st.Sessions(ctx, rm.ID, recentSessions)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	for _, s := range ss {
		peers, err := st.SessionPeers(ctx, s.ID)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		d.Sessions = append(d.Sessions, sessionRow{Session: s, Peers: peers})
	}
	v := p.newView(r, rm.Name, "rooms", d)
	v.Error = msg
	p.render(w, r, status, "room", v)
}

// parseRoomForm reads the settings form into an update of the account's
// room ref; the form's text comes back for showing it again on error.
func parseRoomForm(v url.Values) (roomForm, *rooms.UpdateRoomParams, error) {
	f := roomForm{Enabled: v.Get("enabled") != "", MaxPeers: strings.TrimSpace(v.Get("max_peers")),
		WebhookURL: strings.TrimSpace(v.Get("webhook_url")), Template: v.Get("template")}
	u := &rooms.UpdateRoomParams{Enabled: &f.Enabled}
	n, err := strconv.Atoi(f.MaxPeers)
	if err != nil || n < 1 || n > rooms.MaxMaxPeers {
		return f, nil, errcode.Errorf(errcode.InvalidArgument, "Max peers must be a whole number from 1 to %d.", rooms.MaxMaxPeers)
	}
	u.MaxPeers = &n
	if len(f.Template) > maxTemplateJSON {
		return f, nil, errcode.Errorf(errcode.InvalidArgument, "The template is longer than %d KiB.", maxTemplateJSON>>10)
	}
	var t rooms.Template
	dec := json.NewDecoder(strings.NewReader(f.Template))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return f, nil, errcode.Errorf(errcode.InvalidArgument, "The template is not valid JSON of the form {\"name\": …, \"roles\": {…}}: %v.", err)
	}
	if dec.More() {
		return f, nil, errcode.Errorf(errcode.InvalidArgument, "The template has text after its JSON object.")
	}
	if err := t.Validate(); err != nil {
		return f, nil, errcode.Errorf(errcode.InvalidArgument, "The template is not acceptable: %v.", err)
	}
	u.Template = &t
	return f, u, nil
}

// handleRoomUpdate answers POST /portal/rooms/{id}: enabled, max_peers,
// webhook_url and template (JSON). A refused form is shown again with what
// was typed and why.
func (p *Portal) handleRoomUpdate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := accountFromContext(ctx)
	st := p.rooms.Store()
	rm, err := st.Room(ctx, a.ID, r.PathValue("id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	form, u, err := parseRoomForm(r.PostForm)
	if err != nil {
		p.renderRoom(w, r, asError(err).Status(), &form, asError(err).Message)
		return
	}
	u.AccountID, u.Ref, u.Now = a.ID, rm.ID, p.now()
	if form.WebhookURL != rm.Webhook.URL {
		hook := rooms.Webhook{URL: form.WebhookURL}
		if hook.URL != "" {
			hook.Events = rm.Webhook.Events
		}
		u.Webhook = &hook
	}
	updated, err := st.UpdateRoom(ctx, u)
	if code := rooms.CodeOf(err); code == rooms.CodeInvalid {
		p.renderRoom(w, r, http.StatusBadRequest, &form, asError(err).Message)
		return
	} else if err != nil {
		p.fail(w, r, err)
		return
	}
	detail := map[string]any{"name": updated.Name, "enabled": updated.Enabled, "max_peers": updated.MaxPeers,
		"webhook_url": updated.Webhook.URL, "roles": roleNames(updated.Template)}
	if err := p.svc.RecordAudit(ctx, credential.ActionRoomUpdate, credential.TargetRoom, rm.ID, detail); err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, roomPath(rm.ID), "Settings of "+updated.Name+" saved.")
}

// roleNames returns the template's role names, sorted.
func roleNames(t rooms.Template) []string {
	names := make([]string, 0, len(t.Roles))
	for n := range t.Roles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// moderation is what a moderation form did, for the audit log and the
// page the browser is sent back to.
type moderation struct {
	room   *rooms.Room
	detail map[string]any
	flash  string
}

// moderate answers a moderation form of the room in the path: it reads the
// form's reason (trimmed, bounded, printable), runs act, records the
// action in the audit log and sends the browser back to the room's page.
func (p *Portal) moderate(w http.ResponseWriter, r *http.Request, action string,
	act func(ctx context.Context, accountID int64, reason string) (*moderation, error)) {
	ctx := r.Context()
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if err := rooms.CheckText("reason", reason, maxReasonLen); err != nil {
		p.fail(w, r, errcode.Errorf(errcode.InvalidArgument, "The reason must be at most %d characters of plain text.", maxReasonLen))
		return
	}
	m, err := act(ctx, accountFromContext(ctx).ID, reason)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	m.detail["reason"] = reason
	if err := p.svc.RecordAudit(ctx, action, credential.TargetRoom, m.room.ID, m.detail); err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirect(w, r, roomPath(m.room.ID), m.flash)
}

// handleRoomRemovePeer answers POST /portal/rooms/{id}/remove-peer:
// peer_id and reason. The peer is closed with 4001, banned from the room
// until its token expires, and its token revoked.
func (p *Portal) handleRoomRemovePeer(w http.ResponseWriter, r *http.Request) {
	p.moderate(w, r, credential.ActionRoomRemovePeer, func(ctx context.Context, accountID int64, reason string) (*moderation, error) {
		peerID := r.PostFormValue("peer_id")
		if !rooms.IsID(peerID) {
			return nil, errcode.Errorf(errcode.InvalidArgument, "Choose a peer to remove.")
		}
		rm, live, err := p.rooms.Live(ctx, accountID, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		who := peerID
		if i := slices.IndexFunc(live.Peers, func(pi rooms.PeerInfo) bool { return pi.PeerID == peerID }); i >= 0 {
			who = live.Peers[i].UserID
		}
		if _, err := p.rooms.RemovePeer(ctx, accountID, rm.ID, peerID, "", reason); err != nil {
			return nil, err
		}
		return &moderation{room: rm, detail: map[string]any{"peer_id": peerID, "user_id": who},
			flash: "Removed " + who + ". The same identity cannot join again until its token expires."}, nil
	})
}

// handleRoomEnd answers POST /portal/rooms/{id}/end: reason and lock. Every
// peer is closed with 4002; lock also disables the room.
func (p *Portal) handleRoomEnd(w http.ResponseWriter, r *http.Request) {
	p.moderate(w, r, credential.ActionRoomEnd, func(ctx context.Context, accountID int64, reason string) (*moderation, error) {
		lock := r.PostFormValue("lock") != ""
		rm, err := p.rooms.Store().Room(ctx, accountID, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		if err := p.rooms.EndRoom(ctx, accountID, rm.ID, reason, lock); err != nil {
			return nil, err
		}
		m := &moderation{room: rm, detail: map[string]any{"lock": lock}, flash: "The session of " + rm.Name + " has ended."}
		if lock {
			m.flash += " The room is disabled: enable it in its settings to let peers join again."
		}
		return m, nil
	})
}
