package credential

// Limits of a page of results.
const (
	// DefaultLimit is the page size when a filter's Limit is 0.
	DefaultLimit = 50
	// MaxLimit is the largest page size a list method returns.
	MaxLimit = 500
)

// Page is the paging part of every list filter. Lists are ordered newest
// first.
type Page struct {
	// Limit is the largest number of items to return. 0 means
	// [DefaultLimit]; values above [MaxLimit] are lowered to it.
	Limit int
	// Cursor continues a previous list: pass the NextCursor of the previous
	// page. Empty starts at the newest item. Cursors are opaque.
	Cursor string
}

// PageLimit returns the effective limit of p.
func (p Page) PageLimit() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}
