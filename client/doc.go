// Package client is the Go client of a keyward server: the management API
// (/v1: accounts, API groups, access requests, credentials, audit,
// notifications, usage, rooms) and a signed call to any other keyward API,
// such as the Encoding API (/v3/sl/…).
//
// # Rooms
//
// [Client.CreateRoom], [Client.ListRooms], [Client.GetRoom],
// [Client.UpdateRoom], [Client.RoomPeers], [Client.RemovePeer] and
// [Client.EndRoom] manage the rooms that app and apikey tokens join. The join
// tokens themselves are made with package token, from the same credential:
// token.New(token.App, key, secret).SetRoom(room.ID).SetUser("ann").SetRole("host").
//
// # Stability
//
// This package is public and stable: its exported API follows semantic
// versioning together with package [github.com/keyward/keyward/token], and new
// fields, methods and error codes may be added in minor releases. It imports
// nothing from keyward's internal packages, so programs outside the keyward
// module can depend on it.
//
// # Authentication
//
// A [Client] holds one credential (a key and its secret). Management API calls
// carry a management token (profile management of package token) in the
// Authorization header; the client mints one the first time it needs it and
// reuses it until one minute before it expires. [Client.Call] can instead
// sign a request-bound token (profile request, sent as the body
// {"data": token}) or a qsh token (profile qsh, with the arguments in the
// query string), the way the Soundlinks and Sunbird clients do.
//
// The secret never leaves the process: only tokens signed with it are sent.
// Keep it out of logs; [Secret.String] redacts it for that reason.
//
// # Responses and errors
//
// Every keyward response is an envelope:
//
//	{"id":"keyward.group.get","ver":"1.0","ets":1700000000000,
//	 "params":{"resmsgid":"…","msgid":null,"status":"successful","err":"","errmsg":""},
//	 "group":{…}}
//
// The typed methods return the resource fields. A failed call (an HTTP status
// of 400 or above, or params.status "failed") returns an [*Error] carrying the
// HTTP status, the stable error code (NOT_FOUND, CONFLICT, TOKEN_EXPIRED, …),
// the server's message and, for RATE_LIMITED, how long to wait. Match it with
// [errors.Is] against the sentinels ([ErrNotFound], [ErrUnauthorized], …),
// against the token package's sentinels (token.ErrExpired), or with the
// helpers [IsNotFound], [IsConflict], [IsAuth] and [IsRateLimited].
//
// # Paging
//
// List methods take an options struct with Limit and Cursor and return one
// page with the cursor of the next ("" on the last page). The All… methods
// walk every page as an [iter.Seq2]:
//
//	for c, err := range kw.AllCredentials(ctx, &client.ListCredentialsOptions{Status: "active"}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(c.Key, c.Name)
//	}
package client
