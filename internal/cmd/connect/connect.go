// Package connect decides which keyward server the API commands (admin,
// call, encode, detect) talk to and with which credential, the same way for
// all of them, and words why a call failed in one voice.
//
// The credential is the first of:
//
//  1. --key and --secret (either may come from $KEYWARD_KEY or
//     $KEYWARD_SECRET when the other is a flag);
//  2. --credentials FILE, a JSON file {"key","secret"[,"kid","server"]} such
//     as the admin.json "keyward serve" writes;
//  3. $KEYWARD_KEY and $KEYWARD_SECRET;
//  4. ./keyward-data/admin.json, when it exists.
//
// The server is --server, else $KEYWARD_SERVER, else the "server" of the
// credential file used, else [DefaultServer].
package connect

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/keyward/keyward/internal/cmd/cmderror"
)

// DefaultServer is the server the API commands call when nothing says
// otherwise; it is where "keyward serve" listens by default.
const DefaultServer = "http://127.0.0.1:8080"

// DefaultCredentialsFile is the admin credential "keyward serve" writes into
// its default data directory; the API commands fall back to it.
var DefaultCredentialsFile = filepath.Join("keyward-data", "admin.json")

// Flags are the connection flags every API command takes.
type Flags struct {
	// Server is --server, the server's URL.
	Server string
	// Key is --key, the credential's key.
	Key string
	// Secret is --secret, the credential's secret.
	Secret string
	// Credentials is --credentials, a JSON file with key and secret.
	Credentials string
}

// Bind declares --server, --key, --secret and --credentials on fs, bound to
// f. Command groups pass their persistent flag set so that every
// subcommand shares them.
func (f *Flags) Bind(fs *pflag.FlagSet) {
	fs.StringVar(&f.Server, "server", "", "the keyward server `URL` (default $KEYWARD_SERVER, the \"server\" of the credentials file, or "+DefaultServer+")")
	fs.StringVar(&f.Key, "key", "", "the credential's key (default $KEYWARD_KEY)")
	fs.StringVar(&f.Secret, "secret", "", "the credential's secret (default $KEYWARD_SECRET; prefer the variable or --credentials, which stay out of the process list)")
	fs.StringVar(&f.Credentials, "credentials", "", "JSON `FILE` with the key and secret, such as the admin.json of \"keyward serve\" (default ./keyward-data/admin.json)")
}

// Target is a resolved server and credential.
type Target struct {
	// Server is the server's base URL.
	Server string
	// ServerFrom says where Server came from: "--server", "$KEYWARD_SERVER",
	// a file name, or "the default".
	ServerFrom string
	// Key, Secret and KID are the credential.
	Key, Secret, KID string
	// From says where the credential came from, e.g. "--key/--secret" or
	// "keyward-data/admin.json".
	From string
}

// credentialFile is the JSON of a credentials file.
type credentialFile struct {
	Key    string `json:"key"`
	Secret string `json:"secret"`
	KID    string `json:"kid"`
	Server string `json:"server"`
}

// Resolve finds the server and the credential from the flags, the
// environment (getenv) and the files, in the order the package doc gives.
// A missing or unusable credential, or a server that is not an http(s) URL
// of a keyward server, is a flag error that names what was tried.
func Resolve(fl Flags, getenv func(string) string) (*Target, error) {
	return resolve(fl, getenv, DefaultCredentialsFile)
}

