// Package sfu forwards live audio and video between the peers of a room: a
// selective forwarding unit on pion/webrtc.
//
// # Model
//
// Every peer has one PeerConnection with the server, and the server makes
// every offer: a peer that may publish gets receive-only transceivers for
// the kinds it may send, and every track another peer publishes is added to
// the connection of each peer allowed to see it. Renegotiation happens only
// in the stable signalling state; a change that arrives while an offer is
// outstanding is queued and offered as soon as the answer is applied.
//
// Packets are forwarded as they arrive, without decoding: one reader per
// published track writes into a local track that every subscriber's sender
// is bound to. Picture-loss indications from subscribers are forwarded to the
// publisher (at most one per track every [pliInterval]), and one is sent when
// a new subscriber arrives or a muted track is unmuted, so a picture starts
// at once. RTCP is read on every sender, as pion requires.
//
// # Signalling
//
// The package does not speak any wire protocol. The room layer gives each
// peer a [Signaler] that carries the server's offers and candidates to the
// client, and hands the client's answers and candidates to [Peer.Answer] and
// [Peer.Candidate].
//
// # Network
//
// All ICE traffic goes through one UDP socket ([Config.UDPAddr]). With
// [Config.LoopbackOnly] (the embedded default binds 127.0.0.1 and tests
// always set it) candidates are gathered on the loopback interface only,
// remote candidates that are not loopback are dropped, mDNS is off and no
// ICE server is ever contacted, so no packet can leave the machine.
package sfu
