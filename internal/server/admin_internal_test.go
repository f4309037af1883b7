package server

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// safeLabel is what a store label may look like in a file name.
var safeLabel = regexp.MustCompile(`^(sqlite|postgres-[a-z0-9][a-z0-9.-]*)$`)

// FuzzStoreIdentity: the label of any database URL is a short, safe piece
// of a file name, and the recorded store never carries a password.
func FuzzStoreIdentity(f *testing.F) {
	for _, s := range []string{"", "postgres://keyward:pw@db:5432/keyward", "postgres://u@127.0.0.1/kw?sslmode=disable",
		"host=db user=kw password=secret dbname=kw", "host=db password='a b' dbname=kw", "postgres:///kw", "../../etc/passwd", "ü/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		id, label := storeIdentity(Config{Database: dsn})
		if !safeLabel.MatchString(label) || len(label) > len("postgres-")+80 {
			t.Fatalf("storeIdentity(%q) label %q is not a safe file name part", dsn, label)
		}
		if u, err := url.Parse(dsn); err == nil && u.Host != "" {
			if pw, ok := u.User.Password(); ok && pw != "" && strings.Contains(id, ":"+pw+"@") {
				t.Fatalf("storeIdentity(%q) records %q, which keeps the password", dsn, id)
			}
		} else if strings.Contains(dsn, "password=") && strings.Contains(id, "password=") {
			t.Fatalf("storeIdentity(%q) records %q, which keeps the password", dsn, id)
		}
	})
}
