// Package rooms is what the 100ms app token and the VideoSDK token join
// (DESIGN §9): rooms with their templates of roles, live sessions, peers,
// bans.
//
// The domain types ([Room], [Template], [Capabilities], [Session],
// [PeerRecord], [Ban]) do no I/O. [Store] keeps them; internal/store
// implements it on SQLite and PostgreSQL.
package rooms
