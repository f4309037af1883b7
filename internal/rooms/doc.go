// Package rooms is what the 100ms app token and the VideoSDK token join
// (DESIGN §9): rooms with their templates of roles, live sessions, peers,
// bans; the REST APIs in the 100ms shape (management tokens), the VideoSDK
// shape (apikey tokens) and keyward's own /v1/rooms (the envelope); the
// signal socket at GET /rtc and its pre-flight GET /rtc/validate.
//
// The domain types ([Room], [Template], [Capabilities], [Session],
// [PeerRecord], [Ban]) do no I/O. [Store] keeps them; internal/store
// implements it on SQLite and PostgreSQL. [Hub] holds this node's live
// rooms; [Service] checks joins and serves the routes.
//
// The signal protocol — its messages, fields, close codes and the order of
// the join checks — is documented in one place: signal.md beside this file.
// The media layer (package sfu) plugs in through [Media].
//
// Webhooks: the store writes each session, peer and track event to its
// outbox in the transaction of the change; package webhook delivers them
// (docs/webhooks.md).
package rooms
