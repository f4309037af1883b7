package storetest

import (
	"slices"
	"strconv"
	"testing"

	"github.com/keyward/keyward/internal/credential"
)

// exerciseRequests is the part of the suite for access requests.
func exerciseRequests(s suite) {
	s.run("RequestLifecycle", func(t *testing.T, b *testBundle) {
		before := b.snap(t)
		_, err := b.st.CreateAccessRequest(b.dev, &credential.CreateAccessRequestParams{Groups: []string{"encoding", "no-such-group"}})
		wantCode(t, "CreateAccessRequest(unknown group)", err, credential.EINVALID)
		_, err = b.st.CreateAccessRequest(b.dev, &credential.CreateAccessRequestParams{})
		wantCode(t, "CreateAccessRequest(no groups)", err, credential.EINVALID)
		b.unchanged(t, before, "CreateAccessRequest")

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
		wantCode(t, "FindAccessRequestByID(another's)", err, credential.ENOTFOUND) // no existence oracle

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

		before = b.snap(t)
		_, err = b.st.DecideAccessRequest(b.admin, &credential.DecideAccessRequestParams{ID: r.ID, Decision: credential.RequestApproved})
		wantCode(t, "DecideAccessRequest(approve again)", err, credential.ECONFLICT)
		_, err = b.st.DecideAccessRequest(b.admin, &credential.DecideAccessRequestParams{ID: r.ID, Decision: credential.RequestRejected})
		wantCode(t, "DecideAccessRequest(reject approved)", err, credential.ECONFLICT)
		_, err = b.st.WithdrawAccessRequest(b.dev, r.ID)
		wantCode(t, "WithdrawAccessRequest(approved)", err, credential.ECONFLICT)
		b.unchanged(t, before, "deciding a decided request")
		got, err := b.st.FindAccessRequestByID(b.dev, r.ID)
		must(t, "FindAccessRequestByID", err)
		if got.Status != credential.RequestApproved || got.DecisionNote != "welcome" {
			t.Errorf("request after failed decisions = %+v, want still approved with its note", got)
		}

		r2, err := b.st.CreateAccessRequest(b.dev, &credential.CreateAccessRequestParams{Groups: []string{"encoding"}})
		must(t, "CreateAccessRequest(2)", err)
		_, err = b.st.WithdrawAccessRequest(b.dev2, r2.ID)
		wantCode(t, "WithdrawAccessRequest(another's)", err, credential.ENOTFOUND) // no existence oracle
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
}
