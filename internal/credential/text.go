package credential

import (
	"unicode"
	"unicode/utf8"
)

// ValidateLine reports whether s, the value of the field named field (as a
// user reads it, e.g. "Credential name"), is one line of text: valid UTF-8
// without control characters (Unicode category Cc: U+0000–U+001F, U+007F
// and U+0080–U+009F; tab and line breaks included). It returns EINVALID.
//
// Control characters have no place in names, and PostgreSQL cannot store a
// NUL at all; refusing them here gives every entry point (API, portal, CLI)
// and both stores the same answer.
func ValidateLine(field, s string) error { return validateText(field, s, false) }

// ValidateLines is [ValidateLine] for multi-line text (notes, reasons,
// descriptions): tab, line feed and carriage return are allowed, every other
// control character is refused. It returns EINVALID.
func ValidateLines(field, s string) error { return validateText(field, s, true) }

func validateText(field, s string, multiline bool) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && isBadByte(s[i:]):
			return Errorf(EINVALID, "%s is not valid UTF-8 text.", field)
		case multiline && (r == '\t' || r == '\n' || r == '\r'):
		case unicode.IsControl(r):
			what := "a control character"
			if multiline {
				what = "a control character other than tab and line breaks"
			}
			return Errorf(EINVALID, "%s contains %s (U+%04X at character %d); only printable text is accepted.",
				field, what, r, utf8.RuneCountInString(s[:i])+1)
		}
	}
	return nil
}

// isBadByte reports whether s starts with an invalid UTF-8 sequence (as
// opposed to a well-formed U+FFFD).
func isBadByte(s string) bool {
	_, n := utf8.DecodeRuneInString(s)
	return n == 1
}
