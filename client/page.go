package client

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
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

// values is the query of limit and cursor.
func (p *PageOptions) values() url.Values {
	q := url.Values{}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Cursor != "" {
		q.Set("cursor", p.Cursor)
	}
	return q
}

// cursor is where the next page starts, for [walk].
func (p *PageOptions) cursor() *string { return &p.Cursor }

// pager is a list call's options (*ListXOptions): its query, and its cursor.
type pager[O any] interface {
	*O
	values() url.Values
	cursor() *string
}

// listPage fetches one page of the list at path into a new P; opts may be
// nil.
func listPage[P, O any, PO pager[O]](ctx context.Context, c *Client, path string, opts PO) (*P, error) {
	if opts == nil {
		opts = new(O)
	}
	return envelope[P](ctx, c, http.MethodGet, path, opts.values(), nil)
}

// envelope calls a management API route (see [Client.do]) and decodes the
// whole envelope into a new T.
func envelope[T any](ctx context.Context, c *Client, method, path string, query url.Values, in any) (*T, error) {
	var out T
	if err := c.do(ctx, method, path, query, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// walk walks every page list returns from opts' cursor (opts may be nil),
// taking each page's items and next cursor with items.
func walk[O any, PO pager[O], P, T any](ctx context.Context, opts PO, list func(context.Context, PO) (P, error), items func(P) ([]T, string)) iter.Seq2[T, error] {
	var o O
	if opts != nil {
		o = *opts
	}
	return all(ctx, *PO(&o).cursor(), func(ctx context.Context, cursor string) ([]T, string, error) {
		*PO(&o).cursor() = cursor
		p, err := list(ctx, &o)
		if err != nil {
			return nil, "", err
		}
		got, next := items(p)
		return got, next, nil
	})
}

// field calls a management API route (see [Client.do]) and decodes the
// envelope's field name into a new T; a field the envelope lacks stays zero.
func field[T any](ctx context.Context, c *Client, method, path string, in any, name string) (T, error) {
	var out map[string]json.RawMessage
	var v T
	if err := c.do(ctx, method, path, nil, in, &out); err != nil {
		return v, err
	}
	if raw, ok := out[name]; ok {
		if err := json.Unmarshal(raw, &v); err != nil {
			return v, fmt.Errorf("client: %s %s: decode %s: %w", method, path, name, err)
		}
	}
	return v, nil
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
