package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/server/servertest"
)

// TestRooms drives every rooms method against a real server, with real
// peers joined over the signal socket: create (and create again), list,
// read, peers, remove a peer, end the session, disable and enable.
func TestRooms(t *testing.T) {
	t.Parallel()
	srv, c, creds := servertest.StartAdmin(t, servertest.NoMedia)
	ctx := context.Background()

	room, created, err := c.CreateRoom(ctx, client.CreateRoomParams{Name: "standup", Description: "daily", MaxPeers: 4})
	if err != nil || !created || room.ID == "" || room.Name != "standup" || room.MaxPeers != 4 || !room.Enabled {
		t.Fatalf("CreateRoom = %+v, %v, %v; want a new enabled room", room, created, err)
	}
	again, created, err := c.CreateRoom(ctx, client.CreateRoomParams{Name: "standup"})
	if err != nil || created || again.ID != room.ID {
		t.Fatalf("CreateRoom again = %+v, %v, %v; want the same room, not created", again, created, err)
	}
	if _, _, err := c.CreateRoom(ctx, client.CreateRoomParams{Name: "bad", Webhook: &client.RoomWebhook{URL: "ftp://x"}}); err == nil {
		t.Errorf("CreateRoom with an ftp webhook succeeded")
	}
	if _, _, err := c.CreateRoom(ctx, client.CreateRoomParams{Name: "other"}); err != nil {
		t.Fatal(err)
	}

	_, ann := servertest.Join(t, srv, creds, room.ID, "ann")
	bobWS, bob := servertest.Join(t, srv, creds, room.ID, "bob")

	page, err := c.ListRooms(ctx, &client.ListRoomsOptions{PageOptions: client.PageOptions{Limit: 1}})
	if err != nil || len(page.Rooms) != 1 || page.NextCursor == "" {
		t.Fatalf("ListRooms limit 1 = %+v, %v; want one room and a cursor", page, err)
	}
	var names []string
	peers := map[string]int{}
	for r, err := range c.AllRooms(ctx, &client.ListRoomsOptions{PageOptions: client.PageOptions{Limit: 1}}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, r.Name)
		peers[r.Name] = r.Peers
	}
	if len(names) != 2 || peers["standup"] != 2 || peers["other"] != 0 {
		t.Errorf("AllRooms = %v with peers %v; want both rooms, 2 peers in standup", names, peers)
	}
	if p, err := c.ListRooms(ctx, &client.ListRoomsOptions{Name: "other"}); err != nil || len(p.Rooms) != 1 || p.Rooms[0].Name != "other" {
		t.Errorf("ListRooms name=other = %+v, %v", p, err)
	}

	info, err := c.GetRoom(ctx, room.ID)
	if err != nil || info.Room.ID != room.ID || info.Live == nil || len(info.Live.Peers) != 2 || info.Live.StartedAt.IsZero() {
		t.Fatalf("GetRoom = %+v, %v; want the room live with 2 peers", info, err)
	}
	live, err := c.RoomPeers(ctx, room.ID)
	if err != nil || live.SessionID != info.Live.SessionID || len(live.Peers) != 2 {
		t.Fatalf("RoomPeers = %+v, %v", live, err)
	}

	n, err := c.RemovePeer(ctx, room.ID, client.RemovePeerParams{PeerID: bob, Reason: "bye"})
	if err != nil || n != 1 {
		t.Fatalf("RemovePeer = %d, %v; want 1", n, err)
	}
	if code := servertest.CloseCode(t, bobWS); code != 4001 {
		t.Errorf("removed peer closed with %d, want 4001", code)
	}
	if live, err = c.RoomPeers(ctx, room.ID); err != nil || len(live.Peers) != 1 || live.Peers[0].PeerID != ann || live.Peers[0].UserID != "ann" {
		t.Errorf("RoomPeers after the removal = %+v, %v; want only ann", live, err)
	}
	if _, err := c.RemovePeer(ctx, room.ID, client.RemovePeerParams{}); err == nil {
		t.Errorf("RemovePeer naming nobody succeeded")
	}

	if err := c.EndRoom(ctx, room.ID, "over", true); err != nil {
		t.Fatalf("EndRoom: %v", err)
	}
	info, err = c.GetRoom(ctx, room.ID)
	if err != nil || info.Live != nil || info.Room.Enabled || len(info.Sessions) == 0 || info.Sessions[0].EndReason != "over" {
		t.Fatalf("GetRoom after EndRoom(lock) = %+v, %v; want it ended, disabled, the session ended \"over\"", info, err)
	}
	on := true
	if r, err := c.UpdateRoom(ctx, room.ID, client.UpdateRoomParams{Enabled: &on}); err != nil || !r.Enabled {
		t.Errorf("UpdateRoom enabled = %+v, %v", r, err)
	}
	if _, err := c.GetRoom(ctx, "no-such-room"); err == nil || !strings.Contains(err.Error(), "ROOM_NOT_FOUND") {
		t.Errorf("GetRoom of an unknown room = %v, want ROOM_NOT_FOUND", err)
	} else if e, ok := errors.AsType[*client.Error](err); !ok || e.HTTPStatus != 404 {
		t.Errorf("GetRoom of an unknown room = %#v, want a 404 *client.Error", err)
	}
}
