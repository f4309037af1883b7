package portal

import (
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
	"github.com/keyward/keyward/token"
)

// MaxMintTTL is the longest lifetime of a token made in the portal: the
// verifier's own limit (token.DefaultMaxLifetime).
const MaxMintTTL = 24 * time.Hour

// mintProfile is a token profile the portal makes.
type mintProfile struct {
	Name, Title, About string
	profile            token.Profile
}

// mintProfiles are the profiles the portal makes: the ones that are handed
// to a client or a server as they are (request and qsh tokens are bound to
// one call and made by the caller).
var mintProfiles = []mintProfile{
	{Name: "app", Title: "100ms app token", profile: token.App,
		About: "Joins one room as one user in one role (room_id, user_id, role)."},
	{Name: "apikey", Title: "VideoSDK apikey token", profile: token.APIKey,
		About: "Joins with permissions; a room and a participant id are optional."},
	{Name: "management", Title: "100ms management token", profile: token.Management,
		About: "Calls the REST APIs (rooms, sessions) as your account."},
}

// apikeyPermissions are the VideoSDK permissions the form offers.
var apikeyPermissions = []struct{ Name, About string }{
	{"allow_join", "join the room directly"},
	{"ask_join", "wait in the lobby until a moderator admits"},
	{"allow_mod", "join as a moderator: admit, remove, mute, end"},
}

// mintForm is the token form's fields as typed.
type mintForm struct {
	Profile, TTL                  string
	Room, User, Role, Participant string
	Permissions                   []string
}

// mintRequest is a valid token form.
type mintRequest struct {
	profile                       mintProfile
	ttl                           time.Duration
	room, user, role, participant string
	permissions                   []string
}

// parseMintForm reads and checks the token form.
func parseMintForm(v url.Values) (mintForm, *mintRequest, error) {
	f := mintForm{Profile: v.Get("profile"), TTL: strings.TrimSpace(v.Get("ttl")),
		Room: strings.TrimSpace(v.Get("room")), User: strings.TrimSpace(v.Get("user")), Role: strings.TrimSpace(v.Get("role")),
		Participant: strings.TrimSpace(v.Get("participant")), Permissions: v["permission"]}
	bad := func(format string, args ...any) (mintForm, *mintRequest, error) {
		return f, nil, errcode.Errorf(errcode.InvalidArgument, format, args...)
	}
	i := slices.IndexFunc(mintProfiles, func(m mintProfile) bool { return m.Name == f.Profile })
	if i < 0 {
		return bad("Choose a token profile: app, apikey or management.")
	}
	req := &mintRequest{profile: mintProfiles[i]}
	ttl, err := parseTTL(f.TTL)
	if err != nil {
		return f, nil, err
	}
	req.ttl = ttl
	for _, fld := range []struct{ name, value string }{{"room", f.Room}, {"user", f.User}, {"role", f.Role}, {"participant", f.Participant}} {
		if err := rooms.CheckText(fld.name, fld.value, rooms.MaxNameLen); err != nil {
			return bad("The %s must be at most %d characters of plain text.", fld.name, rooms.MaxNameLen)
		}
	}
	switch req.profile.profile {
	case token.App:
		if f.Room == "" || f.User == "" || f.Role == "" {
			return bad("An app token needs a room, a user id and a role.")
		}
		req.room, req.user, req.role = f.Room, f.User, f.Role
	case token.APIKey:
		if len(f.Permissions) == 0 {
			return bad("An apikey token needs at least one permission.")
		}
		for _, perm := range f.Permissions {
			if !slices.ContainsFunc(apikeyPermissions, func(a struct{ Name, About string }) bool { return a.Name == perm }) {
				return bad("Unknown permission %q.", perm)
			}
		}
		req.room, req.participant = f.Room, f.Participant
		req.permissions = slices.Compact(slices.Sorted(slices.Values(f.Permissions)))
	}
	return f, req, nil
}

// parseTTL reads a lifetime: a Go duration (90m, 2h30m) or a number of
// minutes, above zero and at most [MaxMintTTL].
func parseTTL(s string) (time.Duration, error) {
	tooLong := errcode.Errorf(errcode.InvalidArgument, "The TTL is at most 24 hours (24h).")
	d, err := time.ParseDuration(s)
	if err != nil {
		n, nerr := strconv.ParseInt(s, 10, 64)
		if nerr != nil {
			return 0, errcode.Errorf(errcode.InvalidArgument, "The TTL must be a duration such as 30m, 1h or 24h.")
		}
		if n > int64(MaxMintTTL/time.Minute) {
			return 0, tooLong
		}
		d = time.Duration(n) * time.Minute
	}
	switch {
	case d <= 0:
		return 0, errcode.Errorf(errcode.InvalidArgument, "The TTL must be above zero.")
	case d > MaxMintTTL:
		return 0, tooLong
	}
	return d, nil
}

// mintPage is the data of the token generator.
type mintPage struct {
	Credential  *credential.Credential
	Profiles    []mintProfile
	Permissions []struct{ Name, About string }
	Form        mintForm
	// Rooms are the viewer's rooms, offered for the room field.
	Rooms []*rooms.Room
	// Token is the token just made, shown once; empty on the form.
	Token string
	// Expires is when Token expires; JTI is its id.
	Expires time.Time
	JTI     string
}

