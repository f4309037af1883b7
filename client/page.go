package client

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// PageOptions are the paging fields every list call takes.
type PageOptions struct {
	// Limit is the page size. Default 0: the server's (50); the server
	// caps it at 500.
	Limit int
	// Cursor is the NextCursor of the previous page; "" for the first.
	Cursor string
}

// set writes limit and cursor to q.
func (p PageOptions) set(q url.Values) {
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Cursor != "" {
		q.Set("cursor", p.Cursor)
	}
}

// all walks the pages fetch returns, starting at cursor, yielding each item
// and stopping at the first error, which it yields once.
func all[T any](ctx context.Context, cursor string, fetch func(ctx context.Context, cursor string) ([]T, string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			items, next, err := fetch(ctx, cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" || next == cursor {
				return
			}
			cursor = next
		}
	}
}

// setInt sets name to v in q unless v is zero.
func setInt(q url.Values, name string, v int64) {
	if v != 0 {
		q.Set(name, strconv.FormatInt(v, 10))
	}
}

// setString sets name to v in q unless v is empty.
func setString(q url.Values, name, v string) {
	if v != "" {
		q.Set(name, v)
	}
}
