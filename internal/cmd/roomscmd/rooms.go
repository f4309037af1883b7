// Package roomscmd implements "keyward rooms": the rooms of a running
// keyward server (create, list, show, peers, remove-peer, end, disable,
// enable) over its /v1/rooms API, from the command line.
//
// Every command takes the connection flags of "keyward admin" and prints a
// table on a terminal, tab-separated lines otherwise, or JSON with
// --json[=FIELDS].
package roomscmd

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/apicmd"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
)

// NewCmdRooms builds the "rooms" command group.
func NewCmdRooms(f *factory.Factory) *cobra.Command {
	return apicmd.Group(f, &cobra.Command{
		Use:   "rooms <command>",
		Short: "Manage rooms: create, list, show, peers, remove-peer, end, disable",
		Long: `Manage the rooms of a running keyward server through its /v1/rooms API.

Peers join a room over GET /rtc with an app token ("keyward token app --room
ID --user NAME --role ROLE") or an apikey token ("keyward token apikey --room
ID --participant NAME --permissions allow_join") signed with a credential of
the room's account. The credential and server are found as for "keyward
admin": --key and --secret, --credentials FILE, KEYWARD_KEY/KEYWARD_SECRET,
then ./keyward-data/admin.json.`,
		Example: `  keyward rooms create standup --max-peers 8
  keyward rooms peers 6650f1c2a9e4d1b2c3d4e5f6
  keyward rooms remove-peer 6650f1c2a9e4d1b2c3d4e5f6 --participant mallory --yes`,
	}, newCmdCreate, newCmdList, newCmdShow, newCmdPeers, newCmdRemovePeer, newCmdEnd, newCmdDisable, newCmdEnable, newCmdWebhook)
}

// roomKind prints rooms.
var roomKind = apicmd.Kind[*client.Room]{
	Fields: []string{"id", "name", "custom_room_id", "description", "enabled", "max_peers", "template", "webhook", "vendor", "peers", "created_at", "updated_at"},
	Header: []string{"ID", "NAME", "PEERS", "MAX", "ENABLED", "CREATED"},
	Row: func(io *iostreams.IOStreams, r *client.Room) []string {
		return []string{r.ID, r.Name, strconv.Itoa(r.Peers), maxText(r.MaxPeers), strconv.FormatBool(r.Enabled), apicmd.Time(io, r.CreatedAt)}
	},
	Detail: roomDetail,
}

func roomDetail(io *iostreams.IOStreams, r *client.Room) apicmd.Detail {
	d := apicmd.Detail{{"id", r.ID}, {"name", r.Name}, {"custom id", r.CustomRoomID}, {"description", r.Description},
		{"enabled", strconv.FormatBool(r.Enabled)}, {"max peers", maxText(r.MaxPeers)}, {"vendor", r.Vendor}}
	if r.Webhook.URL != "" {
		d.Add("webhook", r.Webhook.URL+" "+apicmd.Join(r.Webhook.Events))
	}
	d.Add("created", apicmd.Time(io, r.CreatedAt))
	d.Add("updated", apicmd.Time(io, r.UpdatedAt))
	return d
}

