package store

import (
	"slices"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/credential"
)

func TestWhere(t *testing.T) {
	t.Parallel()
	var w where
	if got := w.String(); got != "" {
		t.Errorf("empty where = %q, want \"\"", got)
	}
	w.add("id < ?", int64(9))
	w.add("status = ?", "active")
	limit := w.next(50)
	if got, want := w.String()+" LIMIT "+limit, " WHERE id < $1 AND status = $2 LIMIT $3"; got != want {
		t.Errorf("where = %q, want %q", got, want)
	}
	if !slices.Equal(w.args, []any{int64(9), "active", 50}) {
		t.Errorf("where args = %v", w.args)
	}
}

func TestCursor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cursor   string
		want     int64
		wantCode string
	}{
		{"", 1<<63 - 1, ""},
		{"42", 42, ""},
		{"0", 0, credential.EINVALID},
		{"-3", 0, credential.EINVALID},
		{"abc", 0, credential.EINVALID},
	}
	for _, tt := range tests {
		got, err := cursorID(tt.cursor)
		if credential.ErrorCode(err) != tt.wantCode || (err == nil && got != tt.want) {
			t.Errorf("cursorID(%q) = %d, %v; want %d, code %q", tt.cursor, got, err, tt.want, tt.wantCode)
		}
	}
	if got := nextCursor(3, 3, 17); got != "17" {
		t.Errorf("nextCursor(full page) = %q, want \"17\"", got)
	}
	if got := nextCursor(2, 3, 17); got != "" {
		t.Errorf("nextCursor(short page) = %q, want \"\"", got)
	}
}

func TestMillis(t *testing.T) {
	t.Parallel()
	if ms(time.Time{}) != 0 || !fromMS(0).IsZero() {
		t.Errorf("the zero time must map to 0 and back")
	}
	at := time.Date(2026, 5, 4, 3, 2, 1, 987654321, time.FixedZone("x", 3600))
	if got, want := fromMS(ms(at)), at.Truncate(time.Millisecond).UTC(); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("fromMS(ms(%v)) = %v, want %v in UTC", at, got, want)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if err := (&Config{}).withDefaults().validate(); err == nil {
		t.Errorf("Config without Sealer validates; want an error")
	}
}
