package portal

import (
	"net/url"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/internal/rooms"
)

// FuzzParseRoomForm: whatever a room's settings form holds, the parser
// either refuses it with a coded, 400-class error or returns an update
// that the room's own validation accepts.
func FuzzParseRoomForm(f *testing.F) {
	f.Add("yes", "16", "https://example.com/hook", `{"name":"default","roles":{"host":{"subscribe":["*"]}}}`)
	f.Add("", "0", "", `{}`)
	f.Add("", "10001", "ftp://x", `{"name":"x","roles":{"a":{"subscribe":["b"]}}} trailing`)
	f.Add("on", "-1", "http://user:pw@127.0.0.1/", `{"roles":{"":{}}}`)
	f.Fuzz(func(t *testing.T, enabled, maxPeers, hook, tmpl string) {
		v := url.Values{"enabled": {enabled}, "max_peers": {maxPeers}, "webhook_url": {hook}, "template": {tmpl}}
		form, u, err := parseRoomForm(v)
		if form.Template != tmpl || form.Enabled != (enabled != "") {
			t.Fatalf("the form as typed is not kept: %+v", form)
		}
		if err != nil {
			if e := asError(err); e.Code == errcode.Internal || e.Status() != 400 {
				t.Fatalf("refusal %v has code %s, status %d", err, e.Code, e.Status())
			}
			return
		}
		rm := rooms.Room{Name: "r", Vendor: rooms.VendorKeyward, MaxPeers: 1, Template: rooms.DefaultTemplate()}
		if err := u.Apply(&rm); err != nil {
			t.Fatalf("accepted form %v makes an invalid room: %v", v, err)
		}
	})
}

// FuzzParseMintForm: the token form either is refused with a 400-class
// coded error or names a profile the portal makes, a TTL within (0, 24 h],
// and the fields that profile needs.
func FuzzParseMintForm(f *testing.F) {
	f.Add("app", "1h", "room-1", "alice", "host", "", "")
	f.Add("apikey", "30", "", "", "", "bob", "allow_join")
	f.Add("management", "24h0m1s", "", "", "", "", "")
	f.Add("apikey", "9223372036854775807", "", "", "", "", "allow_mod")
	f.Add("qsh", "-5m", "\x00", "", "", "", "")
	f.Fuzz(func(t *testing.T, profile, ttl, room, user, role, participant, perm string) {
		v := url.Values{"profile": {profile}, "ttl": {ttl}, "room": {room}, "user": {user}, "role": {role},
			"participant": {participant}, "permission": strings.Split(perm, ",")}
		_, req, err := parseMintForm(v)
		if err != nil {
			if e := asError(err); e.Code == errcode.Internal || e.Status() != 400 {
				t.Fatalf("refusal %v has code %s, status %d", err, e.Code, e.Status())
			}
			return
		}
		if req.ttl <= 0 || req.ttl > MaxMintTTL {
			t.Fatalf("accepted TTL %q as %v", ttl, req.ttl)
		}
		switch req.profile.Name {
		case "app":
			if req.room == "" || req.user == "" || req.role == "" {
				t.Fatalf("accepted an app token without room, user or role: %+v", req)
			}
		case "apikey":
			if len(req.permissions) == 0 {
				t.Fatalf("accepted an apikey token without permissions: %+v", req)
			}
		case "management":
		default:
			t.Fatalf("accepted profile %q", req.profile.Name)
		}
	})
}