// maxText shows a peer cap; 0 is none.
func maxText(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

// idArg accepts one argument, a room's id (or custom id), read into id.
func idArg(id *string) cobra.PositionalArgs { return apicmd.NameArg(id) }

func newCmdCreate(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var p client.CreateRoomParams
	var hook client.RoomWebhook
	created := false
	cmd := &cobra.Command{
		Use:   "create NAME [--max-peers N] [--description TEXT] [--custom-id ID] [--webhook URL]",
		Short: "Create a room, or show the one of that name",
		Long: `Create a room with the default template (roles host, guest and viewer). A
room of that name that exists already is shown instead, as 100ms does.`,
		Args: apicmd.NameArg(&p.Name),
		PreRunE: func(*cobra.Command, []string) error {
			if p.MaxPeers < 0 {
				return cmderror.FlagErrorf("invalid --max-peers %d", p.MaxPeers)
			}
			if hook.URL != "" || len(hook.Events) > 0 {
				p.Webhook = &hook
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&p.MaxPeers, "max-peers", 0, "the most peers in the room at once (default none)")
	fl.StringVarP(&p.Description, "description", "d", "", "what the room is for")
	fl.StringVar(&p.CustomRoomID, "custom-id", "", "a second id of your choosing")
	fl.StringVar(&hook.URL, "webhook", "", "post the room's events to this `URL`")
	fl.StringSliceVar(&hook.Events, "webhook-events", nil, "only these events, e.g. peer.joined,peer.left (default all)")
	return apicmd.Object(f, conn, cmd, roomKind,
		func(ctx context.Context, c *client.Client) (r *client.Room, err error) {
			r, created, err = c.CreateRoom(ctx, p)
			return r, err
		},
		func(r *client.Room) string {
			if !created {
				return fmt.Sprintf("Room %s exists already (%s)", r.Name, r.ID)
			}
			return fmt.Sprintf("Created room %s (%s)", r.Name, r.ID)
		})
}

func newCmdList(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var lo client.ListRoomsOptions
	var enabled string
	cmd := &cobra.Command{
		Use:   "list [--name NAME] [--enabled true|false]",
		Short: "List rooms with how many peers each has now",
		PreRunE: func(*cobra.Command, []string) error {
			if enabled == "" {
				return nil
			}
			b, err := strconv.ParseBool(enabled)
			if err != nil {
				return cmderror.FlagErrorf("invalid --enabled %q: want true or false", enabled)
			}
			lo.Enabled = &b
			return nil
		},
	}
	cmd.Flags().StringVar(&lo.Name, "name", "", "only the room of this name")
	cmd.Flags().StringVar(&enabled, "enabled", "", "only enabled (true) or disabled (false) rooms")
	return apicmd.List(f, conn, cmd, &lo, &lo.PageOptions, roomKind, (*client.Client).ListRooms,
		func(p *client.RoomPage) ([]*client.Room, string) { return p.Rooms, p.NextCursor })
}

func newCmdShow(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var id string
	cmd := &cobra.Command{Use: "show ID", Short: "Show a room, its live session and its recent sessions", Args: idArg(&id)}
	kind := apicmd.Kind[*client.RoomInfo]{Fields: []string{"room", "live", "sessions"}, Detail: func(io *iostreams.IOStreams, info *client.RoomInfo) apicmd.Detail {
		d := roomDetail(io, info.Room)
		if info.Live != nil {
			d.Add("live", fmt.Sprintf("session %s since %s: %d peers, %d waiting",
				info.Live.SessionID, apicmd.Time(io, info.Live.StartedAt), len(info.Live.Peers), len(info.Live.Waiting)))
		}
		for _, s := range info.Sessions {
			d.Add("session", sessionText(io, s))
		}
		return d
	}}
	return apicmd.Object(f, conn, cmd, kind,
		func(ctx context.Context, c *client.Client) (*client.RoomInfo, error) { return c.GetRoom(ctx, id) }, nil)
}

// sessionText describes one session of a room.
func sessionText(io *iostreams.IOStreams, s *client.RoomSession) string {
	text := fmt.Sprintf("%s %s", s.ID, apicmd.Time(io, s.StartedAt))
	if !s.EndedAt.IsZero() {
		text += " to " + apicmd.Time(io, s.EndedAt) + " (" + s.EndReason + ")"
	}
	return text + fmt.Sprintf(", %d joins", s.Peers)
}

// peerRow is a peer in the room or waiting in its lobby.
type peerRow struct {
	*client.Peer
	Waiting bool `json:"waiting"`
}

func newCmdPeers(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var id string
	cmd := &cobra.Command{Use: "peers ID", Short: "List the peers in a room and in its lobby", Args: idArg(&id)}
	kind := apicmd.Kind[peerRow]{
		Fields: []string{"peer_id", "user_id", "role", "joined_at", "muted", "waiting"},
		Header: []string{"PEER", "USER", "ROLE", "JOINED", "STATE"},
		Row: func(io *iostreams.IOStreams, p peerRow) []string {
			state := map[bool]string{false: "in the room", true: "waiting"}[p.Waiting]
			return []string{p.PeerID, p.UserID, p.Role, apicmd.Time(io, time.UnixMilli(p.JoinedAt)), state}
		},
	}
	return apicmd.Rows(f, conn, cmd, kind, func(ctx context.Context, c *client.Client) ([]peerRow, error) {
		live, err := c.RoomPeers(ctx, id)
		if err != nil {
			return nil, err
		}
		var rows []peerRow
		for _, p := range live.Peers {
			rows = append(rows, peerRow{Peer: p})
		}
		for _, p := range live.Waiting {
			rows = append(rows, peerRow{Peer: p, Waiting: true})
		}
		return rows, nil
	})
}

func newCmdRemovePeer(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var id string
	var p client.RemovePeerParams
	cmd := &cobra.Command{
		Use:   "remove-peer ID [PEER_ID | --role ROLE | --participant NAME] [--reason TEXT] [--yes]",
		Short: "Remove peers from a room: closed, their token revoked, banned for a while",
		Long: `Remove one peer (PEER_ID, from "keyward rooms peers"), every peer of a role, or
every connection of an identity (--participant, the user_id or participantId
of its token). Each is closed with code 4001, the token it joined with is
revoked, and the identity is banned from the room for a while, so that a new
token does not let it straight back in. Without a terminal, --yes is
required.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.RangeArgs(1, 2)(cmd, args); err != nil {
				return err
			}
			id = args[0]
			if len(args) == 2 {
				p.PeerID = args[1]
			}
			given := 0
			for _, s := range []string{p.PeerID, p.Role, p.Participant} {
				if s != "" {
					given++
				}
			}
			if given != 1 {
				return cmderror.FlagErrorf("name whom to remove: a PEER_ID, --role or --participant (exactly one)")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&p.Role, "role", "", "remove every peer of this role")
	cmd.Flags().StringVar(&p.Participant, "participant", "", "remove every connection of this identity")
	cmd.Flags().StringVar(&p.Reason, "reason", "", "shown to the removed peers")
	type removed struct {
		Removed int `json:"removed"`
	}
	kind := apicmd.Kind[removed]{Fields: []string{"removed"}}
	cmd = apicmd.Object(f, conn, cmd, kind, func(ctx context.Context, c *client.Client) (removed, error) {
		n, err := c.RemovePeer(ctx, id, p)
		return removed{n}, err
	}, func(r removed) string { return fmt.Sprintf("Removed %d peer(s) from room %s", r.Removed, id) })
	return apicmd.Confirm(cmd, f.IOStreams, func() string { return "Remove them from room " + id + "? They are banned for a while." })
}

func newCmdEnd(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var id, reason string
	var lock bool
	cmd := &cobra.Command{
		Use:   "end ID [--reason TEXT] [--lock] [--yes]",
		Short: "End a room's live session: every peer is closed",
		Long: `End a room's live session: every peer is closed with the reason. With --lock
the room is also disabled, so nobody joins again until "keyward rooms enable".
Without a terminal, --yes is required.`,
		Args: idArg(&id),
	}
	cmd.Flags().StringVar(&reason, "reason", "", "shown to the peers")
	cmd.Flags().BoolVar(&lock, "lock", false, "also disable the room")
	cmd = apicmd.Action(f, conn, cmd, func(ctx context.Context, c *client.Client) error { return c.EndRoom(ctx, id, reason, lock) },
		func() string { return "Ended the session of room " + id })
	return apicmd.Confirm(cmd, f.IOStreams, func() string { return "End the session of room " + id + " for everyone in it?" })
}

func newCmdDisable(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	return newCmdSwitch(f, conn, false)
}

func newCmdEnable(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	return newCmdSwitch(f, conn, true)
}

// newCmdSwitch builds "rooms enable" or, with on false, "rooms disable".
func newCmdSwitch(f *factory.Factory, conn *connect.Flags, on bool) *cobra.Command {
	var id string
	verb, short := "disable", "Disable a room: it refuses every join (peers in it stay)"
	if on {
		verb, short = "enable", "Enable a room again"
	}
	cmd := &cobra.Command{Use: verb + " ID", Short: short, Args: idArg(&id)}
	return apicmd.Object(f, conn, cmd, roomKind,
		func(ctx context.Context, c *client.Client) (*client.Room, error) {
			return c.UpdateRoom(ctx, id, client.UpdateRoomParams{Enabled: &on})
		},
		func(r *client.Room) string {
			return fmt.Sprintf("%sd room %s (%s)", map[bool]string{true: "Enable", false: "Disable"}[on], r.Name, r.ID)
		})
}
