package storetest

import (
	"testing"
	"time"

	"github.com/keyward/keyward/internal/credential"
)

// exerciseNotifications is the part of the suite for notifications.
func exerciseNotifications(s suite) {
	s.run("Notifications", func(t *testing.T, b *testBundle) {
		b.approve(t, b.dev, "encoding")
		b.clock.Advance(time.Minute)
		b.approve(t, b.dev, "encoding")
		l, err := b.st.FindNotifications(b.dev, &credential.NotificationFilter{})
		must(t, "FindNotifications", err)
		if len(l.Notifications) != 2 || l.Unread != 2 {
			t.Fatalf("FindNotifications = %d (unread %d), want 2 unread", len(l.Notifications), l.Unread)
		}
		id := l.Notifications[0].ID
		err = b.st.MarkNotificationRead(b.dev2, id)
		wantCode(t, "MarkNotificationRead(another's)", err, credential.ENOTFOUND) // no existence oracle
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
}
