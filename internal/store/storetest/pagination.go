package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/keyward/keyward/internal/credential"
)

// exercisePagination is the part of the suite for pagination of lists.
func exercisePagination(s suite) {
	s.run("Pagination", func(t *testing.T, b *testBundle) {
		b.approve(t, b.dev, "encoding")
		var want []int64
		for i := range 7 {
			c, _, err := b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: fmt.Sprint("c", i), Groups: []string{"encoding"}})
			must(t, "CreateCredential", err)
			want = append([]int64{c.ID}, want...)
		}
		_, _, err := b.st.CreateCredential(b.admin, &credential.CreateCredentialParams{Name: "admin's", Groups: []string{"encoding"}})
		must(t, "CreateCredential(admin)", err)
		var got []int64
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatalf("pagination does not end")
			}
			l, err := b.st.FindCredentials(b.dev, &credential.CredentialFilter{Page: credential.Page{Limit: 3, Cursor: cursor}})
			must(t, "FindCredentials", err)
			for _, c := range l.Credentials {
				got = append(got, c.ID)
			}
			if l.NextCursor == "" {
				break
			}
			cursor = l.NextCursor
		}
		if !slices.Equal(got, want) {
			t.Errorf("paged credential ids = %v, want %v", got, want)
		}
		_, err = b.st.FindCredentials(b.dev, &credential.CredentialFilter{Page: credential.Page{Cursor: "bogus"}})
		wantCode(t, "FindCredentials(bad cursor)", err, credential.EINVALID)
		all, err := b.st.FindCredentials(b.admin, &credential.CredentialFilter{OwnerID: b.devID, Status: credential.CredentialActive})
		must(t, "FindCredentials(admin, owner filter)", err)
		if len(all.Credentials) != 7 {
			t.Errorf("FindCredentials(owner dev) = %d, want 7", len(all.Credentials))
		}
	})
}
