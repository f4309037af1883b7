package token

import "testing"

func TestToValidUTF8(t *testing.T) {
	t.Parallel()
	const r = "\uFFFD"
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"\xff", r},
		{"\xf0\x9f\x98", r},
		{"\xe6\x97", r},
		{"\xc3", r},
		{"\xc0\xaf", r + r},
		{"\xed\xa0\x80", r + r + r},
		{"x\xf0\x9f\x98\x80\xffy", "x\U0001F600" + r + "y"},
		{"\xe0\x80\x80", r + r + r},
		{"\xf4\x90\x80\x80", r + r + r + r},
		{"é日本", "é日本"},
	}
	for _, tt := range tests {
		if got := toValidUTF8(tt.in); got != tt.want {
			t.Errorf("toValidUTF8(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
