package roomscmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/apicmd"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
)

func newCmdWebhook(f *factory.Factory, conn *connect.Flags) *cobra.Command {
	var id string
	cmd := &cobra.Command{
		Use:   "webhook ID",
		Short: "Show a room's webhook: its signing secret and how its latest events were delivered",
		Long: `Show where a room's events are posted, the secret that signs them
(X-Keyward-Signature: t=UNIX,v1=hex(HMAC-SHA256(secret, UNIX + "." + body))),
and the room's latest events with their delivery state. Receivers verify
every post with the secret; see docs/webhooks.md.`,
		Args: idArg(&id),
	}
	kind := apicmd.Kind[*client.RoomWebhookInfo]{Fields: []string{"url", "events", "secret", "signature_header", "recent"},
		Detail: func(io *iostreams.IOStreams, w *client.RoomWebhookInfo) apicmd.Detail {
			events := apicmd.Join(w.Events)
			if events == "" {
				events = "all"
			}
			d := apicmd.Detail{{"url", w.URL}, {"events", events}, {"secret", w.Secret}}
			for _, e := range w.Recent {
				text := fmt.Sprintf("%s %s %s %s, %d attempts", e.ID, e.Name, apicmd.Time(io, e.CreatedAt), e.State, e.Attempts)
				if e.LastError != "" {
					text += ": " + e.LastError
				}
				d.Add("event", text)
			}
			return d
		}}
	return apicmd.Object(f, conn, cmd, kind,
		func(ctx context.Context, c *client.Client) (*client.RoomWebhookInfo, error) {
			return c.RoomWebhook(ctx, id)
		}, nil)
}
