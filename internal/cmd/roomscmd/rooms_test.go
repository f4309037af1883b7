package roomscmd

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/apicmd/apicmdtest"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/server/servertest"
)

// TestCommands runs every rooms command from its command line against a
// stub of the rooms API.
func TestCommands(t *testing.T) {
	t.Parallel()
	const (
		ts    = apicmdtest.TS
		when  = "2027-01-15T08:00:00Z"
		local = "@LOCAL@" // replaced below by how a terminal shows when
		id    = "6650f1c2a9e4d1b2c3d4e5f6"
		room  = `{"id":"` + id + `","name":"standup","custom_room_id":"","description":"daily","enabled":true,"max_peers":8,` +
			`"template":{"name":"default"},"webhook":{},"vendor":"keyward","peers":2,"created_at":` + ts + `,"updated_at":` + ts + `}`
		off  = `{"id":"` + id + `","name":"standup","enabled":false,"max_peers":0,"webhook":{"url":"https://hooks.example/k","events":["peer.joined"]},"vendor":"keyward","created_at":` + ts + `,"updated_at":` + ts + `}`
		peer = `{"peer_id":"p1","user_id":"ann","role":"host","joined_at":1800000000000}`
	)
	joined := time.UnixMilli(1800000000000).UTC().Format(time.RFC3339)
	type on = map[string]string
	rooms := on{"GET /v1/rooms": `"rooms":[` + room + `],"next":"r2"`}
	one := on{"POST /v1/rooms": `"room":` + room + `,"created":true`, "POST /v1/rooms/" + id: `"room":` + off,
		"GET /v1/rooms/" + id: `"room":` + room + `,"live":{"session_id":"s9","started_at":` + ts + `,"peers":[` + peer + `],"waiting":[]},` +
			`"sessions":[{"id":"s8","room_id":"` + id + `","started_at":` + ts + `,"ended_at":` + ts + `,"end_reason":"empty","peers":3}]`,
		"GET /v1/rooms/nope":                    "!404:ROOM_NOT_FOUND no such room",
		"GET /v1/rooms/" + id + "/peers":        `"session_id":"s9","peers":[` + peer + `],"waiting":[{"peer_id":"p2","user_id":"bob","role":"guest","joined_at":1800000000000}]`,
		"POST /v1/rooms/" + id + "/remove-peer": `"removed":1`, "POST /v1/rooms/" + id + "/end": `"ended":true`,
		"GET /v1/rooms/" + id + "/webhook": `"url":"https://hooks.example/k","events":[],"secret":"whsec_00ff","signature_header":"X-Keyward-Signature: …",` +
			`"recent":[{"id":"e1","type":"peer.joined","name":"peer.joined","url":"https://hooks.example/k","created_at":` + ts + `,"state":"failed","attempts":12,"finished_at":` + ts + `,"last_error":"503"}]`}
	cases := []apicmdtest.Case{
		{CLI: "create standup --max-peers 8 -d daily", TTY: true, On: one, Sent: `POST /v1/rooms {"name":"standup","description":"daily","max_peers":8}`,
			Out: "~id:          " + id, ErrOut: "=✓ Created room standup (" + id + ")\n"},
		{CLI: "create standup --custom-id s1 --webhook https://hooks.example/k --webhook-events peer.joined,peer.left --json=id,name", On: one,
			Sent: `POST /v1/rooms {"name":"standup","custom_room_id":"s1","webhook":{"url":"https://hooks.example/k","events":["peer.joined","peer.left"]}}`,
			Out:  `{"id":"` + id + `","name":"standup"}`},
		{CLI: "create standup", On: on{"POST /v1/rooms": `"room":` + room + `,"created":false`}, TTY: true, Sent: `POST /v1/rooms {"name":"standup"}`,
			Out: "~name:        standup", ErrOut: "=✓ Room standup exists already (" + id + ")\n"},
		{CLI: "create", Err: "accepts 1 arg"},
		{CLI: "create x --max-peers -1", Err: "invalid --max-peers", FlagError: true},

		{CLI: "list", On: rooms, Sent: "GET /v1/rooms", Out: id + "\tstandup\t2\t8\ttrue\t" + when + "\n", ErrOut: "More results: keyward rooms list --cursor r2 (or --all)"},
		{CLI: "ls --name standup --enabled true -L 5 --cursor r1", TTY: true, On: rooms, Sent: "GET /v1/rooms?after=r1&enabled=true&limit=5&name=standup",
			Out: "ID                        NAME     PEERS  MAX  ENABLED  CREATED\n" + id + "  standup  2      8    true     " + local + "\n"},
		{CLI: "list --all --json=id,peers", On: on{"GET /v1/rooms": `"rooms":[` + room + `],"next":""`}, Sent: "GET /v1/rooms", Out: `[{"id":"` + id + `","peers":2}]`},
		{CLI: "list --enabled maybe", Err: "invalid --enabled", FlagError: true},

		{CLI: "show " + id, On: one, Sent: "GET /v1/rooms/" + id,
			Out: "id\t" + id + "\nname\tstandup\ncustom id\t\ndescription\tdaily\nenabled\ttrue\nmax peers\t8\nvendor\tkeyward\ncreated\t" + when + "\nupdated\t" + when +
				"\nlive\tsession s9 since " + when + ": 1 peers, 0 waiting\nsession\ts8 " + when + " to " + when + " (empty), 3 joins\n"},
		{CLI: "show " + id + " --json=live", On: one, Sent: "GET /v1/rooms/" + id,
			Out: `{"live":{"session_id":"s9","started_at":"2027-01-15T08:00:00Z","peers":[` + peer + `],"waiting":[]}}`},
		{CLI: "show nope", On: one, Sent: "GET /v1/rooms/nope", Err: "ROOM_NOT_FOUND: no such room"},

		{CLI: "peers " + id, On: one, Sent: "GET /v1/rooms/" + id + "/peers",
			Out: "p1\tann\thost\t" + joined + "\tin the room\np2\tbob\tguest\t" + joined + "\twaiting\n"},
		{CLI: "peers " + id + " --json=user_id,waiting", On: one, Sent: "GET /v1/rooms/" + id + "/peers",
			Out: `[{"user_id":"ann","waiting":false},{"user_id":"bob","waiting":true}]`},
		{CLI: "peers", Err: "accepts 1 arg"},

		{CLI: "remove-peer " + id + " p1 --reason spam --yes", On: one, Sent: "POST /v1/rooms/" + id + `/remove-peer {"peer_id":"p1","reason":"spam"}`, Out: "", ErrOut: "="},
		{CLI: "remove-peer " + id + " --participant mallory", TTY: true, Stdin: "y\n", On: one,
			Sent: "POST /v1/rooms/" + id + `/remove-peer {"participantId":"mallory"}`, ErrOut: "✓ Removed 1 peer(s) from room " + id},
		{CLI: "remove-peer " + id + " --role guest --yes --json", On: one, Sent: "POST /v1/rooms/" + id + `/remove-peer {"role":"guest"}`, Out: `{"removed":1}`},
		{CLI: "remove-peer " + id + " --role guest", TTY: true, Stdin: "n\n", Err: "cancel", Is: cmderror.ErrCancel},
		{CLI: "remove-peer " + id + " p1", Err: "--yes required", FlagError: true},
		{CLI: "remove-peer " + id + " --yes", Err: "exactly one", FlagError: true},
		{CLI: "remove-peer " + id + " p1 --role guest --yes", Err: "exactly one", FlagError: true},

		{CLI: "end " + id + " --reason over --lock --yes", On: one, Sent: "POST /v1/rooms/" + id + `/end {"reason":"over","lock":true}`, ErrOut: "="},
		{CLI: "end " + id, TTY: true, Stdin: "y\n", On: one, Sent: "POST /v1/rooms/" + id + `/end {"lock":false}`, ErrOut: "✓ Ended the session of room " + id},
		{CLI: "end " + id, Err: "--yes required", FlagError: true},

		{CLI: "disable " + id, TTY: true, On: one, Sent: "POST /v1/rooms/" + id + ` {"enabled":false}`,
			Out: "~webhook:     https://hooks.example/k peer.joined", ErrOut: "=✓ Disabled room standup (" + id + ")\n"},
		{CLI: "webhook " + id, On: one, Sent: "GET /v1/rooms/" + id + "/webhook",
			Out: "url\thttps://hooks.example/k\nevents\tall\nsecret\twhsec_00ff\nevent\te1 peer.joined " + when + " failed, 12 attempts: 503\n"},
		{CLI: "webhook " + id + " --json=secret", On: one, Sent: "GET /v1/rooms/" + id + "/webhook", Out: `{"secret":"whsec_00ff"}`},
		{CLI: "enable " + id + " --json=enabled", On: one, Sent: "POST /v1/rooms/" + id + ` {"enabled":true}`, Out: `{"enabled":false}`},
	}
	for i := range cases {
		cases[i].Out = strings.ReplaceAll(cases[i].Out, local, apicmdtest.Local)
	}
	apicmdtest.Run(t, NewCmdRooms, cases)
}

