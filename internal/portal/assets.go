package portal

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/errcode"
)

//go:embed assets
var assetFS embed.FS

//go:embed templates/*.html
var templateFS embed.FS

// assetSet holds the embedded static files under content-hashed names.
type assetSet struct {
	// hashed maps a hashed name ("style.1a2b3c4d5e6f.css") to its file.
	hashed map[string]*assetFile
	// urls maps a plain name ("style.css") to its URL.
	urls map[string]string
}

type assetFile struct {
	body  []byte
	ctype string
	etag  string
}

// loadAssets reads and hashes every embedded asset.
func loadAssets() (*assetSet, error) {
	s := &assetSet{hashed: map[string]*assetFile{}, urls: map[string]string{}}
	err := fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assetFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:6])
		name := path.Base(p)
		ext := path.Ext(name)
		hashedName := strings.TrimSuffix(name, ext) + "." + h + ext
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		s.hashed[hashedName] = &assetFile{body: body, ctype: ctype, etag: `"` + h + `"`}
		s.urls[name] = Prefix + "assets/" + hashedName
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("portal: assets: %w", err)
	}
	return s, nil
}

// url returns the hashed URL of asset name; an unknown name is a
// programming error caught when the templates are parsed.
func (s *assetSet) url(name string) (string, error) {
	u, ok := s.urls[name]
	if !ok {
		return "", fmt.Errorf("portal: no asset %q", name)
	}
	return u, nil
}

// handleAsset answers GET /portal/assets/{name}: an embedded file under its
// hashed name, cacheable for a year since its name changes with its content.
func (p *Portal) handleAsset(w http.ResponseWriter, r *http.Request) {
	f, ok := p.assets.hashed[r.PathValue("name")]
	if !ok {
		p.fail(w, r, errcode.Errorf(errcode.NotFound, "No such file."))
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", f.etag)
	if r.Header.Get("If-None-Match") == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(f.body)))
	if r.Method != http.MethodHead {
		w.Write(f.body)
	}
}

// parseTemplates parses the layout with each page once, at start-up.
func parseTemplates(assets *assetSet) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"asset":     assets.url,
		"time":      formatTime,
		"date":      func(t time.Time) string { return formatTimeLayout(t, "2006-01-02") },
		"ago":       ago,
		"join":      strings.Join,
		"contains":  contains,
		"list":      func(s ...string) []string { return s },
		"isAdmin":   func(a *credential.Account) bool { return a != nil && a.Role == credential.RoleAdmin },
		"active":    func(s credential.SecretInfo, now time.Time) bool { return s.Active(now) },
		"unixMilli": time.UnixMilli,
	}
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("portal: templates: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("portal: templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("portal: templates: %w", err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("portal: template %s defines no content", f)
		}
		pages[name] = t
	}
	return pages, nil
}

func formatTime(t time.Time) string { return formatTimeLayout(t, "2006-01-02 15:04 UTC") }

func formatTimeLayout(t time.Time, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(layout)
}

// ago says how long before now t was, roughly.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	}
	return plural(int(d/(24*time.Hour)), "day") + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
