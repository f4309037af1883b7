package portal_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keyward/keyward/internal/testenv"
)

// box is an element's place on the page, in CSS pixels.
type box struct {
	Left, Top, Right, Bottom float64
}

// boxOf returns the bounding box of the first element matching sel.
func (c *chrome) boxOf(sel string) box {
	c.t.Helper()
	b, err := chromedp.Run(c.ctx, chromedp.Evaluate[box](fmt.Sprintf(`(() => {
		const r = document.querySelector(%q).getBoundingClientRect();
		return {Left: r.left + scrollX, Top: r.top + scrollY, Right: r.right + scrollX, Bottom: r.bottom + scrollY};
	})()`, sel)))
	if err != nil {
		c.t.Fatalf("box of %s (%s): %v", sel, c.name, err)
	}
	return b
}

// overflowing lists what runs past its card on the page: an element whose
// box pokes out of the .card it is in, or text that does not fit the
// width of its pre (a line cut off at the edge).
func (c *chrome) overflowing() []string {
	c.t.Helper()
	out, err := chromedp.Run(c.ctx, chromedp.Evaluate[[]string](`(() => {
		const out = [];
		const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "");
		for (const card of document.querySelectorAll(".card")) {
			const right = card.getBoundingClientRect().right;
			for (const e of card.querySelectorAll("*")) {
				const r = e.getBoundingClientRect();
				if (r.width > 0 && r.right > right + 0.5) {
					out.push(name(e) + " runs " + Math.round(r.right - right) + "px past " + name(card));
				}
			}
		}
		for (const pre of document.querySelectorAll("pre")) {
			if (pre.scrollWidth > pre.clientWidth + 1) {
				out.push(name(pre) + " cuts its lines off: " + pre.scrollWidth + "px of text in " + pre.clientWidth + "px");
			}
		}
		return out;
	})()`))
	if err != nil {
		c.t.Fatalf("look for overflow (%s): %v", c.name, err)
	}
	return out
}

// adminChrome returns a tab of the package's Chromium signed in to srv's
// portal as its first admin, saving screenshots in screenshotDir.
func adminChrome(t *testing.T, srv *testServer) *chrome {
	t.Helper()
	path := testenv.Path(t, "/usr/bin/chromium")
	dir := screenshotDir(t)
	t.Logf("screenshots in %s", dir)
	admin := newChrome(t, startChromium(t, path), false, srv.URL, dir, "admin")
	admin.open("/portal/signin")
	admin.do("fill sign-in", chromedp.SetValue(chromedp.CSS("#email"), srv.AdminEmail), chromedp.SetValue(chromedp.CSS("#password"), srv.AdminPassword))
	expect(t, "admin sign-in", admin.submit("admin sign-in", "form.card button[type=submit]"), 200)
	return admin
}

// TestBrowserLayout looks at the admin's pages for the layout faults seen
// in screenshots, at a desktop and a phone width: snippet lines running
// past their box, and "Delete group" right under "Save".
func TestBrowserLayout(t *testing.T) {
	t.Parallel()
	admin := adminChrome(t, startServer(t))

	for _, width := range []int64{1280, 390} {
		admin.do("resize", chromedp.EmulateViewport(width, 900))
		for _, profile := range []string{"request", "qsh", "management", "app", "apikey"} {
			admin.open("/portal/playground?profile=" + profile)
			admin.shot(fmt.Sprintf("layout-playground-%s-%d", profile, width))
			for _, o := range admin.overflowing() {
				t.Errorf("playground, %s profile, %dpx wide: %s", profile, width, o)
			}
		}

		admin.open("/portal/admin/groups")
		admin.shot(fmt.Sprintf("layout-groups-%d", width))
		for _, o := range admin.overflowing() {
			t.Errorf("admin groups, %dpx wide: %s", width, o)
		}
		save, del := admin.boxOf("#group-encoding button[type=submit]"), admin.boxOf("#group-encoding button.danger")
		if del.Left < save.Right && del.Right > save.Left {
			t.Errorf("admin groups, %dpx wide: Delete group (x %.0f–%.0f) sits under Save (x %.0f–%.0f)", width, del.Left, del.Right, save.Left, save.Right)
		}
		if gap := del.Top - save.Bottom; gap < 16 {
			t.Errorf("admin groups, %dpx wide: Delete group is %.0fpx below Save, want at least 16", width, gap)
		}
	}
}
