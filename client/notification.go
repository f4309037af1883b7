package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// Notification tells an account about something that concerns it, such as
// a decision on its access request.
type Notification struct {
	// ID is the notification's id.
	ID int64 `json:"id"`
	// AccountID is the account notified.
	AccountID int64 `json:"account_id"`
	// Kind is what happened, e.g. "request.approved".
	Kind string `json:"kind"`
	// Subject is a one-line summary.
	Subject string `json:"subject"`
	// Body is the full text.
	Body string `json:"body"`
	// TargetKind is the kind of object it is about, e.g. "request".
	TargetKind string `json:"target_kind"`
	// TargetID is that object's id.
	TargetID string `json:"target_id"`
	// ReadAt is when it was marked read, or the zero time.
	ReadAt time.Time `json:"read_at,omitzero"`
	// CreatedAt is when it was made.
	CreatedAt time.Time `json:"created_at"`
}

// ListNotificationsOptions filters [Client.ListNotifications].
type ListNotificationsOptions struct {
	PageOptions
	// Unread keeps only unread notifications.
	Unread bool
}

// NotificationPage is one page of the caller's notifications.
type NotificationPage struct {
	// Notifications are the page's notifications, newest first.
	Notifications []*Notification `json:"notifications"`
	// Unread is how many of the caller's notifications are unread in all.
	Unread int64 `json:"unread"`
	// NextCursor is the cursor of the next page, or "" on the last.
	NextCursor string `json:"next_cursor"`
}

// values is the query of opts.
func (o *ListNotificationsOptions) values() url.Values {
	q := o.PageOptions.values()
	if o.Unread {
		q.Set("unread", "true")
	}
	return q
}

func (p *NotificationPage) items() ([]*Notification, string) { return p.Notifications, p.NextCursor }

// ListNotifications returns one page of the caller's notifications
// (GET /v1/notifications). opts may be nil.
func (c *Client) ListNotifications(ctx context.Context, opts *ListNotificationsOptions) (*NotificationPage, error) {
	return listPage[NotificationPage](ctx, c, "/v1/notifications", opts)
}

// AllNotifications walks every page of [Client.ListNotifications] from
// opts.Cursor.
func (c *Client) AllNotifications(ctx context.Context, opts *ListNotificationsOptions) iter.Seq2[*Notification, error] {
	return walk(ctx, opts, c.ListNotifications, (*NotificationPage).items)
}

// MarkNotificationRead marks one of the caller's notifications read
// (POST /v1/notifications/{id}/read).
func (c *Client) MarkNotificationRead(ctx context.Context, id int64) error {
	return c.do(ctx, http.MethodPost, pathf("/v1/notifications/%s/read", id), nil, noBody, nil)
}