// TestLiveRoom runs the commands against a real server with real peers
// joined over /rtc: peers lists them, remove-peer closes one with 4001, end
// --lock closes the other and disables the room, enable opens it again.
func TestLiveRoom(t *testing.T) {
	t.Parallel()
	srv, c, creds := servertest.StartAdmin(t, servertest.NoMedia)
	room, _, err := c.CreateRoom(t.Context(), client.CreateRoomParams{Name: "live"})
	if err != nil {
		t.Fatal(err)
	}
	annWS, _ := servertest.Join(t, srv, creds, room.ID, "ann")
	malWS, mal := servertest.Join(t, srv, creds, room.ID, "mallory")
	run := func(cli string) (string, string) {
		t.Helper()
		out, errOut, err := apicmdtest.Exec(t, NewCmdRooms, http.DefaultTransport,
			apicmdtest.Case{CLI: "--credentials " + srv.AdminPath + " --server " + srv.URL() + " " + cli, Env: map[string]string{}, NowFunc: time.Now})
		if err != nil {
			t.Fatalf("keyward rooms %s: %v (stderr %q)", cli, err, errOut)
		}
		return out, errOut
	}

	out, _ := run("peers " + room.ID)
	if !strings.Contains(out, mal+"\tmallory\thost\t") || !strings.Contains(out, "\tann\thost\t") {
		t.Errorf("peers printed %q, want ann and mallory", out)
	}
	out, _ = run("list --json=name,peers")
	if !apicmdtest.JSONEq(out, `[{"name":"live","peers":2}]`) {
		t.Errorf("list printed %s, want the room with 2 peers", out)
	}
	if out, _ = run("remove-peer " + room.ID + " --participant mallory --reason spam --yes --json"); !apicmdtest.JSONEq(out, `{"removed":1}`) {
		t.Errorf("remove-peer printed %s", out)
	}
	if code := servertest.CloseCode(t, malWS); code != 4001 {
		t.Errorf("removed peer closed with %d, want 4001", code)
	}
	run("end " + room.ID + " --reason over --lock --yes")
	if code := servertest.CloseCode(t, annWS); code != 4002 {
		t.Errorf("end closed ann with %d, want 4002 (ROOM_ENDED)", code)
	}
	out, _ = run("show " + room.ID)
	if !strings.Contains(out, "enabled\tfalse\n") || !strings.Contains(out, "(over)") || strings.Contains(out, "live\t") {
		t.Errorf("show after end --lock printed %q, want disabled, the session ended (over), nothing live", out)
	}
	if out, _ = run("enable " + room.ID + " --json=enabled"); !apicmdtest.JSONEq(out, `{"enabled":true}`) {
		t.Errorf("enable printed %s", out)
	}
}
