// Package credential is keyward's domain of access: accounts, API groups,
// access requests, credentials with their secrets, the audit log and
// notifications. It holds the types, their Validate methods, the service
// interfaces and the application error codes, and imports nothing else of
// keyward.
//
// # Life of a credential
//
// A developer asks for access to one or more API groups ([AccessRequest]);
// an admin approves or rejects the request and the developer is notified
// ([Notification], and email through a [Notifier] when one is configured).
// The developer then creates a [Credential] — a public key, a name, notes and
// a set of granted groups that must be a subset of the developer's approved
// groups — and receives its [Secret] exactly once. Admins may grant any
// existing group, to themselves or to any account.
//
// A credential holds at most two active secrets. Rotation adds a secret with
// a new kid and gives the old one an expiry, so clients can move over without
// an outage; retiring a secret ends it at once; revoking a credential ends
// all of them. Every mutation writes an [AuditEntry] in the same transaction.
//
// # Actors
//
// Services learn who is acting from the context: [NewContextWithActor] puts
// an [Actor] there and [ActorFromContext] reads it back. A mutation without an
// actor fails with EUNAUTHORIZED.
//
// # Errors
//
// Every service returns an [*Error] with one of the E* codes for anything the
// caller can act on; [ErrorCode] and [ErrorMessage] read them back.
//
// # Stability
//
// This package is internal to keyward. Its service interfaces are seams
// between keyward's own packages and are not for outside implementation.
package credential
