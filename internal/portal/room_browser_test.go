package portal_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward/internal/testenv"
)

// TestBrowserRooms drives Chromium through the room pages and the token
// generator: a room made over the API shows in the portal, a Go client's
// peer shows live, is removed from the page (closed 4001), the room is
// ended (4002); a token generated on the credential's page joins. Each new
// page is shot at a desktop and a phone width and checked for overflow.
func TestBrowserRooms(t *testing.T) {
	t.Parallel()
	testenv.Path(t, "/usr/bin/chromium") // before the server: a missing Chromium skips (or fails) at once
	f := newRoomsFixture(t)
	admin := adminChrome(t, f.srv)

	id := f.createRoom(t, f.api, "design-review")
	f.createRoom(t, f.api, "all-hands")
	alice := joinRoom(t, f.srv.URL, f.appToken(t, id, "alice@example.com", "guest"))
	joinRoom(t, f.srv.URL, f.appToken(t, id, "bob", "host"))

	// Each page at both widths: nothing runs past its card, and the main
	// navigation is one row.
	look := func(name, path string) {
		t.Helper()
		for _, width := range []int64{1280, 390} {
			admin.do("resize", chromedp.EmulateViewport(width, 900))
			expect(t, "open "+path, admin.open(path), 200)
			admin.shot(fmt.Sprintf("rooms-%s-%d", name, width))
			for _, o := range admin.overflowing() {
				t.Errorf("%s, %dpx wide: %s", name, width, o)
			}
			first, last := admin.boxOf(".top nav li:first-child"), admin.boxOf(".top nav li:last-child")
			if last.Top > first.Top+1 {
				t.Errorf("%s, %dpx wide: the navigation wraps (first item at y %.0f, last at y %.0f)", name, width, first.Top, last.Top)
			}
		}
		admin.do("resize", chromedp.EmulateViewport(1280, 900))
	}

	look("list", "/portal/rooms")
	if s := admin.text("#rooms"); !strings.Contains(s, "design-review") || !strings.Contains(s, "all-hands") {
		t.Fatalf("the room list shows %q", s)
	}
	admin.submit("open the room", `a[href="/portal/rooms/`+id+`"]`)
	expect(t, "room page", admin.location(), "/portal/rooms/"+id)
	if s := admin.text("#live-peers"); !strings.Contains(s, "alice@example.com") || !strings.Contains(s, "bob") {
		t.Fatalf("live peers: %q", s)
	}
	look("room-live", "/portal/rooms/"+id)

	// Remove alice, with a reason, from the page.
	admin.do("type the reason", chromedp.SetValue(chromedp.CSS("#reason-"+alice.peerID), "off-topic"))
	expect(t, "remove", admin.submit("remove", "#remove-"+alice.peerID), 200)
	if s := admin.text(".flash"); !strings.Contains(s, "Removed alice@example.com") {
		t.Fatalf("after remove: %q", s)
	}
	if code := alice.closeStatus(t); code != 4001 {
		t.Fatalf("the removed peer was closed with %d, want 4001", code)
	}
	if s := admin.text("#live-peers"); strings.Contains(s, "alice") {
		t.Fatalf("alice is still listed after removal: %q", s)
	}
	admin.shot("rooms-room-after-remove-1280")

	// End the room.
	admin.do("end reason", chromedp.SetValue(chromedp.CSS("#end-reason"), "review done"))
	expect(t, "end room", admin.submit("end room", "#end-room"), 200)
	if s := admin.text("#not-live"); !strings.Contains(s, "no live session") {
		t.Fatalf("after end: %q", s)
	}
	if s := admin.text("#sessions"); !strings.Contains(s, "review done") || !strings.Contains(s, "2 peers") {
		t.Fatalf("recent sessions after end: %q", s)
	}
	look("room-ended", "/portal/rooms/"+id)

	// Generate an app token on the credential's page and join with it.
	info, err := f.srv.Server.Store().LookupKey(context.Background(), f.srv.AdminKey)
	if err != nil {
		t.Fatal(err)
	}
	credPath := "/portal/credentials/" + itoa(info.CredentialID)
	look("credential", credPath)
	expect(t, "generate a token", admin.submit("generate a token", "#generate-token"), 200)
	look("token-form", credPath+"/token")
	admin.do("fill the token form",
		chromedp.Click(chromedp.CSS("#profile-app")),
		chromedp.SetValue(chromedp.CSS("#ttl"), "2h"),
		chromedp.SetValue(chromedp.CSS("#room"), id),
		chromedp.SetValue(chromedp.CSS("#user"), "carol"),
		chromedp.SetValue(chromedp.CSS("#role"), "host"))
	if hidden, err := chromedp.Run(admin.ctx, chromedp.Evaluate[bool](`document.getElementById("participant").closest("[data-profiles]").hidden`)); err != nil || !hidden {
		t.Errorf("the apikey-only participant field shows for an app token (%v)", err)
	}
	expect(t, "mint", admin.submit("mint", "#mint"), 200)
	tok, err := chromedp.Run(admin.ctx, chromedp.Value(chromedp.CSS("#token")))
	if err != nil || strings.Count(tok, ".") != 2 {
		t.Fatalf("token field: %q, %v", tok, err)
	}
	for _, width := range []int64{1280, 390} {
		admin.do("resize", chromedp.EmulateViewport(width, 900))
		admin.shot(fmt.Sprintf("rooms-token-minted-%d", width))
		for _, o := range admin.overflowing() {
			t.Errorf("minted token, %dpx wide: %s", width, o)
		}
	}
	// The room was disabled by nobody: end without lock leaves it open.
	if st, code := validate(t, f.srv.URL, tok); st != 200 {
		t.Fatalf("the generated token over /rtc/validate: %d %s", st, code)
	}
	carol := joinRoom(t, f.srv.URL, tok)
	if self := carol.joined["self"].(map[string]any); self["user_id"] != "carol" {
		t.Fatalf("the generated token joined as %v", self)
	}
	// A reload is a new form, never the token again.
	admin.open(credPath + "/token")
	if strings.Contains(admin.html(), tok) {
		t.Fatal("the token page shows the token again after a reload")
	}
}
