package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/store"
)

// exerciseAccounts is the part of the suite for accounts: creation, roles, authentication, the first admin.
func exerciseAccounts(s suite) {
	s.run("NoActor", func(t *testing.T, b *testBundle) {
		_, _, err := b.st.CreateCredential(b.anonymous, &credential.CreateCredentialParams{Name: "x", Groups: []string{"encoding"}})
		wantCode(t, "CreateCredential without actor", err, credential.EUNAUTHORIZED)
		_, err = b.st.FindCredentials(b.anonymous, &credential.CredentialFilter{})
		wantCode(t, "FindCredentials without actor", err, credential.EUNAUTHORIZED)
		_, err = b.st.FindCredentials(as(99999), &credential.CredentialFilter{})
		wantCode(t, "FindCredentials as a deleted account", err, credential.EUNAUTHORIZED)
	})

	s.run("Account", func(t *testing.T, b *testBundle) {
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
		_, err = b.st.UpdateAccount(b.dev, &credential.UpdateAccountParams{ID: 999999, Name: &name})
		wantCode(t, "UpdateAccount(unknown id, by a developer)", err, credential.EFORBIDDEN) // no existence oracle
	})

	s.run("RoleChangeFeedsLookup", func(t *testing.T, b *testBundle) {
		c, _ := b.devCredential(t)
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

	s.t.Run("EnsureAdmin", func(t *testing.T) {
		t.Parallel()
		d := s.open(t)
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
}