// mintCredential returns the credential of the path for a token: it must
// be the viewer's own and active.
func (p *Portal) mintCredential(r *http.Request) (*credential.Credential, error) {
	c, err := p.credentialAt(r)
	if err != nil {
		return nil, err
	}
	if c.OwnerID != accountFromContext(r.Context()).ID {
		return nil, errcode.Errorf(errcode.Forbidden, "Only the credential's owner can generate tokens with it.")
	}
	if c.Status != credential.CredentialActive {
		return nil, errcode.Errorf(errcode.Forbidden, "This credential is revoked: it cannot sign tokens.")
	}
	return c, nil
}

// handleMintForm answers GET /portal/credentials/{id}/token?profile=.
func (p *Portal) handleMintForm(w http.ResponseWriter, r *http.Request) {
	c, err := p.mintCredential(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	f := mintForm{Profile: r.URL.Query().Get("profile"), TTL: "1h", Role: "guest", Permissions: []string{"allow_join"}}
	if !slices.ContainsFunc(mintProfiles, func(m mintProfile) bool { return m.Name == f.Profile }) {
		f.Profile = mintProfiles[0].Name
	}
	p.renderMint(w, r, http.StatusOK, c, f, "", nil)
}

// renderMint renders the token generator; tok, when not nil, is the token
// just made.
func (p *Portal) renderMint(w http.ResponseWriter, r *http.Request, status int, c *credential.Credential, f mintForm, msg string, tok *mintPage) {
	d := mintPage{Credential: c, Profiles: mintProfiles, Permissions: apikeyPermissions, Form: f}
	if tok != nil {
		d.Token, d.Expires, d.JTI = tok.Token, tok.Expires, tok.JTI
	}
	if p.rooms != nil {
		page, err := p.rooms.Store().ListRooms(r.Context(), &rooms.ListRoomsParams{AccountID: c.OwnerID, Limit: 100})
		if err != nil {
			p.fail(w, r, err)
			return
		}
		d.Rooms = page.Rooms
	}
	v := p.newView(r, "Generate a token", "credentials", d)
	v.Error = msg
	p.render(w, r, status, "mint", v)
}

// handleMint answers POST /portal/credentials/{id}/token: it signs a token
// of the chosen profile with the credential's newest secret, server-side,
// and shows it once. The token is never stored and never logged; the
// audit log records that it was made, with its claims but not the token.
func (p *Portal) handleMint(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := p.mintCredential(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	f, req, err := parseMintForm(r.PostForm)
	if err == nil {
		err = p.checkMintRoom(r, c, req)
	}
	if err != nil {
		p.renderMint(w, r, asError(err).Status(), c, f, asError(err).Message, nil)
		return
	}
	info, err := p.svc.LookupKey(ctx, c.Key)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if len(info.Secrets) == 0 {
		p.fail(w, r, errcode.Errorf(errcode.Forbidden, "This credential has no active secret: rotate it first."))
		return
	}
	sec := info.Secrets[0] // newest first
	now := p.now()
	jti := token.NewJWTID()
	b := token.New(req.profile.profile, c.Key, sec.Secret).SetKeyID(sec.KID).SetNowFunc(func() time.Time { return now }).
		SetTTL(req.ttl).SetJWTID(jti)
	switch req.profile.profile {
	case token.App:
		b.SetRoom(req.room).SetUser(req.user).SetRole(req.role)
	case token.APIKey:
		b.SetRoom(req.room).SetUser(req.participant).SetPermissions(req.permissions...)
	}
	tok, err := b.ToJWT()
	if err != nil {
		p.fail(w, r, err)
		return
	}
	exp := now.Add(req.ttl)
	detail := map[string]any{"profile": req.profile.Name, "kid": sec.KID, "jti": jti, "ttl_seconds": int64(req.ttl / time.Second),
		"expires_at": exp.UTC().Format(time.RFC3339)}
	for k, v := range map[string]string{"room": req.room, "user": req.user, "role": req.role, "participant": req.participant} {
		if v != "" {
			detail[k] = v
		}
	}
	if len(req.permissions) > 0 {
		detail["permissions"] = req.permissions
	}
	// No entry, no token: a token the audit log does not know of is
	// never shown.
	if err := p.svc.RecordAudit(ctx, credential.ActionTokenMint, credential.TargetCredential, strconv.FormatInt(c.ID, 10), detail); err != nil {
		p.fail(w, r, err)
		return
	}
	p.renderMint(w, r, http.StatusOK, c, f, "", &mintPage{Token: tok, Expires: exp, JTI: jti})
}

// checkMintRoom checks, when the portal has rooms, that a token's room is
// one of the credential owner's rooms and that an app token's role is in
// its template, so that a token made here joins.
func (p *Portal) checkMintRoom(r *http.Request, c *credential.Credential, req *mintRequest) error {
	if p.rooms == nil || req.room == "" {
		return nil
	}
	rm, err := p.rooms.Store().Room(r.Context(), c.OwnerID, req.room)
	if errors.Is(err, rooms.ErrRoomNotFound) {
		return errcode.Errorf(errcode.InvalidArgument, "You have no room %q: give a room id (or VideoSDK customRoomId) from My rooms.", req.room)
	}
	if err != nil {
		return err
	}
	if req.profile.profile == token.App {
		if _, ok := rm.Template.Role(req.role); !ok {
			return errcode.Errorf(errcode.InvalidArgument, "Room %s has no role %q; its roles are %s.", rm.Name, req.role,
				strings.Join(roleNames(rm.Template), ", "))
		}
	}
	return nil
}
