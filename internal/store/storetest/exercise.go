package storetest

import (
	"context"
	"regexp"
	"testing"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/store"
	"github.com/keyward/keyward/internal/testenv"
)

// testBundle is what each test of the suite starts with: a store with one
// admin and two developers, and a context for each.
type testBundle struct {
	st       *store.Store
	driver   store.Driver
	clock    *testenv.Clock
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

	s := suite{t: t, open: open, setup: setup}
	for _, part := range []func(suite){exerciseAccounts, exerciseGroups, exerciseRequests, exerciseCredentials,
		exerciseChangeFeed, exerciseAudit, exerciseNotifications, exercisePagination, exerciseUsage, exerciseRooms, exerciseWebhooks} {
		part(s)
	}
}

// suite is what each part of the conformance suite is given.
type suite struct {
	t     *testing.T
	open  OpenFunc
	setup func(t *testing.T) *testBundle
}

// run runs f as the parallel subtest name, on a bundle of its own.
func (s suite) run(name string, f func(t *testing.T, b *testBundle)) {
	s.t.Helper()
	s.t.Run(name, func(t *testing.T) {
		t.Parallel()
		f(t, s.setup(t))
	})
}

// approve files and approves a request of ctx's account for groups.
func (b *testBundle) approve(t *testing.T, ctx context.Context, groups ...string) *credential.AccessRequest {
	t.Helper()
	r, err := b.st.CreateAccessRequest(ctx, &credential.CreateAccessRequestParams{Groups: groups, Reason: "testing"})
	must(t, "CreateAccessRequest", err)
	r, err = b.st.DecideAccessRequest(b.admin, &credential.DecideAccessRequestParams{ID: r.ID, Decision: credential.RequestApproved, Note: "ok"})
	must(t, "DecideAccessRequest", err)
	return r
}

// devCredential gives dev an approved encoding credential.
func (b *testBundle) devCredential(t *testing.T) (*credential.Credential, *credential.Secret) {
	t.Helper()
	b.approve(t, b.dev, credential.BuiltinGroupEncoding)
	c, sec, err := b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: "my app", Notes: "n", Groups: []string{credential.BuiltinGroupEncoding}})
	must(t, "CreateCredential", err)
	return c, sec
}

// snapshot is what must not change when a call fails.
type snapshot struct {
	audit   int
	changes int64
}

func (b *testBundle) snap(t *testing.T) snapshot {
	t.Helper()
	l, err := b.st.FindAuditEntries(b.system, &credential.AuditFilter{Page: credential.Page{Limit: credential.MaxLimit}})
	must(t, "FindAuditEntries", err)
	seq, err := b.st.LatestChange(context.Background())
	must(t, "LatestChange", err)
	return snapshot{len(l.Entries), seq}
}

// unchanged fails t unless the store is as it was at before.
func (b *testBundle) unchanged(t *testing.T, before snapshot, call string) {
	t.Helper()
	if after := b.snap(t); after != before {
		t.Fatalf("%s failed but changed the store: audit entries %d → %d, change feed %d → %d", call, before.audit, after.audit, before.changes, after.changes)
	}
}
