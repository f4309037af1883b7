package credential

import (
	"errors"

	"github.com/keyward/keyward/internal/errcode"
)

// The domain's error codes. They are codes of keyward's one table
// (package errcode), so a credential error reaches the client with its own
// code and the table's status, with no translation on the way.
const (
	// ECONFLICT means the action conflicts with the current state: a
	// duplicate name, an already decided request, a revoked credential.
	ECONFLICT = errcode.Conflict
	// EFORBIDDEN means the actor is known but may not do this.
	EFORBIDDEN = errcode.Forbidden
	// EINTERNAL means something went wrong that the user cannot fix; the
	// detail is only for the operator's logs.
	EINTERNAL = errcode.Internal
	// EINVALID means the input is malformed or refers to something that does
	// not exist (an unknown API group, say).
	EINVALID = errcode.InvalidArgument
	// ENOTFOUND means the addressed object does not exist.
	ENOTFOUND = errcode.NotFound
	// EUNAUTHORIZED means who is acting is not proven: no actor in the
	// context, or a wrong password.
	EUNAUTHORIZED = errcode.Unauthorized
)

// Error is keyward's application error, [errcode.Error]: its Code is
// machine-readable and its Message is safe to show to users. Any other error
// (a disk error, a driver error) is reported to users as EINTERNAL with a
// generic message and is only logged for the operator.
type Error = errcode.Error

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return errcode.Errorf(code, format, args...)
}

// ErrorCode returns the code of the application error in err's chain. It
// returns "" for a nil error and EINTERNAL for any other error.
func ErrorCode(err error) string { return errcode.CodeOf(err) }

// ErrorMessage returns the user-safe message of the application error in
// err's chain, or "Internal error." for any other error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Message
	}
	return "Internal error."
}
