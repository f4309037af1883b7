package storetest

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/store"
)

// testBundle is what each test of the suite starts with: a store with one
// admin and two developers, and a context for each.
type testBundle struct {
	st       *store.Store
	driver   store.Driver
	clock    *Clock
	notifier *Notifier

	system, admin, dev, dev2     context.Context
	adminID, devID, dev2ID       int64
	adminAcct, devAcct, dev2Acct *credential.Account
	anonymous                    context.Context
}

func as(id int64) context.Context {
	return credential.NewContextWithActor(context.Background(), &credential.Actor{AccountID: id, RemoteAddr: "192.0.2.7"})
}

// wantCode fails tb unless err carries code.
func wantCode(tb testing.TB, call string, err error, code string) {
	tb.Helper()
	if got := credential.ErrorCode(err); got != code {
		tb.Fatalf("%s: error %v (code %q), want code %q", call, err, got, code)
	}
}

// must fails tb on err.
func must(tb testing.TB, call string, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", call, err)
	}
}

var (
	hex24 = regexp.MustCompile(`^[0-9a-f]{24}$`)
	hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Exercise runs the conformance suite. open must return a fresh, migrated,
// empty database on each call.
func Exercise(t *testing.T, open OpenFunc) {
	t.Helper()

	setup := func(t *testing.T) *testBundle {
		t.Helper()
		b := &testBundle{driver: open(t), clock: NewClock(), notifier: &Notifier{}}
		b.st = MustNew(t, b.driver, b.clock, b.notifier)
		b.system = credential.NewContextWithActor(context.Background(), credential.SystemActor())
		b.anonymous = context.Background()
		mk := func(email string, role credential.Role) *credential.Account {
			a, err := b.st.CreateAccount(b.system, &credential.CreateAccountParams{Email: email, Name: email, Role: role})
			must(t, "CreateAccount "+email, err)
			return a
		}
		b.adminAcct = mk("root@example.com", credential.RoleAdmin)
		b.devAcct = mk("dev@example.com", credential.RoleDeveloper)
		b.dev2Acct = mk("dev2@example.com", credential.RoleDeveloper)
		b.adminID, b.devID, b.dev2ID = b.adminAcct.ID, b.devAcct.ID, b.dev2Acct.ID
		b.admin, b.dev, b.dev2 = as(b.adminID), as(b.devID), as(b.dev2ID)
		return b
	}

	// approve files and approves a request of ctx's account for groups.
	approve := func(t *testing.T, b *testBundle, ctx context.Context, groups ...string) *credential.AccessRequest {
		t.Helper()
		r, err := b.st.CreateAccessRequest(ctx, &credential.CreateAccessRequestParams{Groups: groups, Reason: "testing"})
		must(t, "CreateAccessRequest", err)
		r, err = b.st.DecideAccessRequest(b.admin, &credential.DecideAccessRequestParams{ID: r.ID, Decision: credential.RequestApproved, Note: "ok"})
		must(t, "DecideAccessRequest", err)
		return r
	}

	// devCredential gives dev an approved encoding credential.
	devCredential := func(t *testing.T, b *testBundle) (*credential.Credential, *credential.Secret) {
		t.Helper()
		approve(t, b, b.dev, credential.BuiltinGroupEncoding)
		c, sec, err := b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: "my app", Notes: "n", Groups: []string{credential.BuiltinGroupEncoding}})
		must(t, "CreateCredential", err)
		return c, sec
	}

	// snapshot is what must not change when a call fails.
	type snapshot struct {
		audit   int
		changes int64
	}
	snap := func(t *testing.T, b *testBundle) snapshot {
		t.Helper()
		l, err := b.st.FindAuditEntries(b.system, &credential.AuditFilter{Page: credential.Page{Limit: credential.MaxLimit}})
		must(t, "FindAuditEntries", err)
		seq, err := b.st.LatestChange(context.Background())
		must(t, "LatestChange", err)
		return snapshot{len(l.Entries), seq}
	}
	unchanged := func(t *testing.T, b *testBundle, before snapshot, call string) {
		t.Helper()
		if after := snap(t, b); after != before {
			t.Fatalf("%s failed but changed the store: audit entries %d → %d, change feed %d → %d", call, before.audit, after.audit, before.changes, after.changes)
		}
	}

	t.Run("BuiltinGroup", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		g, err := b.st.FindGroupByName(context.Background(), credential.BuiltinGroupEncoding)
		must(t, "FindGroupByName(encoding)", err)
		want := []string{"sl.encoding.start", "sl.encoding.query", "sl.encoding.detect"}
		if g.Description != "the Soundlinks Encoding API" || !slices.Equal(g.APIIDs, want) {
			t.Errorf("encoding group = %+v, want description %q and api ids %v", g, "the Soundlinks Encoding API", want)
		}
		_, err = b.st.FindGroupByName(context.Background(), "nope")
		wantCode(t, "FindGroupByName(nope)", err, credential.ENOTFOUND)
	})

	t.Run("NoActor", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, _, err := b.st.CreateCredential(b.anonymous, &credential.CreateCredentialParams{Name: "x", Groups: []string{"encoding"}})
		wantCode(t, "CreateCredential without actor", err, credential.EUNAUTHORIZED)
		_, err = b.st.FindCredentials(b.anonymous, &credential.CredentialFilter{})
		wantCode(t, "FindCredentials without actor", err, credential.EUNAUTHORIZED)
		_, err = b.st.FindCredentials(as(99999), &credential.CredentialFilter{})
		wantCode(t, "FindCredentials as a deleted account", err, credential.EUNAUTHORIZED)
	})

	t.Run("Account", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		a, err := b.st.CreateAccount(b.anonymous, &credential.CreateAccountParams{Email: " New@Example.COM ", Name: "New", Password: "a long password"})
		must(t, "CreateAccount(sign-up)", err)
		if a.Email != "new@example.com" || a.Role != credential.RoleDeveloper || a.PasswordHash == "" {
			t.Errorf("CreateAccount = %+v, want lower-case email, developer, a password hash", a)
		}
		_, err = b.st.CreateAccount(b.anonymous, &credential.CreateAccountParams{Email: "new@example.com"})
		wantCode(t, "CreateAccount(duplicate email)", err, credential.ECONFLICT)
		_, err = b.st.CreateAccount(b.anonymous, &credential.CreateAccountParams{Email: "not an email"})
		wantCode(t, "CreateAccount(bad email)", err, credential.EINVALID)
		_, err = b.st.CreateAccount(b.anonymous, &credential.CreateAccountParams{Email: "x@example.com", Password: "short"})
		wantCode(t, "CreateAccount(short password)", err, credential.EINVALID)
		_, err = b.st.CreateAccount(b.dev, &credential.CreateAccountParams{Email: "boss@example.com", Role: credential.RoleAdmin})
		wantCode(t, "CreateAccount(admin, by developer)", err, credential.EFORBIDDEN)
		_, err = b.st.CreateAccount(b.admin, &credential.CreateAccountParams{Email: "boss@example.com", Role: credential.RoleAdmin})
		must(t, "CreateAccount(admin, by admin)", err)

		got, err := b.st.Authenticate(context.Background(), "NEW@example.com", "a long password")
		must(t, "Authenticate(right password)", err)
		if got.ID != a.ID {
			t.Errorf("Authenticate = account %d, want %d", got.ID, a.ID)
		}
		_, err = b.st.Authenticate(context.Background(), "new@example.com", "a long passwore")
		wantCode(t, "Authenticate(wrong password)", err, credential.EUNAUTHORIZED)
		_, err2 := b.st.Authenticate(context.Background(), "nobody@example.com", "a long password")
		wantCode(t, "Authenticate(unknown email)", err2, credential.EUNAUTHORIZED)
		if credential.ErrorMessage(err) != credential.ErrorMessage(err2) {
			t.Errorf("Authenticate messages differ for wrong password (%q) and unknown email (%q)", credential.ErrorMessage(err), credential.ErrorMessage(err2))
		}

		_, err = b.st.FindAccountByID(b.dev, b.dev2ID)
		wantCode(t, "FindAccountByID(another developer)", err, credential.EFORBIDDEN)
		_, err = b.st.FindAccountByID(b.dev, b.devID)
		must(t, "FindAccountByID(self)", err)
		_, err = b.st.FindAccountByID(b.admin, 424242)
		wantCode(t, "FindAccountByID(unknown)", err, credential.ENOTFOUND)
		_, err = b.st.FindAccounts(b.dev, &credential.AccountFilter{})
		wantCode(t, "FindAccounts(developer)", err, credential.EFORBIDDEN)
		list, err := b.st.FindAccounts(b.admin, &credential.AccountFilter{Role: credential.RoleAdmin})
		must(t, "FindAccounts(admins)", err)
		if len(list.Accounts) != 2 {
			t.Errorf("FindAccounts(admins) = %d accounts, want 2", len(list.Accounts))
		}

		admin := credential.RoleAdmin
		_, err = b.st.UpdateAccount(b.dev, &credential.UpdateAccountParams{ID: b.devID, Role: &admin})
		wantCode(t, "UpdateAccount(self-promotion)", err, credential.EFORBIDDEN)
		name := "Dev Eloper"
		u, err := b.st.UpdateAccount(b.dev, &credential.UpdateAccountParams{ID: b.devID, Name: &name})
		must(t, "UpdateAccount(own name)", err)
		if u.Name != name {
			t.Errorf("UpdateAccount name = %q, want %q", u.Name, name)
		}
		_, err = b.st.UpdateAccount(b.dev, &credential.UpdateAccountParams{ID: b.dev2ID, Name: &name})
		wantCode(t, "UpdateAccount(another's)", err, credential.EFORBIDDEN)
	})

	t.Run("RoleChangeFeedsLookup", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c, _ := devCredential(t, b)
		seq, err := b.st.LatestChange(context.Background())
		must(t, "LatestChange", err)
		admin := credential.RoleAdmin
		_, err = b.st.UpdateAccount(b.admin, &credential.UpdateAccountParams{ID: b.devID, Role: &admin})
		must(t, "UpdateAccount(promote)", err)
		keys, _, err := b.st.ChangesSince(context.Background(), seq)
		must(t, "ChangesSince", err)
		if !slices.Equal(keys, []string{c.Key}) {
			t.Errorf("ChangesSince after promotion = %v, want [%s]", keys, c.Key)
		}
		ki, err := b.st.LookupKey(context.Background(), c.Key)
		must(t, "LookupKey", err)
		if ki.OwnerRole != credential.RoleAdmin {
			t.Errorf("LookupKey owner role = %q, want admin", ki.OwnerRole)
		}
	})

	t.Run("Group", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
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

	t.Run("RequestLifecycle", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		before := snap(t, b)
		_, err := b.st.CreateAccessRequest(b.dev, &credential.CreateAccessRequestParams{Groups: []string{"encoding", "no-such-group"}})
		wantCode(t, "CreateAccessRequest(unknown group)", err, credential.EINVALID)
		_, err = b.st.CreateAccessRequest(b.dev, &credential.CreateAccessRequestParams{})
		wantCode(t, "CreateAccessRequest(no groups)", err, credential.EINVALID)
		unchanged(t, b, before, "CreateAccessRequest")

		r, err := b.st.CreateAccessRequest(b.dev, &credential.CreateAccessRequestParams{Groups: []string{"encoding"}, Reason: "my app"})
		must(t, "CreateAccessRequest", err)
		if r.Status != credential.RequestPending || r.AccountID != b.devID || !slices.Equal(r.Groups, []string{"encoding"}) {
			t.Errorf("CreateAccessRequest = %+v, want pending request of dev for encoding", r)
		}
		// Admins are told of the new request.
		an, err := b.st.FindNotifications(b.admin, &credential.NotificationFilter{})
		must(t, "FindNotifications(admin)", err)
		if len(an.Notifications) != 1 || an.Notifications[0].Kind != credential.NotifyRequestCreated {
			t.Errorf("admin notifications = %+v, want one %s", an.Notifications, credential.NotifyRequestCreated)
		}

		_, err = b.st.DecideAccessRequest(b.dev, &credential.DecideAccessRequestParams{ID: r.ID, Decision: credential.RequestApproved})
		wantCode(t, "DecideAccessRequest(developer)", err, credential.EFORBIDDEN)
		_, err = b.st.DecideAccessRequest(b.admin, &credential.DecideAccessRequestParams{ID: r.ID, Decision: credential.RequestWithdrawn})
		wantCode(t, "DecideAccessRequest(decision withdrawn)", err, credential.EINVALID)
		_, err = b.st.DecideAccessRequest(b.admin, &credential.DecideAccessRequestParams{ID: 987654, Decision: credential.RequestApproved})
		wantCode(t, "DecideAccessRequest(unknown)", err, credential.ENOTFOUND)
		_, err = b.st.FindAccessRequestByID(b.dev2, r.ID)
		wantCode(t, "FindAccessRequestByID(another's)", err, credential.EFORBIDDEN)

		sentBefore := len(b.notifier.Sent())
		d, err := b.st.DecideAccessRequest(b.admin, &credential.DecideAccessRequestParams{ID: r.ID, Decision: credential.RequestApproved, Note: "welcome"})
		must(t, "DecideAccessRequest(approve)", err)
		if d.Status != credential.RequestApproved || d.DecisionNote != "welcome" || d.DecidedBy != b.adminID || !d.DecidedAt.Equal(b.clock.Now()) {
			t.Errorf("DecideAccessRequest = %+v, want approved by %d at %v with note", d, b.adminID, b.clock.Now())
		}
		sent := b.notifier.Sent()[sentBefore:]
		if len(sent) != 1 || sent[0].To.ID != b.devID || sent[0].Notification.Kind != credential.NotifyRequestApproved {
			t.Errorf("Notifier after approval got %+v, want one %s to dev", sent, credential.NotifyRequestApproved)
		}
		// The admins' "asks for access" notification is done with once the
		// request is decided, wherever it was decided (portal, CLI, API).
		an, err = b.st.FindNotifications(b.admin, &credential.NotificationFilter{})
		must(t, "FindNotifications(admin) after approval", err)
		if an.Unread != 0 {
			t.Errorf("admin notifications after the approval: %d unread, want 0 (%+v)", an.Unread, an.Notifications)
		}
		dn, err := b.st.FindNotifications(b.dev, &credential.NotificationFilter{})
		must(t, "FindNotifications(dev)", err)
		if len(dn.Notifications) != 1 || dn.Unread != 1 || dn.Notifications[0].TargetID != strconv.FormatInt(r.ID, 10) {
			t.Errorf("dev notifications = %+v (unread %d), want one unread about request %d", dn.Notifications, dn.Unread, r.ID)
		}

		before = snap(t, b)
		_, err = b.st.DecideAccessRequest(b.admin, &credential.DecideAccessRequestParams{ID: r.ID, Decision: credential.RequestApproved})
		wantCode(t, "DecideAccessRequest(approve again)", err, credential.ECONFLICT)
		_, err = b.st.DecideAccessRequest(b.admin, &credential.DecideAccessRequestParams{ID: r.ID, Decision: credential.RequestRejected})
		wantCode(t, "DecideAccessRequest(reject approved)", err, credential.ECONFLICT)
		_, err = b.st.WithdrawAccessRequest(b.dev, r.ID)
		wantCode(t, "WithdrawAccessRequest(approved)", err, credential.ECONFLICT)
		unchanged(t, b, before, "deciding a decided request")
		got, err := b.st.FindAccessRequestByID(b.dev, r.ID)
		must(t, "FindAccessRequestByID", err)
		if got.Status != credential.RequestApproved || got.DecisionNote != "welcome" {
			t.Errorf("request after failed decisions = %+v, want still approved with its note", got)
		}

		r2, err := b.st.CreateAccessRequest(b.dev, &credential.CreateAccessRequestParams{Groups: []string{"encoding"}})
		must(t, "CreateAccessRequest(2)", err)
		_, err = b.st.WithdrawAccessRequest(b.dev2, r2.ID)
		wantCode(t, "WithdrawAccessRequest(another's)", err, credential.EFORBIDDEN)
		w, err := b.st.WithdrawAccessRequest(b.dev, r2.ID)
		must(t, "WithdrawAccessRequest", err)
		if w.Status != credential.RequestWithdrawn {
			t.Errorf("WithdrawAccessRequest status = %q, want withdrawn", w.Status)
		}
		an, err = b.st.FindNotifications(b.admin, &credential.NotificationFilter{})
		must(t, "FindNotifications(admin) after withdrawal", err)
		if an.Unread != 0 {
			t.Errorf("admin notifications after the withdrawal: %d unread, want 0 (%+v)", an.Unread, an.Notifications)
		}
		_, err = b.st.DecideAccessRequest(b.admin, &credential.DecideAccessRequestParams{ID: r2.ID, Decision: credential.RequestApproved})
		wantCode(t, "DecideAccessRequest(withdrawn)", err, credential.ECONFLICT)

		r3, err := b.st.CreateAccessRequest(b.dev2, &credential.CreateAccessRequestParams{Groups: []string{"encoding"}})
		must(t, "CreateAccessRequest(dev2)", err)
		rej, err := b.st.DecideAccessRequest(b.admin, &credential.DecideAccessRequestParams{ID: r3.ID, Decision: credential.RequestRejected, Note: "no"})
		must(t, "DecideAccessRequest(reject)", err)
		if rej.Status != credential.RequestRejected {
			t.Errorf("rejected request status = %q", rej.Status)
		}
		groups, err := b.st.FindApprovedGroups(b.dev2, b.dev2ID)
		must(t, "FindApprovedGroups(dev2)", err)
		if len(groups) != 0 {
			t.Errorf("FindApprovedGroups after rejection = %v, want none", groups)
		}
		groups, err = b.st.FindApprovedGroups(b.admin, b.devID)
		must(t, "FindApprovedGroups(dev)", err)
		if !slices.Equal(groups, []string{"encoding"}) {
			t.Errorf("FindApprovedGroups(dev) = %v, want [encoding]", groups)
		}
		_, err = b.st.FindApprovedGroups(b.dev2, b.devID)
		wantCode(t, "FindApprovedGroups(another's)", err, credential.EFORBIDDEN)

		mine, err := b.st.FindAccessRequests(b.dev, &credential.AccessRequestFilter{AccountID: b.dev2ID})
		must(t, "FindAccessRequests(dev)", err)
		for _, r := range mine.Requests {
			if r.AccountID != b.devID {
				t.Errorf("FindAccessRequests as dev returned request %d of account %d", r.ID, r.AccountID)
			}
		}
		if len(mine.Requests) != 2 {
			t.Errorf("FindAccessRequests(dev) = %d requests, want 2", len(mine.Requests))
		}
		pending, err := b.st.FindAccessRequests(b.admin, &credential.AccessRequestFilter{Status: credential.RequestPending})
		must(t, "FindAccessRequests(pending)", err)
		if len(pending.Requests) != 0 {
			t.Errorf("pending requests = %d, want 0", len(pending.Requests))
		}
	})

	t.Run("CreateCredentialRules", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.st.CreateGroup(b.admin, &credential.Group{Name: "rooms"})
		must(t, "CreateGroup", err)

		before := snap(t, b)
		_, _, err = b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: "app", Groups: []string{"encoding"}})
		wantCode(t, "CreateCredential(not approved)", err, credential.EFORBIDDEN)
		_, _, err = b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: "app", Groups: []string{"no-such-group"}})
		wantCode(t, "CreateCredential(unknown group)", err, credential.EINVALID)
		_, _, err = b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: "", Groups: []string{"encoding"}})
		wantCode(t, "CreateCredential(no name)", err, credential.EINVALID)
		_, _, err = b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{OwnerID: b.dev2ID, Name: "app", Groups: []string{"encoding"}})
		wantCode(t, "CreateCredential(for another)", err, credential.EFORBIDDEN)
		_, _, err = b.st.CreateCredential(b.admin, &credential.CreateCredentialParams{OwnerID: 55555, Name: "app", Groups: []string{"encoding"}})
		wantCode(t, "CreateCredential(unknown owner)", err, credential.ENOTFOUND)
		unchanged(t, b, before, "CreateCredential")

		approve(t, b, b.dev, "encoding")
		_, _, err = b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: "app", Groups: []string{"encoding", "rooms"}})
		wantCode(t, "CreateCredential(one group not approved)", err, credential.EFORBIDDEN)
		c, sec, err := b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: "app", Notes: "notes", Groups: []string{"encoding"}})
		must(t, "CreateCredential", err)
		if !hex24.MatchString(c.Key) || !hex64.MatchString(sec.Value) || sec.Key != c.Key || sec.KID == "" {
			t.Errorf("CreateCredential key %q secret %s, want 24 hex key and 64 hex secret", c.Key, sec)
		}
		if c.OwnerID != b.devID || c.Status != credential.CredentialActive || len(c.Secrets) != 1 || c.Secrets[0].KID != sec.KID {
			t.Errorf("CreateCredential = %+v", c)
		}
		got, err := b.st.FindCredentialByID(b.dev, c.ID)
		must(t, "FindCredentialByID", err)
		if got.Key != c.Key || got.Name != "app" || got.Notes != "notes" || !slices.Equal(got.Groups, []string{"encoding"}) ||
			len(got.Secrets) != 1 || !got.CreatedAt.Equal(b.clock.Now()) {
			t.Errorf("FindCredentialByID = %+v, want what was created", got)
		}

		// Admins grant any existing group, to anyone.
		ac, _, err := b.st.CreateCredential(b.admin, &credential.CreateCredentialParams{OwnerID: b.dev2ID, Name: "granted", Groups: []string{"rooms", "encoding"}})
		must(t, "CreateCredential(admin for dev2)", err)
		if ac.OwnerID != b.dev2ID || !slices.Equal(ac.Groups, []string{"encoding", "rooms"}) {
			t.Errorf("admin-made credential = %+v, want owner dev2 with both groups", ac)
		}
		mine, _, err := b.st.CreateCredential(b.admin, &credential.CreateCredentialParams{Name: "self", Groups: []string{"rooms"}})
		must(t, "CreateCredential(admin for self)", err)
		if mine.OwnerID != b.adminID {
			t.Errorf("admin credential owner = %d, want %d", mine.OwnerID, b.adminID)
		}
	})

	t.Run("ForeignCredential", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c, _ := devCredential(t, b)
		before := snap(t, b)
		name := "stolen"
		_, err := b.st.FindCredentialByID(b.dev2, c.ID)
		wantCode(t, "FindCredentialByID(another's)", err, credential.EFORBIDDEN)
		_, err = b.st.UpdateCredential(b.dev2, &credential.UpdateCredentialParams{ID: c.ID, Name: &name})
		wantCode(t, "UpdateCredential(another's)", err, credential.EFORBIDDEN)
		_, _, err = b.st.RotateSecret(b.dev2, &credential.RotateSecretParams{ID: c.ID})
		wantCode(t, "RotateSecret(another's)", err, credential.EFORBIDDEN)
		_, err = b.st.RetireSecret(b.dev2, &credential.RetireSecretParams{ID: c.ID, KID: c.Secrets[0].KID})
		wantCode(t, "RetireSecret(another's)", err, credential.EFORBIDDEN)
		_, err = b.st.RevokeCredential(b.dev2, c.ID)
		wantCode(t, "RevokeCredential(another's)", err, credential.EFORBIDDEN)
		err = b.st.DeleteCredential(b.dev2, c.ID)
		wantCode(t, "DeleteCredential(another's)", err, credential.EFORBIDDEN)
		_, err = b.st.FindCredentialByID(b.dev2, 777777)
		wantCode(t, "FindCredentialByID(unknown)", err, credential.ENOTFOUND)
		unchanged(t, b, before, "acting on another's credential")
		got, err := b.st.FindCredentialByID(b.dev, c.ID)
		must(t, "FindCredentialByID(own)", err)
		if got.Name != c.Name || got.Status != credential.CredentialActive {
			t.Errorf("credential after foreign attempts = %+v", got)
		}
		// An admin may act on it.
		_, err = b.st.FindCredentialByID(b.admin, c.ID)
		must(t, "FindCredentialByID(admin)", err)
	})

	t.Run("UpdateCredential", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.st.CreateGroup(b.admin, &credential.Group{Name: "rooms"})
		must(t, "CreateGroup", err)
		c, _ := devCredential(t, b)
		name, notes := "renamed", "new notes"
		u, err := b.st.UpdateCredential(b.dev, &credential.UpdateCredentialParams{ID: c.ID, Name: &name, Notes: &notes})
		must(t, "UpdateCredential", err)
		if u.Name != name || u.Notes != notes {
			t.Errorf("UpdateCredential = %+v", u)
		}
		groups := []string{"encoding", "rooms"}
		_, err = b.st.UpdateCredential(b.dev, &credential.UpdateCredentialParams{ID: c.ID, Groups: &groups})
		wantCode(t, "UpdateCredential(unapproved group)", err, credential.EFORBIDDEN)
		seq, _ := b.st.LatestChange(context.Background())
		u, err = b.st.UpdateCredential(b.admin, &credential.UpdateCredentialParams{ID: c.ID, Groups: &groups})
		must(t, "UpdateCredential(admin grants rooms)", err)
		if !slices.Equal(u.Groups, groups) {
			t.Errorf("UpdateCredential groups = %v, want %v", u.Groups, groups)
		}
		keys, _, err := b.st.ChangesSince(context.Background(), seq)
		must(t, "ChangesSince", err)
		if !slices.Equal(keys, []string{c.Key}) {
			t.Errorf("ChangesSince after group change = %v, want [%s]", keys, c.Key)
		}
		ki, err := b.st.LookupKey(context.Background(), c.Key)
		must(t, "LookupKey", err)
		if !slices.Equal(ki.Groups, groups) || !ki.HasGroup("rooms") {
			t.Errorf("LookupKey groups = %v, want %v", ki.Groups, groups)
		}
	})

	t.Run("LookupKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c, sec := devCredential(t, b)
		ki, err := b.st.LookupKey(context.Background(), c.Key)
		must(t, "LookupKey", err)
		if ki.CredentialID != c.ID || ki.OwnerID != b.devID || ki.OwnerRole != credential.RoleDeveloper ||
			ki.Status != credential.CredentialActive || !slices.Equal(ki.Groups, []string{"encoding"}) {
			t.Errorf("LookupKey = %+v", ki)
		}
		if len(ki.Secrets) != 1 || ki.Secrets[0].KID != sec.KID || string(ki.Secrets[0].Secret) != sec.Value || !ki.Secrets[0].NotAfter.IsZero() {
			t.Errorf("LookupKey secrets = %d (kid %v), want the created secret without expiry", len(ki.Secrets), ki.Secrets)
		}
		for _, key := range []string{"000000000000000000000000", "not-a-key", "", c.Key + "00"} {
			_, err := b.st.LookupKey(context.Background(), key)
			wantCode(t, fmt.Sprintf("LookupKey(%q)", key), err, credential.ENOTFOUND)
		}
		// Reads never return the secret.
		got, err := b.st.FindCredentialByID(b.dev, c.ID)
		must(t, "FindCredentialByID", err)
		if s := fmt.Sprintf("%+v", got); regexp.MustCompile(sec.Value).MatchString(s) {
			t.Errorf("FindCredentialByID returned the secret")
		}
	})

	t.Run("Rotation", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c, first := devCredential(t, b)

		rc, second, err := b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID})
		must(t, "RotateSecret", err)
		if second.KID == first.KID || second.Value == first.Value || !hex64.MatchString(second.Value) {
			t.Fatalf("RotateSecret gave kid %s (first %s); want a new kid and secret", second.KID, first.KID)
		}
		wantExpiry := b.clock.Now().Add(credential.DefaultRotationOverlap)
		if len(rc.Secrets) != 2 || rc.Secrets[0].KID != second.KID || !rc.Secrets[1].ExpiresAt.Equal(wantExpiry) {
			t.Errorf("RotateSecret secrets = %+v, want the new one first and the old one expiring at %v", rc.Secrets, wantExpiry)
		}
		ki, err := b.st.LookupKey(context.Background(), c.Key)
		must(t, "LookupKey", err)
		if len(ki.Secrets) != 2 || string(ki.Secrets[0].Secret) != second.Value || string(ki.Secrets[1].Secret) != first.Value ||
			!ki.Secrets[1].NotAfter.Equal(wantExpiry) {
			t.Errorf("LookupKey during overlap = %d secrets, want new then old (with NotAfter %v)", len(ki.Secrets), wantExpiry)
		}

		before := snap(t, b)
		_, _, err = b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID})
		wantCode(t, "RotateSecret(during overlap)", err, credential.ECONFLICT)
		unchanged(t, b, before, "RotateSecret during overlap")

		b.clock.Advance(credential.DefaultRotationOverlap + time.Second)
		ki, err = b.st.LookupKey(context.Background(), c.Key)
		must(t, "LookupKey after overlap", err)
		if len(ki.Secrets) != 1 || ki.Secrets[0].KID != second.KID {
			t.Errorf("LookupKey after overlap = %d secrets, want only the new one", len(ki.Secrets))
		}

		// Retire ends a secret at once; the last one cannot be retired.
		_, third, err := b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID, Overlap: time.Hour})
		must(t, "RotateSecret(1h overlap)", err)
		_, err = b.st.RetireSecret(b.dev, &credential.RetireSecretParams{ID: c.ID, KID: "nope"})
		wantCode(t, "RetireSecret(unknown kid)", err, credential.ENOTFOUND)
		_, err = b.st.RetireSecret(b.dev, &credential.RetireSecretParams{ID: c.ID, KID: first.KID})
		wantCode(t, "RetireSecret(expired)", err, credential.ECONFLICT)
		seq, _ := b.st.LatestChange(context.Background())
		r, err := b.st.RetireSecret(b.dev, &credential.RetireSecretParams{ID: c.ID, KID: second.KID})
		must(t, "RetireSecret", err)
		if n := activeSecrets(r, b.clock.Now()); n != 1 {
			t.Errorf("active secrets after retire = %d, want 1", n)
		}
		keys, _, err := b.st.ChangesSince(context.Background(), seq)
		must(t, "ChangesSince", err)
		if !slices.Equal(keys, []string{c.Key}) {
			t.Errorf("ChangesSince after retire = %v, want [%s]", keys, c.Key)
		}
		_, err = b.st.RetireSecret(b.dev, &credential.RetireSecretParams{ID: c.ID, KID: third.KID})
		wantCode(t, "RetireSecret(last)", err, credential.ECONFLICT)

		// A negative overlap ends the old secret with the rotation.
		_, fourth, err := b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID, Overlap: -1})
		must(t, "RotateSecret(no overlap)", err)
		ki, err = b.st.LookupKey(context.Background(), c.Key)
		must(t, "LookupKey", err)
		if len(ki.Secrets) != 1 || ki.Secrets[0].KID != fourth.KID {
			t.Errorf("LookupKey after rotation without overlap = %d secrets, want only %s", len(ki.Secrets), fourth.KID)
		}
	})

	t.Run("ConcurrentRotation", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c, _ := devCredential(t, b)
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		for range 6 {
			wg.Go(func() {
				_, _, err := b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID})
				mu.Lock()
				codes[credential.ErrorCode(err)]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if codes[""] != 1 || codes[credential.ECONFLICT] != 5 {
			t.Errorf("6 concurrent rotations: outcomes %v, want 1 success and 5 ECONFLICT", codes)
		}
		got, err := b.st.FindCredentialByID(b.dev, c.ID)
		must(t, "FindCredentialByID", err)
		if n := activeSecrets(got, b.clock.Now()); n != credential.MaxActiveSecrets {
			t.Errorf("active secrets = %d, want %d", n, credential.MaxActiveSecrets)
		}
	})

	t.Run("Revoke", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c, _ := devCredential(t, b)
		seq, _ := b.st.LatestChange(context.Background())
		r, err := b.st.RevokeCredential(b.dev, c.ID)
		must(t, "RevokeCredential", err)
		if r.Status != credential.CredentialRevoked || !r.RevokedAt.Equal(b.clock.Now()) || activeSecrets(r, b.clock.Now()) != 0 {
			t.Errorf("RevokeCredential = %+v", r)
		}
		keys, newSeq, err := b.st.ChangesSince(context.Background(), seq)
		must(t, "ChangesSince", err)
		if !slices.Equal(keys, []string{c.Key}) || newSeq <= seq {
			t.Errorf("ChangesSince(%d) after revoke = %v, %d; want [%s] and a higher number", seq, keys, newSeq, c.Key)
		}
		ki, err := b.st.LookupKey(context.Background(), c.Key)
		must(t, "LookupKey(revoked)", err)
		if ki.Status != credential.CredentialRevoked || len(ki.Secrets) != 0 {
			t.Errorf("LookupKey(revoked) = status %q, %d secrets; want revoked, none", ki.Status, len(ki.Secrets))
		}
		before := snap(t, b)
		_, err = b.st.RevokeCredential(b.dev, c.ID)
		wantCode(t, "RevokeCredential(again)", err, credential.ECONFLICT)
		_, _, err = b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID})
		wantCode(t, "RotateSecret(revoked)", err, credential.ECONFLICT)
		name := "x"
		_, err = b.st.UpdateCredential(b.dev, &credential.UpdateCredentialParams{ID: c.ID, Name: &name})
		wantCode(t, "UpdateCredential(revoked)", err, credential.ECONFLICT)
		unchanged(t, b, before, "changing a revoked credential")
	})

	t.Run("Delete", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c, _ := devCredential(t, b)
		seq, _ := b.st.LatestChange(context.Background())
		must(t, "DeleteCredential", b.st.DeleteCredential(b.dev, c.ID))
		_, err := b.st.LookupKey(context.Background(), c.Key)
		wantCode(t, "LookupKey(deleted)", err, credential.ENOTFOUND)
		_, err = b.st.FindCredentialByID(b.dev, c.ID)
		wantCode(t, "FindCredentialByID(deleted)", err, credential.ENOTFOUND)
		err = b.st.DeleteCredential(b.dev, c.ID)
		wantCode(t, "DeleteCredential(again)", err, credential.ENOTFOUND)
		keys, _, err := b.st.ChangesSince(context.Background(), seq)
		must(t, "ChangesSince", err)
		if !slices.Equal(keys, []string{c.Key}) {
			t.Errorf("ChangesSince after delete = %v, want [%s]", keys, c.Key)
		}
		l, err := b.st.FindAuditEntries(b.admin, &credential.AuditFilter{TargetKind: credential.TargetCredential, TargetID: strconv.FormatInt(c.ID, 10)})
		must(t, "FindAuditEntries", err)
		if len(l.Entries) != 2 || l.Entries[0].Action != credential.ActionCredentialDelete || l.Entries[1].Action != credential.ActionCredentialCreate {
			t.Errorf("audit of deleted credential = %d entries, want delete and create", len(l.Entries))
		}
	})

	t.Run("ChangeFeed", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		start, err := b.st.LatestChange(context.Background())
		must(t, "LatestChange", err)
		keys, seq, err := b.st.ChangesSince(context.Background(), start)
		must(t, "ChangesSince(latest)", err)
		if len(keys) != 0 || seq != start {
			t.Errorf("ChangesSince(latest) = %v, %d; want none, %d", keys, seq, start)
		}
		approve(t, b, b.dev, "encoding")
		var made []string
		for i := range 5 {
			c, _, err := b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: fmt.Sprint("c", i), Groups: []string{"encoding"}})
			must(t, "CreateCredential", err)
			made = append(made, c.Key)
			if i%2 == 0 {
				_, _, err := b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID})
				must(t, "RotateSecret", err)
			}
		}
		keys, seq, err = b.st.ChangesSince(context.Background(), start)
		must(t, "ChangesSince", err)
		if !slices.Equal(keys, made) {
			t.Errorf("ChangesSince = %v, want each key once in order %v", keys, made)
		}
		latest, _ := b.st.LatestChange(context.Background())
		if seq != latest || seq != start+8 {
			t.Errorf("ChangesSince new number = %d, LatestChange = %d; want both %d", seq, latest, start+8)
		}
		keys, seq2, err := b.st.ChangesSince(context.Background(), seq)
		must(t, "ChangesSince(again)", err)
		if len(keys) != 0 || seq2 != seq {
			t.Errorf("ChangesSince(caught up) = %v, %d; want none, %d", keys, seq2, seq)
		}
		b.clock.Advance(48 * time.Hour)
		n, err := b.st.PruneChanges(context.Background(), b.clock.Now().Add(-24*time.Hour))
		must(t, "PruneChanges", err)
		if n != 8 {
			t.Errorf("PruneChanges deleted %d rows, want 8", n)
		}
		if latest, _ := b.st.LatestChange(context.Background()); latest != seq {
			t.Errorf("LatestChange after prune = %d, want %d", latest, seq)
		}
	})

	t.Run("Audit", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c, _ := devCredential(t, b)
		_, _, err := b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID})
		must(t, "RotateSecret", err)
		_, err = b.st.RevokeCredential(b.admin, c.ID)
		must(t, "RevokeCredential", err)

		all, err := b.st.FindAuditEntries(b.admin, &credential.AuditFilter{})
		must(t, "FindAuditEntries", err)
		var actions []string
		for _, e := range all.Entries {
			actions = append(actions, e.Action)
		}
		want := []string{
			credential.ActionCredentialRevoke, credential.ActionCredentialRotate, credential.ActionCredentialCreate,
			credential.ActionRequestApprove, credential.ActionRequestCreate,
			credential.ActionAccountCreate, credential.ActionAccountCreate, credential.ActionAccountCreate,
		}
		if !slices.Equal(actions, want) {
			t.Errorf("audit actions = %v, want %v", actions, want)
		}
		rev := all.Entries[0]
		if rev.ActorID != b.adminID || rev.RemoteAddr != "192.0.2.7" || rev.TargetKind != credential.TargetCredential ||
			rev.TargetID != strconv.FormatInt(c.ID, 10) || !rev.CreatedAt.Equal(b.clock.Now()) || len(rev.Detail) == 0 {
			t.Errorf("revoke audit entry = %+v", rev)
		}
		mine, err := b.st.FindAuditEntries(b.dev, &credential.AuditFilter{})
		must(t, "FindAuditEntries(dev)", err)
		for _, e := range mine.Entries {
			if e.ActorID != b.devID {
				t.Errorf("developer sees audit entry %d of actor %d", e.ID, e.ActorID)
			}
		}
		if len(mine.Entries) != 3 {
			t.Errorf("developer's audit entries = %d, want 3 (request, create, rotate)", len(mine.Entries))
		}
		rot, err := b.st.FindAuditEntries(b.admin, &credential.AuditFilter{Action: credential.ActionCredentialRotate})
		must(t, "FindAuditEntries(action)", err)
		if len(rot.Entries) != 1 {
			t.Errorf("rotate entries = %d, want 1", len(rot.Entries))
		}

		// The log is append-only, whoever asks.
		tx, err := b.driver.BeginWrite(context.Background())
		must(t, "BeginWrite", err)
		_, uerr := tx.ExecContext(context.Background(), `UPDATE audit_log SET action = 'forged'`)
		tx.Rollback()
		if uerr == nil {
			t.Errorf("UPDATE audit_log succeeded; the audit log must be append-only")
		}
		tx, err = b.driver.BeginWrite(context.Background())
		must(t, "BeginWrite", err)
		_, derr := tx.ExecContext(context.Background(), `DELETE FROM audit_log`)
		tx.Rollback()
		if derr == nil {
			t.Errorf("DELETE FROM audit_log succeeded; the audit log must be append-only")
		}
	})

	t.Run("Notifications", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		approve(t, b, b.dev, "encoding")
		b.clock.Advance(time.Minute)
		approve(t, b, b.dev, "encoding")
		l, err := b.st.FindNotifications(b.dev, &credential.NotificationFilter{})
		must(t, "FindNotifications", err)
		if len(l.Notifications) != 2 || l.Unread != 2 {
			t.Fatalf("FindNotifications = %d (unread %d), want 2 unread", len(l.Notifications), l.Unread)
		}
		id := l.Notifications[0].ID
		err = b.st.MarkNotificationRead(b.dev2, id)
		wantCode(t, "MarkNotificationRead(another's)", err, credential.EFORBIDDEN)
		err = b.st.MarkNotificationRead(b.dev, 999999)
		wantCode(t, "MarkNotificationRead(unknown)", err, credential.ENOTFOUND)
		must(t, "MarkNotificationRead", b.st.MarkNotificationRead(b.dev, id))
		must(t, "MarkNotificationRead(again)", b.st.MarkNotificationRead(b.dev, id))
		l, err = b.st.FindNotifications(b.dev, &credential.NotificationFilter{UnreadOnly: true})
		must(t, "FindNotifications(unread)", err)
		if len(l.Notifications) != 1 || l.Unread != 1 || l.Notifications[0].ID == id {
			t.Errorf("unread notifications = %d (unread %d), want the other one", len(l.Notifications), l.Unread)
		}
		other, err := b.st.FindNotifications(b.dev2, &credential.NotificationFilter{})
		must(t, "FindNotifications(dev2)", err)
		if len(other.Notifications) != 0 {
			t.Errorf("dev2 sees %d notifications, want 0", len(other.Notifications))
		}
	})

	t.Run("Pagination", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		approve(t, b, b.dev, "encoding")
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

	t.Run("Usage", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c, _ := devCredential(t, b)
		ac, _, err := b.st.CreateCredential(b.admin, &credential.CreateCredentialParams{Name: "admin", Groups: []string{"encoding"}})
		must(t, "CreateCredential(admin)", err)
		minute := b.clock.Now().Truncate(time.Minute)
		rows := []credential.UsageRow{
			{CredentialID: c.ID, Route: "sl.encoding.start", Status: 200, Minute: minute.Add(10 * time.Second), Count: 2},
			{CredentialID: c.ID, Route: "sl.encoding.start", Status: 200, Minute: minute, Count: 1},
			{CredentialID: c.ID, Route: "sl.encoding.start", Status: 401, Minute: minute, Count: 1},
			{CredentialID: ac.ID, Route: "sl.encoding.query", Status: 200, Minute: minute, Count: 5},
		}
		must(t, "RecordUsage", b.st.RecordUsage(context.Background(), rows))
		must(t, "RecordUsage(again)", b.st.RecordUsage(context.Background(), rows[:1]))
		got, err := b.st.FindUsage(b.dev, &credential.UsageFilter{})
		must(t, "FindUsage(dev)", err)
		if len(got) != 2 {
			t.Fatalf("FindUsage(dev) = %d rows, want 2 (own credential only)", len(got))
		}
		if got[0].Status != 200 || got[0].Count != 5 || !got[0].Minute.Equal(minute) {
			t.Errorf("FindUsage first row = %+v, want status 200 count 5 at %v", got[0], minute)
		}
		all, err := b.st.FindUsage(b.admin, &credential.UsageFilter{Since: minute, Until: minute.Add(time.Minute)})
		must(t, "FindUsage(admin)", err)
		if len(all) != 3 {
			t.Errorf("FindUsage(admin) = %d rows, want 3", len(all))
		}
		none, err := b.st.FindUsage(b.admin, &credential.UsageFilter{Since: minute.Add(time.Minute)})
		must(t, "FindUsage(later)", err)
		if len(none) != 0 {
			t.Errorf("FindUsage(since later) = %d rows, want 0", len(none))
		}

		t1 := b.clock.Now().Add(time.Hour)
		must(t, "TouchLastUsed", b.st.TouchLastUsed(context.Background(), []credential.KeyUse{
			{CredentialID: c.ID, At: t1.Add(-time.Minute)}, {CredentialID: c.ID, At: t1}, {CredentialID: 999999, At: t1},
		}))
		must(t, "TouchLastUsed(older)", b.st.TouchLastUsed(context.Background(), []credential.KeyUse{{CredentialID: c.ID, At: t1.Add(-time.Hour)}}))
		got2, err := b.st.FindCredentialByID(b.dev, c.ID)
		must(t, "FindCredentialByID", err)
		if !got2.LastUsedAt.Equal(t1) {
			t.Errorf("LastUsedAt = %v, want %v (newest use, never backwards)", got2.LastUsedAt, t1)
		}
	})

	t.Run("EnsureAdmin", func(t *testing.T) {
		t.Parallel()
		d := open(t)
		st := MustNew(t, d, nil, nil)
		ctx := context.Background()
		var wg sync.WaitGroup
		results := make([]*store.EnsureAdminResult, 4)
		errs := make([]error, 4)
		for i := range results {
			wg.Go(func() { results[i], errs[i] = st.EnsureAdmin(ctx, &store.EnsureAdminParams{}) })
		}
		wg.Wait()
		var created *store.EnsureAdminResult
		for i, r := range results {
			must(t, fmt.Sprint("EnsureAdmin #", i), errs[i])
			if r.Created {
				if created != nil {
					t.Fatalf("EnsureAdmin created two admins")
				}
				created = r
			}
		}
		if created == nil {
			t.Fatalf("no EnsureAdmin call created the admin")
		}
		if created.Account.Email != store.DefaultAdminEmail || created.Account.Role != credential.RoleAdmin || len(created.Password) < 20 {
			t.Errorf("EnsureAdmin account = %+v (password of %d chars)", created.Account, len(created.Password))
		}
		if !slices.Equal(created.Credential.Groups, []string{"encoding"}) || !hex64.MatchString(created.Secret.Value) {
			t.Errorf("EnsureAdmin credential groups = %v", created.Credential.Groups)
		}
		for _, r := range results {
			if r.Account == nil || r.Account.ID != created.Account.ID {
				t.Errorf("EnsureAdmin result account = %+v, want admin %d", r.Account, created.Account.ID)
			}
		}
		a, err := st.Authenticate(ctx, store.DefaultAdminEmail, created.Password)
		must(t, "Authenticate(admin)", err)
		ki, err := st.LookupKey(ctx, created.Credential.Key)
		must(t, "LookupKey(admin credential)", err)
		if ki.OwnerID != a.ID || ki.OwnerRole != credential.RoleAdmin || string(ki.Secrets[0].Secret) != created.Secret.Value {
			t.Errorf("admin KeyInfo = owner %d role %q", ki.OwnerID, ki.OwnerRole)
		}
		again, err := st.EnsureAdmin(ctx, nil)
		must(t, "EnsureAdmin(again)", err)
		if again.Created || again.Secret != nil || again.Password != "" {
			t.Errorf("EnsureAdmin(again) = %+v, want nothing created and no secrets", again)
		}
	})

	exerciseRooms(t, func(t *testing.T) *testBundle { t.Helper(); return setup(t) })
}

// activeSecrets counts c's secrets that work at now.
func activeSecrets(c *credential.Credential, now time.Time) int {
	n := 0
	for i := range c.Secrets {
		if c.Secrets[i].Active(now) {
			n++
		}
	}
	return n
}
