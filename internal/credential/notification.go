package credential

import (
	"context"
	"time"
)

// Notification kinds.
const (
	// NotifyRequestCreated tells admins that an access request awaits them.
	NotifyRequestCreated = "request.created"
	// NotifyRequestApproved tells a developer their request was approved.
	NotifyRequestApproved = "request.approved"
	// NotifyRequestRejected tells a developer their request was rejected.
	NotifyRequestRejected = "request.rejected"
)

// Notification is a message to one account, shown in the portal's list and
// sent by email when a [Notifier] is configured.
type Notification struct {
	// ID is the notification's unique id.
	ID int64 `json:"id"`
	// AccountID is the recipient.
	AccountID int64 `json:"account_id"`
	// Kind is one of the Notify* constants.
	Kind string `json:"kind"`
	// Subject is a one-line summary.
	Subject string `json:"subject"`
	// Body is plain text.
	Body string `json:"body"`
	// TargetKind and TargetID name what the notification is about.
	TargetKind string `json:"target_kind"`
	TargetID   string `json:"target_id"`
	// ReadAt is when the recipient marked it read; zero if unread.
	ReadAt time.Time `json:"read_at,omitzero"`
	// CreatedAt is when it was made.
	CreatedAt time.Time `json:"created_at"`
}

// NotificationFilter selects the actor's notifications in
// [NotificationService.FindNotifications].
type NotificationFilter struct {
	Page
	// UnreadOnly keeps only unread notifications.
	UnreadOnly bool
}

// NotificationList is a page of notifications.
type NotificationList struct {
	// Notifications are the notifications of this page, newest first.
	Notifications []*Notification `json:"notifications"`
	// Unread is the number of the actor's unread notifications in all.
	Unread int64 `json:"unread"`
	// NextCursor continues the list; empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// NotificationService reads and marks the acting account's notifications.
type NotificationService interface {
	// FindNotifications lists the actor's notifications.
	FindNotifications(ctx context.Context, filter *NotificationFilter) (*NotificationList, error)

	// MarkNotificationRead marks one of the actor's notifications read.
	// Returns ENOTFOUND for an unknown id and, to a developer, for another
	// account's notification; EFORBIDDEN for an admin marking another
	// account's.
	// Marking a read notification again changes nothing.
	MarkNotificationRead(ctx context.Context, id int64) error
}

// Notifier delivers notifications outside the portal, by email. It is called
// after the transaction that made the notification has committed; an error is
// logged and does not undo the change.
type Notifier interface {
	// Notify sends n to the account to.
	Notify(ctx context.Context, to *Account, n *Notification) error
}

// NotifierFunc adapts a function to [Notifier].
type NotifierFunc func(ctx context.Context, to *Account, n *Notification) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, to *Account, n *Notification) error {
	return f(ctx, to, n)
}