// resolve is [Resolve] with the default credentials file at defaultFile.
func resolve(fl Flags, getenv func(string) string, defaultFile string) (*Target, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	t := &Target{}
	var fileServer string
	envKey, envSecret := getenv("KEYWARD_KEY"), getenv("KEYWARD_SECRET")
	switch {
	case fl.Key != "" || fl.Secret != "":
		t.Key, t.Secret, t.From = first(fl.Key, envKey), first(fl.Secret, envSecret), "--key/--secret"
		if t.Key == "" {
			return nil, cmderror.FlagErrorf("--secret was given without a key: pass --key too (or set $KEYWARD_KEY)")
		}
		if t.Secret == "" {
			return nil, cmderror.FlagErrorf("--key was given without a secret: set $KEYWARD_SECRET (or pass --secret)")
		}
	case fl.Credentials != "":
		c, err := readFile(fl.Credentials)
		if err != nil {
			return nil, err
		}
		t.Key, t.Secret, t.KID, t.From, fileServer = c.Key, c.Secret, c.KID, fl.Credentials, c.Server
	case envKey != "" || envSecret != "":
		if envKey == "" || envSecret == "" {
			return nil, cmderror.FlagErrorf("set both $KEYWARD_KEY and $KEYWARD_SECRET (only one is set)")
		}
		t.Key, t.Secret, t.From = envKey, envSecret, "$KEYWARD_KEY/$KEYWARD_SECRET"
	default:
		c, err := readFile(defaultFile)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, cmderror.FlagErrorf("no credential to sign with; tried --key/--secret (not given), --credentials FILE (not given), "+
				"$KEYWARD_KEY/$KEYWARD_SECRET (not set) and ./%s (not found).\n"+
				"Run the command in the folder where \"keyward serve\" made keyward-data, or pass --credentials PATH/admin.json", defaultFile)
		}
		if err != nil {
			return nil, err
		}
		t.Key, t.Secret, t.KID, t.From, fileServer = c.Key, c.Secret, c.KID, defaultFile, c.Server
	}
	switch {
	case fl.Server != "":
		t.Server, t.ServerFrom = fl.Server, "--server"
	case getenv("KEYWARD_SERVER") != "":
		t.Server, t.ServerFrom = getenv("KEYWARD_SERVER"), "$KEYWARD_SERVER"
	case fileServer != "":
		t.Server, t.ServerFrom = fileServer, t.From
	default:
		t.Server, t.ServerFrom = DefaultServer, "the default"
	}
	if err := CheckServer(t.Server, t.ServerFrom); err != nil {
		return nil, err
	}
	return t, nil
}

// readFile reads a credentials file. A file that does not exist wraps
// fs.ErrNotExist; every failure is a flag error naming the file.
func readFile(path string) (*credentialFile, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, cmderror.FlagErrorWrap(fmt.Errorf("--credentials: %s does not exist: %w", path, fs.ErrNotExist))
	}
	if err != nil {
		return nil, cmderror.FlagErrorf("--credentials: cannot read %s: %v", path, pathErrText(err))
	}
	var c credentialFile
	if err := json.Unmarshal(b, &c); err != nil || c.Key == "" || c.Secret == "" {
		return nil, cmderror.FlagErrorf("--credentials: %s is not a JSON object with \"key\" and \"secret\"", path)
	}
	return &c, nil
}

// pathErrText is the cause of a file error without the path, which the
// caller names itself.
func pathErrText(err error) string {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// CheckServer refuses a server address the API commands cannot use: one
// without http:// or https://, or the portal's address instead of the
// server's root. from names where the address came from.
func CheckServer(server, from string) error {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		hint := ""
		if !strings.Contains(server, "://") {
			hint = fmt.Sprintf("; did you mean http://%s?", server)
		}
		return cmderror.FlagErrorf("%s %q is not an http:// or https:// URL of a keyward server%s", fromText(from), server, hint)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return cmderror.FlagErrorf("%s %q has a query or fragment; give the server's address, e.g. %s://%s", fromText(from), server, u.Scheme, u.Host)
	}
	p := strings.TrimRight(u.Path, "/")
	if p == "/portal" || strings.HasPrefix(p, "/portal/") || strings.HasSuffix(p, "/portal") {
		return cmderror.FlagErrorf("%s %q is the portal's address; the commands want the server's: %s://%s%s",
			fromText(from), server, u.Scheme, u.Host, strings.TrimSuffix(p[:strings.Index(p, "/portal")], "/"))
	}
	return nil
}

// fromText names the source of a server address in a message.
func fromText(from string) string {
	switch from {
	case "", "--server", "the default":
		return "--server"
	case "$KEYWARD_SERVER":
		return from
	}
	return "the \"server\" of " + from
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
