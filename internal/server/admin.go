package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/atomicfile"
	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/store"
)

// AdminFile is the name, inside the data directory, of the file that holds
// the first admin's credential and password (mode 0600). A store whose
// admin is made while AdminFile already belongs to another store (a second
// server started on the same data directory with another --database) gets
// "admin.STORE.json" beside it instead: an admin file is never replaced.
const AdminFile = "admin.json"

// AdminCredentials is the content of [AdminFile].
type AdminCredentials struct {
	Key      string `json:"key"`
	Secret   string `json:"secret"`
	KID      string `json:"kid,omitempty"`
	Email    string `json:"email,omitempty"`
	Password string `json:"password,omitempty"`
	// Server is the URL the CLI calls with this credential.
	Server string `json:"server,omitempty"`
	// Store names the store the admin lives in: "sqlite" for the one in
	// the data directory, or the PostgreSQL URL without its password.
	Store string `json:"store,omitempty"`
}

// bootstrap makes the first admin and its credential on an empty store and
// writes them beside any admin file already in the data directory; on a
// store that has its admin it finds that admin's file.
func (s *Server) bootstrap(ctx context.Context) error {
	ctx = credential.NewContextWithActor(ctx, credential.SystemActor())
	res, err := s.store.EnsureAdmin(ctx, &store.EnsureAdminParams{Email: s.cfg.AdminEmail})
	if err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	storeID, label := storeIdentity(s.cfg)
	if !res.Created {
		s.AdminPath = findAdminFile(s.cfg.Data, storeID, label)
		return nil
	}
	creds := AdminCredentials{
		Key: res.Secret.Key, Secret: res.Secret.Value, KID: res.Secret.KID,
		Email: res.Account.Email, Password: res.Password, Server: s.cfg.PublicURL, Store: storeID,
	}
	path, err := writeAdminFile(s.cfg.Data, label, creds, time.Now())
	if err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	s.Bootstrapped, s.AdminPath = true, path
	if filepath.Base(path) != AdminFile {
		s.log.Warn("the data directory's admin.json belongs to another store and is kept; this store's admin credential is in its own file: pass it to the CLI with --credentials",
			"kept", filepath.Join(s.cfg.Data, AdminFile), "credentials", path)
	}
	s.log.Info("created the first admin account and credential", "email", res.Account.Email, "credentials", path)
	return nil
}

// storeIdentity returns what the admin file records as its store, and the
// label its file name carries when admin.json is taken: "sqlite", or
// "postgres-HOST-PORT-DB".
func storeIdentity(cfg Config) (id, label string) {
	if cfg.Database == "" {
		return "sqlite", "sqlite"
	}
	u, err := url.Parse(cfg.Database)
	if err != nil || u.Host == "" {
		// A key=value connection string: name it by its text, without a
		// password.
		id = passwordField.ReplaceAllString(cfg.Database, "")
		return id, "postgres-" + slug(id)
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String(), "postgres-" + slug(u.Host+"-"+strings.TrimPrefix(u.Path, "/"))
}

// passwordField matches password=… in a key=value connection string.
var passwordField = regexp.MustCompile(`\s*password=('[^']*'|\S*)`)

// slug keeps letters, digits, dots and dashes, turning runs of anything
// else into one dash.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-.")
	if len(out) > 80 {
		out = out[:80]
	}
	if out == "" {
		out = "store"
	}
	return out
}

// writeAdminFile writes creds to the first of admin.json,
// admin.LABEL.json and admin.LABEL.TIME.json that does not exist yet and
// returns its path. It never replaces a file.
func writeAdminFile(dir, label string, creds AdminCredentials, now time.Time) (string, error) {
	b, err := json.MarshalIndent(creds, "", "  ")
	if err != nil {
		return "", err
	}
	b = append(b, '\n')
	names := []string{AdminFile, "admin." + label + ".json", "admin." + label + "." + now.UTC().Format("20060102T150405.000Z") + ".json"}
	for _, name := range names {
		path := filepath.Join(dir, name)
		err := atomicfile.WriteNewFile(path, b, 0o600)
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("every admin file name is taken (%s): %w", strings.Join(names, ", "), fs.ErrExist)
}

// findAdminFile returns the admin file of the store storeID in dir: the
// newest admin*.json whose store field matches, or admin.json when it names
// no store (written before files recorded it); "" when there is none.
func findAdminFile(dir, storeID, label string) string {
	// Glob sorts the timestamped names oldest first, before admin.LABEL.json
	// ('2' < 'j'); look at the newest first.
	plain := filepath.Join(dir, "admin."+label+".json")
	stamped, _ := filepath.Glob(filepath.Join(dir, "admin."+label+".2*.json"))
	slices.Reverse(stamped)
	candidates := append(stamped, plain, filepath.Join(dir, AdminFile))
	for _, path := range candidates {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var c AdminCredentials
		if json.Unmarshal(b, &c) != nil {
			continue
		}
		if c.Store == storeID || (c.Store == "" && filepath.Base(path) == AdminFile) {
			return path
		}
	}
	return ""
}
