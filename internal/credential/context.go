package credential

import "context"

// Actor is who performs an action: an account, keyward itself, or a
// visitor who is not signed in (AccountID 0, System unset: only a sign-up
// is open to a visitor). Services read it from the context to authorise
// the action and to write the audit entry.
type Actor struct {
	// AccountID is the acting account. It is 0 when System is set, and for
	// a visitor.
	AccountID int64
	// System marks keyward itself acting (first-start bootstrap,
	// maintenance). The system actor has an admin's rights.
	System bool
	// RemoteAddr is where the action came from (an IP address, "cli",
	// "system"); it is recorded in the audit log. Optional.
	RemoteAddr string
}

// SystemActor returns the actor keyward uses for its own actions, such as
// creating the first admin.
func SystemActor() *Actor { return &Actor{System: true, RemoteAddr: "system"} }

// Visitor reports whether a is a visitor: no account, not keyward.
func (a *Actor) Visitor() bool { return a.AccountID == 0 && !a.System }

// actorKey is the context key of the [Actor].
type actorKey struct{}

// NewContextWithActor returns a copy of ctx that carries actor.
func NewContextWithActor(ctx context.Context, actor *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFromContext returns the actor carried by ctx, or nil.
func ActorFromContext(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}
