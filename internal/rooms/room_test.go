package rooms

import (
	"strings"
	"testing"
	"time"
)

func TestRoomValidate(t *testing.T) {
	t.Parallel()
	ok := func() Room {
		return Room{AccountID: 1, Name: "standup", MaxPeers: 4, Template: DefaultTemplate(), Vendor: VendorKeyward}
	}
	for _, c := range []struct {
		name   string
		modify func(r *Room)
		want   string // "" means valid
	}{
		{"valid", func(r *Room) {}, ""},
		{"no name", func(r *Room) { r.Name = "" }, "name is required"},
		{"long name", func(r *Room) { r.Name = strings.Repeat("a", MaxNameLen+1) }, "name is longer"},
		{"control in name", func(r *Room) { r.Name = "a\x00b" }, "control character"},
		{"bad utf-8", func(r *Room) { r.Description = "\xff" }, "not valid UTF-8"},
		{"zero max_peers", func(r *Room) { r.MaxPeers = 0 }, "max_peers"},
		{"huge max_peers", func(r *Room) { r.MaxPeers = MaxMaxPeers + 1 }, "max_peers"},
		{"unknown vendor", func(r *Room) { r.Vendor = "zoom" }, "unknown vendor"},
		{"no roles", func(r *Room) { r.Template = Template{} }, "at least one role"},
		{"star role", func(r *Room) { r.Template.Roles["*"] = Capabilities{} }, "not allowed"},
		{"unknown subscription", func(r *Room) { r.Template.Roles["x"] = Capabilities{Subscribe: []string{"nobody"}} }, "unknown role"},
		{"webhook scheme", func(r *Room) { r.Webhook = Webhook{URL: "file:///etc/passwd"} }, "http or https"},
		{"webhook userinfo", func(r *Room) { r.Webhook = Webhook{URL: "https://u:p@h/"} }, "without credentials"},
		{"webhook event", func(r *Room) { r.Webhook = Webhook{URL: "https://h/", Events: []string{"peer.sneezed"}} }, "unknown event"},
		{"events without url", func(r *Room) { r.Webhook = Webhook{Events: []string{EventPeerJoined}} }, "without a URL"},
	} {
		r := ok()
		c.modify(&r)
		err := r.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: Validate() = %v, want nil", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: Validate() = %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func TestDefaultTemplate(t *testing.T) {
	t.Parallel()
	tmpl := DefaultTemplate()
	host, _ := tmpl.Role("host")
	guest, _ := tmpl.Role("guest")
	viewer, _ := tmpl.Role("viewer")
	if !host.Moderates() || !host.PublishVideo || !host.SubscribesTo("guest") {
		t.Errorf("host = %+v, want everything", host)
	}
	if guest.Moderates() || !guest.PublishAudio || !guest.Message {
		t.Errorf("guest = %+v, want publish + subscribe + message", guest)
	}
	if viewer.Moderates() || viewer.PublishAudio || viewer.Message || !viewer.SubscribesTo("host") {
		t.Errorf("viewer = %+v, want subscribe only", viewer)
	}
	if _, ok := tmpl.Role("Host"); ok {
		t.Errorf("Role(Host) found; role names are case-sensitive")
	}
	// Changing one template never changes another.
	host.Subscribe[0] = "guest"
	fresh := DefaultTemplate()
	if again, _ := fresh.Role("host"); again.Subscribe[0] != "*" {
		t.Errorf("DefaultTemplate shares its slices")
	}
}

func TestIDs(t *testing.T) {
	t.Parallel()
	a, b := NewID(), NewID()
	if !IsID(a) || a == b {
		t.Fatalf("NewID() = %q, %q; want two different 24-hex ids", a, b)
	}
	for _, s := range []string{"", "0123456789abcdef0123456", "0123456789ABCDEF01234567", "0123456789abcdef0123456g"} {
		if IsID(s) {
			t.Errorf("IsID(%q) = true", s)
		}
	}
}

func TestBanUntil(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	h := &Hub{cfg: HubConfig{Leeway: 10 * time.Second, ResumeTTL: time.Minute, NowFunc: func() time.Time { return now }}}
	for _, c := range []struct {
		name string
		exp  time.Time
		want time.Time
	}{
		{"token valid for an hour: exp + leeway", now.Add(time.Hour), now.Add(time.Hour + 10*time.Second)},
		{"token without exp: a day", time.Time{}, now.Add(DefaultBanWithoutExp)},
		{"token that expired during the session: the resume tokens' lifetime", now.Add(-time.Hour), now.Add(time.Minute)},
		{"token that expires within the resume tokens' lifetime", now.Add(20 * time.Second), now.Add(time.Minute)},
	} {
		if got := h.banUntil(&Grant{Expires: c.exp}); !got.Equal(c.want) {
			t.Errorf("%s: banUntil = %v, want %v", c.name, got, c.want)
		}
	}
}
