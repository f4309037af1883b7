package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/room"
	"github.com/keyward/keyward/internal/store"
)

// wantRoomCode fails tb unless err carries the room error code.
func wantRoomCode(tb testing.TB, call string, err error, code string) {
	tb.Helper()
	if got := room.CodeOf(err); got != code {
		tb.Fatalf("%s: error %v (code %q), want %q", call, err, got, code)
	}
}

// exerciseRooms is the part of the suite for [room.Store].
func exerciseRooms(s suite) {
	ctx := context.Background()
	mkRoom := func(t *testing.T, b *testBundle, account int64, name string) *room.Room {
		t.Helper()
		r, created, err := b.st.CreateRoom(ctx, &room.CreateRoomParams{Room: room.Room{AccountID: account, Name: name, Enabled: true}, Now: b.clock.Now()})
		must(t, "CreateRoom "+name, err)
		if !created {
			t.Fatalf("CreateRoom(%s) created = false, want true", name)
		}
		return r
	}

	s.run("RoomCreateIsIdempotentByName", func(t *testing.T, b *testBundle) {
		r := mkRoom(t, b, b.devID, "standup")
		if !hex24.MatchString(r.ID) || r.MaxPeers != room.DefaultMaxPeers || r.Template.Name != "default" || r.Vendor != room.VendorKeyward {
			t.Fatalf("CreateRoom = %+v, want a 24-hex id and the defaults", r)
		}
		again, created, err := b.st.CreateRoom(ctx, &room.CreateRoomParams{Room: room.Room{AccountID: b.devID, Name: "standup", MaxPeers: 3}, Now: b.clock.Now()})
		must(t, "CreateRoom(again)", err)
		if created || again.ID != r.ID || again.MaxPeers != room.DefaultMaxPeers {
			t.Fatalf("CreateRoom(same name) = %+v created %v, want the existing room %s", again, created, r.ID)
		}
		// Another account gets a room of its own with the same name.
		other := mkRoom(t, b, b.dev2ID, "standup")
		if other.ID == r.ID {
			t.Fatalf("two accounts share room %s", r.ID)
		}
		got, err := b.st.Room(ctx, b.devID, r.ID)
		must(t, "Room", err)
		if got.Name != "standup" || !got.Enabled || len(got.Template.Roles) != 3 || !got.CreatedAt.Equal(b.clock.Now()) {
			t.Fatalf("Room = %+v, want the stored room", got)
		}
		_, err = b.st.Room(ctx, b.dev2ID, r.ID)
		wantRoomCode(t, "Room(other account)", err, room.CodeRoomNotFound)
		_, err = b.st.Room(ctx, b.devID, "0123456789abcdef01234567")
		wantRoomCode(t, "Room(unknown)", err, room.CodeRoomNotFound)
	})

	s.run("RoomCustomIDAndValidation", func(t *testing.T, b *testBundle) {
		r, _, err := b.st.CreateRoom(ctx, &room.CreateRoomParams{Room: room.Room{AccountID: b.devID, Name: "a", CustomRoomID: "class-7", Vendor: room.VendorVideoSDK, Enabled: true}, Now: b.clock.Now()})
		must(t, "CreateRoom(custom)", err)
		got, err := b.st.Room(ctx, b.devID, "class-7")
		must(t, "Room(customRoomId)", err)
		if got.ID != r.ID || got.Vendor != room.VendorVideoSDK {
			t.Fatalf("Room(class-7) = %+v, want %s", got, r.ID)
		}
		_, _, err = b.st.CreateRoom(ctx, &room.CreateRoomParams{Room: room.Room{AccountID: b.devID, Name: "b", CustomRoomID: "class-7"}, Now: b.clock.Now()})
		wantRoomCode(t, "CreateRoom(taken customRoomId)", err, room.CodeConflict)
		for _, bad := range []room.Room{
			{AccountID: b.devID, Name: ""},
			{AccountID: b.devID, Name: "x\n"},
			{AccountID: b.devID, Name: "x", MaxPeers: -1},
			{AccountID: b.devID, Name: "x", Webhook: room.Webhook{URL: "ftp://h/"}},
			{AccountID: b.devID, Name: "x", Template: room.Template{Roles: map[string]room.Capabilities{"a": {Subscribe: []string{"b"}}}}},
		} {
			_, _, err := b.st.CreateRoom(ctx, &room.CreateRoomParams{Room: bad, Now: b.clock.Now()})
			wantRoomCode(t, "CreateRoom(invalid)", err, room.CodeInvalid)
		}
	})

	s.run("RoomListAndUpdate", func(t *testing.T, b *testBundle) {
		var ids []string
		for _, n := range []string{"r1", "r2", "r3", "r4", "r5"} {
			ids = append(ids, mkRoom(t, b, b.devID, n).ID)
		}
		mkRoom(t, b, b.dev2ID, "theirs")
		var seen []string
		after := ""
		for {
			page, err := b.st.ListRooms(ctx, &room.ListRoomsParams{AccountID: b.devID, Limit: 2, After: after})
			must(t, "ListRooms", err)
			for _, r := range page.Rooms {
				seen = append(seen, r.ID)
			}
			if page.Next == "" {
				break
			}
			after = page.Next
		}
		if len(seen) != 5 || seen[0] != ids[4] || seen[4] != ids[0] {
			t.Fatalf("ListRooms pages = %v, want newest first %v reversed", seen, ids)
		}
		off := false
		b.clock.Advance(time.Minute)
		r, err := b.st.UpdateRoom(ctx, &room.UpdateRoomParams{AccountID: b.devID, Ref: ids[1], Enabled: &off, Now: b.clock.Now()})
		must(t, "UpdateRoom(disable)", err)
		if r.Enabled || !r.UpdatedAt.Equal(b.clock.Now()) {
			t.Fatalf("UpdateRoom = %+v, want disabled at %v", r, b.clock.Now())
		}
		page, err := b.st.ListRooms(ctx, &room.ListRoomsParams{AccountID: b.devID, Enabled: &off})
		must(t, "ListRooms(disabled)", err)
		if len(page.Rooms) != 1 || page.Rooms[0].ID != ids[1] {
			t.Fatalf("ListRooms(enabled=false) = %d rooms, want %s only", len(page.Rooms), ids[1])
		}
		taken := "r3"
		_, err = b.st.UpdateRoom(ctx, &room.UpdateRoomParams{AccountID: b.devID, Ref: ids[1], Name: &taken, Now: b.clock.Now()})
		wantRoomCode(t, "UpdateRoom(taken name)", err, room.CodeConflict)
		_, err = b.st.UpdateRoom(ctx, &room.UpdateRoomParams{AccountID: b.dev2ID, Ref: ids[1], Enabled: &off, Now: b.clock.Now()})
		wantRoomCode(t, "UpdateRoom(other account)", err, room.CodeRoomNotFound)
		_, err = b.st.ListRooms(ctx, &room.ListRoomsParams{AccountID: b.devID, After: "nope"})
		wantRoomCode(t, "ListRooms(bad cursor)", err, room.CodeInvalid)
	})

	s.run("SessionsAndPeers", func(t *testing.T, b *testBundle) {
		r := mkRoom(t, b, b.devID, "s")
		t0 := b.clock.Now()
		ss, err := b.st.StartSession(ctx, r.ID, t0)
		must(t, "StartSession", err)
		for i, id := range []string{"peer-a", "peer-b"} {
			must(t, "PeerJoined", b.st.PeerJoined(ctx, &room.PeerRecord{SessionID: ss.ID, PeerID: id, Identity: "u" + id, Role: "guest", CredentialID: 9, JoinedAt: t0.Add(time.Duration(i) * time.Minute)}))
		}
		must(t, "PeerLeft", b.st.PeerLeft(ctx, ss.ID, "peer-a", "left", t0.Add(3*time.Minute)))
		// A second start (a node died) ends the live one first.
		ss2, err := b.st.StartSession(ctx, r.ID, t0.Add(5*time.Minute))
		must(t, "StartSession(again)", err)
		list, err := b.st.Sessions(ctx, r.ID, 10)
		must(t, "Sessions", err)
		if len(list) != 2 || list[0].ID != ss2.ID || !list[0].Live() || list[1].Live() || list[1].EndReason != "restarted" || list[1].Peers != 2 {
			t.Fatalf("Sessions = %+v %+v, want the new live one and the old ended with 2 peers", list[0], list[1])
		}
		peers, err := b.st.SessionPeers(ctx, ss.ID)
		must(t, "SessionPeers", err)
		if len(peers) != 2 || peers[0].Reason != "left" || peers[1].Reason != "restarted" {
			t.Fatalf("SessionPeers = %+v %+v, want left and restarted", peers[0], peers[1])
		}
		if m := peers[0].Minutes(time.Time{}); m != 3 {
			t.Fatalf("peer-a minutes = %v, want 3", m)
		}
		// Peer-minutes are in the usage table, by clock minute: peer-a
		// was in during minutes 0–3 (4), peer-b during 1–5 (5).
		usage, err := b.st.FindUsage(b.system, &credential.UsageFilter{CredentialID: 9})
		must(t, "FindUsage", err)
		total := int64(0)
		for _, u := range usage {
			if u.Route == store.PeerMinutesRoute {
				total += u.Count
			}
		}
		if total != 9 {
			t.Fatalf("peer-minutes in the usage table = %d, want 9 (%d rows)", total, len(usage))
		}
		must(t, "EndSession", b.st.EndSession(ctx, ss2.ID, "ended by host", t0.Add(6*time.Minute)))
		err = b.st.EndSession(ctx, ss2.ID, "again", t0.Add(7*time.Minute))
		wantRoomCode(t, "EndSession(ended)", err, room.CodeNotActive)
		err = b.st.PeerJoined(ctx, &room.PeerRecord{SessionID: ss2.ID, PeerID: "late", Identity: "u", Role: "guest", JoinedAt: t0})
		wantRoomCode(t, "PeerJoined(ended session)", err, room.CodeNotActive)
	})

	s.run("OneLiveSessionUnderRace", func(t *testing.T, b *testBundle) {
		r := mkRoom(t, b, b.devID, "race")
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Go(func() { _, errs[i] = b.st.StartSession(ctx, r.ID, b.clock.Now()) })
		}
		wg.Wait()
		for _, err := range errs {
			must(t, "StartSession(concurrent)", err)
		}
		list, err := b.st.Sessions(ctx, r.ID, 10)
		must(t, "Sessions", err)
		live := 0
		for _, s := range list {
			if s.Live() {
				live++
			}
		}
		if len(list) != 6 || live != 1 {
			t.Fatalf("after 6 concurrent starts: %d sessions, %d live; want 6 and 1", len(list), live)
		}
	})

	s.run("Bans", func(t *testing.T, b *testBundle) {
		r := mkRoom(t, b, b.devID, "b")
		now := b.clock.Now()
		must(t, "AddBan", b.st.AddBan(ctx, &room.Ban{RoomID: r.ID, Identity: "alice", Until: now.Add(time.Hour), Reason: "spam"}))
		// A shorter ban never shortens a longer one.
		must(t, "AddBan(shorter)", b.st.AddBan(ctx, &room.Ban{RoomID: r.ID, Identity: "alice", Until: now.Add(time.Minute)}))
		for _, c := range []struct {
			who  string
			at   time.Time
			want bool
		}{
			{"alice", now.Add(30 * time.Minute), true},
			{"alice", now.Add(2 * time.Hour), false},
			{"bob", now, false},
		} {
			got, err := b.st.Banned(ctx, r.ID, c.who, c.at)
			must(t, "Banned", err)
			if got != c.want {
				t.Errorf("Banned(%s, +%v) = %v, want %v", c.who, c.at.Sub(now), got, c.want)
			}
		}
		err := b.st.AddBan(ctx, &room.Ban{RoomID: r.ID, Identity: ""})
		if !errors.Is(err, &room.Error{Code: room.CodeInvalid}) {
			t.Fatalf("AddBan(no identity) = %v, want BAD_REQUEST", err)
		}
	})
}
