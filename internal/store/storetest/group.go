package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/keyward/keyward/internal/credential"
)

// exerciseGroups is the part of the suite for API groups.
func exerciseGroups(s suite) {
	s.run("BuiltinGroup", func(t *testing.T, b *testBundle) {
		g, err := b.st.FindGroupByName(context.Background(), credential.BuiltinGroupEncoding)
		must(t, "FindGroupByName(encoding)", err)
		want := []string{"sl.encoding.start", "sl.encoding.query", "sl.encoding.detect"}
		if g.Description != "the Soundlinks Encoding API" || !slices.Equal(g.APIIDs, want) {
			t.Errorf("encoding group = %+v, want description %q and api ids %v", g, "the Soundlinks Encoding API", want)
		}
		_, err = b.st.FindGroupByName(context.Background(), "nope")
		wantCode(t, "FindGroupByName(nope)", err, credential.ENOTFOUND)
	})

	s.run("Group", func(t *testing.T, b *testBundle) {
		g := &credential.Group{Name: "rooms", Description: "Rooms", APIIDs: []string{"rooms.connect"}}
		_, err := b.st.CreateGroup(b.dev, g)
		wantCode(t, "CreateGroup(developer)", err, credential.EFORBIDDEN)
		_, err = b.st.CreateGroup(b.admin, &credential.Group{Name: "Bad Name"})
		wantCode(t, "CreateGroup(bad name)", err, credential.EINVALID)
		_, err = b.st.CreateGroup(b.admin, g)
		must(t, "CreateGroup", err)
		_, err = b.st.CreateGroup(b.admin, g)
		wantCode(t, "CreateGroup(duplicate)", err, credential.ECONFLICT)

		desc := "Rooms API"
		ids := []string{"rooms.connect", "rooms.list"}
		u, err := b.st.UpdateGroup(b.admin, &credential.UpdateGroupParams{Name: "rooms", Description: &desc, APIIDs: &ids})
		must(t, "UpdateGroup", err)
		if u.Description != desc || !slices.Equal(u.APIIDs, ids) {
			t.Errorf("UpdateGroup = %+v, want %q %v", u, desc, ids)
		}
		_, err = b.st.UpdateGroup(b.admin, &credential.UpdateGroupParams{Name: "nope", Description: &desc})
		wantCode(t, "UpdateGroup(unknown)", err, credential.ENOTFOUND)

		groups, err := b.st.FindGroups(context.Background())
		must(t, "FindGroups", err)
		if len(groups) != 2 || groups[0].Name != "encoding" || groups[1].Name != "rooms" {
			t.Errorf("FindGroups = %d groups, want encoding and rooms", len(groups))
		}

		_, err = b.st.CreateAccessRequest(b.dev, &credential.CreateAccessRequestParams{Groups: []string{"rooms"}})
		must(t, "CreateAccessRequest(rooms)", err)
		err = b.st.DeleteGroup(b.admin, "rooms")
		wantCode(t, "DeleteGroup(in use)", err, credential.ECONFLICT)
		err = b.st.DeleteGroup(b.admin, "nope")
		wantCode(t, "DeleteGroup(unknown)", err, credential.ENOTFOUND)
		_, err = b.st.CreateGroup(b.admin, &credential.Group{Name: "spare"})
		must(t, "CreateGroup(spare)", err)
		must(t, "DeleteGroup(spare)", b.st.DeleteGroup(b.admin, "spare"))
		_, err = b.st.FindGroupByName(context.Background(), "spare")
		wantCode(t, "FindGroupByName(deleted)", err, credential.ENOTFOUND)
	})
}
