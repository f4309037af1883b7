// Package joinpage serves the room client page: GET /rooms/join?token=TOKEN
// joins a room with an app or apikey token, publishes the camera and
// microphone when the role may, and shows every remote peer's video in a
// <video data-peer="USER_ID"> tile, with mute buttons and, for moderators,
// remove, mute and end-room controls. Other tools rely on that URL and that
// attribute.
//
// The page's script takes the token out of the address bar at once, checks
// it with GET /rtc/validate (a browser cannot read why a WebSocket upgrade
// failed), and then speaks the signal protocol of internal/rooms/signal.md.
package joinpage

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/keyward/keyward/internal/auth"
)

// Path is where the page is served.
const Path = "/rooms/join"

// assetPrefix is where the page's script and style are served, under
// content-hashed names so they can be cached for good.
const assetPrefix = "/rooms/assets/"

//go:embed assets
var files embed.FS

// csp allows only the page's own script and style, and the signal socket
// on the same host.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; media-src 'self' blob: mediastream:; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Page serves the room client.
type Page struct {
	html   []byte
	assets map[string]asset // by hashed name
}

type asset struct {
	body  []byte
	ctype string
}

// New renders the page once; it fails only if the embedded files are broken.
func New() (*Page, error) {
	p := &Page{assets: map[string]asset{}}
	urls := map[string]string{}
	for _, f := range []struct{ name, ctype string }{
		{"join.js", "text/javascript; charset=utf-8"},
		{"join.css", "text/css; charset=utf-8"},
	} {
		body, err := files.ReadFile("assets/" + f.name)
		if err != nil {
			return nil, fmt.Errorf("joinpage: %w", err)
		}
		sum := sha256.Sum256(body)
		dot := strings.LastIndexByte(f.name, '.')
		hashed := f.name[:dot] + "." + hex.EncodeToString(sum[:6]) + f.name[dot:]
		p.assets[hashed] = asset{body: body, ctype: f.ctype}
		urls[f.name] = assetPrefix + hashed
	}
	tmpl, err := template.ParseFS(files, "assets/join.html")
	if err != nil {
		return nil, fmt.Errorf("joinpage: parse: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, map[string]string{"JS": urls["join.js"], "CSS": urls["join.css"]}); err != nil {
		return nil, fmt.Errorf("joinpage: render: %w", err)
	}
	p.html = buf.Bytes()
	return p, nil
}

// ServePage answers GET /rooms/join. The token stays in the query for the
// script to read; the page is never cached and sends no Referer.
func (p *Page) ServePage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self)")
	w.Write(p.html)
}

// ServeAsset answers GET /rooms/assets/{name}.
func (p *Page) ServeAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := p.assets[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(a.body)
}

// Endpoints are the page and its assets; both are public (the page's
// script presents the token to the signal socket itself).
func (p *Page) Endpoints() []auth.Endpoint {
	return []auth.Endpoint{
		{ID: "rooms.join.page", Pattern: "GET " + Path, Tag: "rooms", Handler: http.HandlerFunc(p.ServePage),
			Summary: "The room client page: ?token=TOKEN joins with an app or apikey token"},
		{ID: "rooms.join.asset", Pattern: "GET " + assetPrefix + "{name}", Tag: "rooms", Handler: http.HandlerFunc(p.ServeAsset),
			Summary: "The room client page's scripts and styles"},
	}
}
