package rooms

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/internal/room"
	"github.com/keyward/keyward/token"
)

// Endpoints returns every endpoint of the rooms API. The join endpoints
// (profiles 0 below) have no door policy: they check app and apikey tokens
// themselves, so that every refusal comes before the WebSocket upgrade. The
// others are behind the door, for the profiles given.
func (s *Service) Endpoints() []auth.Endpoint {
	mgmt := token.ProfileSet(token.Management)
	both := token.ProfileSet(token.Management, token.APIKey)
	apikey := token.ProfileSet(token.APIKey)
	h := func(f func(http.ResponseWriter, *http.Request)) http.Handler { return http.HandlerFunc(f) }
	removed := func(msg string) func(int) any {
		return func(n int) any { return map[string]any{"message": msg, "removed": n} }
	}
	sent := func(int) any { return map[string]any{"message": "message sent"} }
	ended := map[string]any{"message": "session ended"}
	e := func(pattern, id, summary string, profiles token.Profiles, handler http.Handler) auth.Endpoint {
		ep := auth.Endpoint{ID: id, Pattern: pattern, Summary: summary, Tag: "rooms", Handler: handler}
		if profiles == 0 {
			ep.Tokens = token.ProfileSet(token.App, token.APIKey)
		} else {
			ep.Policy = &auth.Route{Profiles: profiles}
		}
		return ep
	}
	return []auth.Endpoint{
		e("GET /rtc", APIJoin, "Join a room: WebSocket signal socket (app or apikey token in Authorization or ?access_token=, or ?resume=)", 0, h(s.handleJoin)),
		e("GET /rtc/validate", APIValidate, "Run every join check over plain HTTP and say why a join would fail", 0, h(s.handleValidate)),

		e("POST /v2/rooms", "rooms.create", "Create a room (100ms: by name, returns the existing one; VideoSDK: {customRoomId, webhook})", both, vendor(s.handleCreateV2)),
		e("GET /v2/rooms", "rooms.list", "List rooms (100ms shape; limit, start, name, enabled)", mgmt, vendor(s.handleList100ms)),
		e("GET /v2/rooms/{id}", "rooms.get", "Read a room (100ms shape)", mgmt, vendor(s.handleGet100ms)),
		e("POST /v2/rooms/{id}", "rooms.update", "Update, enable or disable a room (100ms shape)", mgmt, vendor(s.handleUpdate100ms)),
		e("GET /v2/active-rooms/{id}", "rooms.active", "The room's live session and peers (100ms shape)", mgmt, vendor(s.handleActive100ms)),
		e("GET /v2/active-rooms/{id}/peers", "rooms.active.peers", "The live session's peers (100ms shape)", mgmt, vendor(s.handlePeers100ms)),
		e("POST /v2/active-rooms/{id}/remove-peers", "rooms.active.remove", "Remove a peer or every peer of a role: closed 4001, banned until its token's exp + leeway (at least the resume tokens' lifetime), jti revoked", mgmt, vendor(s.removeIn(removed("peers removed")))),
		e("POST /v2/active-rooms/{id}/end-room", "rooms.active.end", "End the live session (4002); lock disables the room", mgmt, vendor(s.endIn(ended))),
		e("POST /v2/active-rooms/{id}/send-message", "rooms.active.message", "Send a message to everyone, a role or a peer", mgmt, vendor(s.sendIn(sent))),

		e("GET /v2/rooms/validate/{roomId}", "rooms.validate", "Validate a room id (VideoSDK shape)", apikey, vendor(videoSDK(s.handleValidateVideoSDK))),
		e("POST /v2/rooms/deactivate", "rooms.deactivate", "Deactivate a room (VideoSDK shape)", apikey, vendor(videoSDK(s.handleDeactivateVideoSDK))),
		e("POST /v2/sessions/end", "rooms.sessions.end", "End a room's live session (VideoSDK shape)", apikey, vendor(videoSDK(s.endIn(ended)))),
		e("POST /v2/sessions/participants/remove", "rooms.sessions.remove", "Remove a participant (VideoSDK shape)", apikey, vendor(videoSDK(s.removeIn(removed("participant removed"))))),

		e("POST /v1/rooms", "keyward.rooms.create", "Create a room (or return the one of that name)", mgmt, native(s.handleCreateV1)),
		e("GET /v1/rooms", "keyward.rooms.list", "List rooms (limit, after, name, enabled)", mgmt, native(s.handleListV1)),
		e("GET /v1/rooms/{id}", "keyward.rooms.get", "Read a room, its live state and recent sessions", mgmt, native(s.handleGetV1)),
		e("POST /v1/rooms/{id}", "keyward.rooms.update", "Update a room (name, description, enabled, max_peers, template, webhook)", mgmt, native(s.handleUpdateV1)),
		e("GET /v1/rooms/{id}/peers", "keyward.rooms.peers", "The live session's peers and lobby", mgmt, native(s.handlePeersV1)),
		e("POST /v1/rooms/{id}/remove-peer", "keyward.rooms.remove", "Remove a peer (or a role's peers): closed 4001, banned, jti revoked", mgmt, native(s.removeIn(func(n int) any { return map[string]any{"removed": n} }))),
		e("POST /v1/rooms/{id}/end", "keyward.rooms.end", "End the live session; lock disables the room", mgmt, native(s.endIn(map[string]any{"ended": true}))),
		e("POST /v1/rooms/{id}/mute", "keyward.rooms.mute", "Ask a live peer to mute audio, video or screen (every peer hears muted)", mgmt, native(s.handleMuteV1)),
		e("POST /v1/rooms/{id}/message", "keyward.rooms.message", "Send a room message to everyone, a role or a peer", mgmt, native(s.sendIn(func(n int) any { return map[string]any{"delivered": n} }))),
	}
}

// caller returns the door's identity of r; the door guarantees it.
func caller(r *http.Request) *auth.Identity {
	id, _ := auth.FromContext(r.Context())
	if id == nil {
		return &auth.Identity{}
	}
	return id
}

// restAllowed refuses apikey tokens whose roles exclude the REST API.
func restAllowed(id *auth.Identity) error {
	if id.Profile == token.APIKey && len(id.Roles) > 0 && !slices.Contains(id.Roles, "crawler") {
		return ErrNoREST
	}
	return nil
}

// maxBody bounds a REST body.
const maxBody = 64 << 10

// decode reads r's JSON body into v; an empty body leaves v alone.
func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return Errorf(CodeInvalid, "the body could not be read")
	}
	if len(b) > maxBody {
		return Errorf(errcode.BodyTooLarge, "the body is larger than 64 KiB")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return &Error{Code: CodeInvalid, Message: "the body is not the expected JSON object", Err: err}
	}
	return nil
}

// writeJSON writes a vendor-shaped body as it is (no envelope).
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// room100ms is a room in 100ms's shape.
func room100ms(rm *Room) map[string]any {
	return map[string]any{
		"id": rm.ID, "name": rm.Name, "enabled": rm.Enabled, "description": rm.Description,
		"customer_id": strconv.FormatInt(rm.AccountID, 10), "template_id": rm.Template.Name, "template": rm.Template.Name,
		"max_peers": rm.MaxPeers, "recording_info": map[string]any{"enabled": false}, "region": "local",
		"created_at": rfc3339(rm.CreatedAt), "updated_at": rfc3339(rm.UpdatedAt),
	}
}

// roomVideoSDK is a room in VideoSDK's shape.
func roomVideoSDK(rm *Room) map[string]any {
	return map[string]any{
		"roomId": rm.ID, "customRoomId": rm.CustomRoomID, "userId": strconv.FormatInt(rm.AccountID, 10),
		"disabled": !rm.Enabled, "createdAt": rfc3339(rm.CreatedAt), "updatedAt": rfc3339(rm.UpdatedAt), "id": rm.ID,
		"webhook": map[string]any{"endPoint": rm.Webhook.URL, "events": rm.Webhook.Events},
		"links":   map[string]any{"get_room": "/v2/rooms/validate/" + rm.ID, "get_session": "/v2/sessions/?roomId=" + rm.ID},
	}
}

// roomV1 is a room in keyward's own shape.
func roomV1(rm *Room) map[string]any {
	return map[string]any{
		"id": rm.ID, "name": rm.Name, "custom_room_id": rm.CustomRoomID, "description": rm.Description,
		"enabled": rm.Enabled, "max_peers": rm.MaxPeers, "template": rm.Template, "webhook": rm.Webhook,
		"vendor": rm.Vendor, "created_at": rfc3339(rm.CreatedAt), "updated_at": rfc3339(rm.UpdatedAt),
	}
}

// roomSettings are the settable fields of a room in the 100ms and native
// bodies.
type roomSettings struct {
	Name         *string   `json:"name"`
	Description  *string   `json:"description"`
	Enabled      *bool     `json:"enabled"`
	MaxPeers     *int      `json:"max_peers"`
	Template     *Template `json:"template"`
	Webhook      *Webhook  `json:"webhook"`
	CustomRoomID *string   `json:"custom_room_id"`
}

func (rs *roomSettings) update(accountID int64, ref string, now time.Time) *UpdateRoomParams {
	return &UpdateRoomParams{AccountID: accountID, Ref: ref, Name: rs.Name, Description: rs.Description, Enabled: rs.Enabled,
		MaxPeers: rs.MaxPeers, Template: rs.Template, Webhook: rs.Webhook, CustomRoomID: rs.CustomRoomID, Now: now}
}

func (rs *roomSettings) room(accountID int64, vendor Vendor) Room {
	rm := Room{AccountID: accountID, Enabled: true, Vendor: vendor}
	if rs.Name != nil {
		rm.Name = *rs.Name
	}
	if rs.Description != nil {
		rm.Description = *rs.Description
	}
	if rs.Enabled != nil {
		rm.Enabled = *rs.Enabled
	}
	if rs.MaxPeers != nil {
		rm.MaxPeers = *rs.MaxPeers
	}
	if rs.Template != nil {
		rm.Template = *rs.Template
	}
	if rs.Webhook != nil {
		rm.Webhook = *rs.Webhook
	}
	if rs.CustomRoomID != nil {
		rm.CustomRoomID = *rs.CustomRoomID
	}
	return rm
}

// apiFunc is a REST handler: it returns the answer's body or an error,
// which the adapters write.
type apiFunc func(r *http.Request) (any, error)

// created marks a body answered with 201.
type created struct{ body any }

// vendor writes f's body as it is (the vendor's shape; errors use the
// envelope).
func vendor(f apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := f(r)
		if err != nil {
			envelope.Error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// native writes f's body inside the envelope.
func native(f apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := f(r)
		if err != nil {
			envelope.Error(w, r, err)
			return
		}
		status := http.StatusOK
		if c, ok := v.(created); ok {
			status, v = http.StatusCreated, c.body
		}
		envelope.Write(w, r, status, "", v)
	})
}

// videoSDK refuses apikey tokens whose roles exclude the REST API before f.
func videoSDK(f apiFunc) apiFunc {
	return func(r *http.Request) (any, error) {
		if err := restAllowed(caller(r)); err != nil {
			return nil, err
		}
		return f(r)
	}
}

// handleCreateV2 serves both vendors on one path, by the token's profile.
//
//	POST /v2/rooms
func (s *Service) handleCreateV2(r *http.Request) (any, error) {
	id := caller(r)
	if id.Profile == token.APIKey {
		return videoSDK(s.createVideoSDK)(r)
	}
	var body roomSettings
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	if body.Name == nil || *body.Name == "" {
		// 100ms makes a name when none is given.
		name := "room-" + NewID()[:12]
		body.Name = &name
	}
	rm, _, err := s.cfg.Store.CreateRoom(r.Context(), &CreateRoomParams{Room: body.room(id.AccountID, Vendor100ms), Now: s.cfg.NowFunc()})
	if err != nil {
		return nil, err
	}
	return room100ms(rm), nil
}

// createVideoSDK is POST /v2/rooms for apikey tokens.
func (s *Service) createVideoSDK(r *http.Request) (any, error) {
	var body struct {
		CustomRoomID string `json:"customRoomId"`
		Webhook      *struct {
			EndPoint string   `json:"endPoint"`
			Events   []string `json:"events"`
		} `json:"webhook"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	rm := Room{AccountID: caller(r).AccountID, Enabled: true, Vendor: VendorVideoSDK, CustomRoomID: body.CustomRoomID, Name: body.CustomRoomID}
	if rm.Name == "" {
		rm.Name = "room-" + NewID()[:12]
	}
	if body.Webhook != nil {
		rm.Webhook = Webhook{URL: body.Webhook.EndPoint, Events: videoSDKEvents(body.Webhook.Events)}
	}
	out, _, err := s.cfg.Store.CreateRoom(r.Context(), &CreateRoomParams{Room: rm, Now: s.cfg.NowFunc()})
	if err != nil {
		return nil, err
	}
	return roomVideoSDK(out), nil
}

// videoSDKEvents maps VideoSDK's event names (and 100ms's) onto
// keyward's; unknown names are kept so that validation names them.
func videoSDKEvents(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		k, _ := room.CanonicalEvent(n)
		out = append(out, k)
	}
	return out
}

// room returns the caller's room named by the path's {name} wildcard.
func (s *Service) room(r *http.Request, wildcard string) (*Room, error) {
	return s.cfg.Store.Room(r.Context(), caller(r).AccountID, r.PathValue(wildcard))
}

// listParams reads the list filters; after is the cursor parameter's name.
func listParams(r *http.Request, accountID int64, after string) (*ListRoomsParams, error) {
	q := r.URL.Query()
	p := &ListRoomsParams{AccountID: accountID, After: q.Get(after), Name: q.Get("name")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, Errorf(CodeInvalid, "limit must be a number")
		}
		p.Limit = n
	}
	if v := q.Get("enabled"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, Errorf(CodeInvalid, "enabled must be true or false")
		}
		p.Enabled = &b
	}
	return p, nil
}

// list returns a page of the caller's rooms; after names the cursor
// parameter.
func (s *Service) list(r *http.Request, after string) (*ListRoomsParams, *RoomPage, error) {
	p, err := listParams(r, caller(r).AccountID, after)
	if err != nil {
		return nil, nil, err
	}
	page, err := s.cfg.Store.ListRooms(r.Context(), p)
	return p, page, err
}

// handleList100ms lists rooms in 100ms's shape: {limit, data, last}.
//
//	GET /v2/rooms
func (s *Service) handleList100ms(r *http.Request) (any, error) {
	p, page, err := s.list(r, "start")
	if err != nil {
		return nil, err
	}
	data := make([]map[string]any, 0, len(page.Rooms))
	for _, rm := range page.Rooms {
		data = append(data, room100ms(rm))
	}
	out := map[string]any{"limit": p.Limit, "data": data}
	if page.Next != "" {
		out["last"] = page.Next
	}
	return out, nil
}

// handleGet100ms reads a room.
//
//	GET /v2/rooms/{id}
func (s *Service) handleGet100ms(r *http.Request) (any, error) {
	rm, err := s.room(r, "id")
	if err != nil {
		return nil, err
	}
	return room100ms(rm), nil
}

// handleUpdate100ms updates a room.
//
//	POST /v2/rooms/{id}
func (s *Service) handleUpdate100ms(r *http.Request) (any, error) {
	rm, err := s.update(r)
	if err != nil {
		return nil, err
	}
	return room100ms(rm), nil
}

func (s *Service) update(r *http.Request) (*Room, error) {
	var body roomSettings
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	return s.cfg.Store.UpdateRoom(r.Context(), body.update(caller(r).AccountID, r.PathValue("id"), s.cfg.NowFunc()))
}

// peers100ms is the peer map of 100ms's active-room answers.
func peers100ms(a *ActiveRoom) map[string]any {
	m := make(map[string]any, len(a.Peers))
	for _, p := range a.Peers {
		m[p.PeerID] = map[string]any{"id": p.PeerID, "name": p.UserID, "user_id": p.UserID, "role": p.Role,
			"joined_at": rfc3339(time.UnixMilli(p.JoinedAt))}
	}
	return m
}

// active returns the caller's room and its live state.
func (s *Service) active(r *http.Request) (*Room, *ActiveRoom, error) {
	rm, err := s.room(r, "id")
	if err != nil {
		return nil, nil, err
	}
	a, err := s.Active(r.Context(), rm)
	if err != nil {
		return nil, nil, err
	}
	return rm, a, nil
}

// handleActive100ms is the live session.
//
//	GET /v2/active-rooms/{id}
func (s *Service) handleActive100ms(r *http.Request) (any, error) {
	rm, a, err := s.active(r)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id": rm.ID, "name": rm.Name, "room_id": rm.ID, "customer_id": strconv.FormatInt(rm.AccountID, 10),
		"session": map[string]any{"id": a.Session.ID, "created_at": rfc3339(a.Session.StartedAt), "peers": peers100ms(a)},
	}, nil
}

// handlePeers100ms lists the live peers.
//
//	GET /v2/active-rooms/{id}/peers
func (s *Service) handlePeers100ms(r *http.Request) (any, error) {
	_, a, err := s.active(r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"peers": peers100ms(a)}, nil
}

// removeBody is the body of the remove calls of every shape.
type removeBody struct {
	PeerID        string `json:"peer_id"`
	Role          string `json:"role"`
	Reason        string `json:"reason"`
	RoomID        string `json:"roomId"`
	ParticipantID string `json:"participantId"`
}

// removeIn returns a handler that removes peers of the room named by the
// path's {id} (or, without one, the body's roomId), answering shape(n).
func (s *Service) removeIn(shape func(n int) any) apiFunc {
	return func(r *http.Request) (any, error) {
		var body removeBody
		if err := decode(r, &body); err != nil {
			return nil, err
		}
		ref := r.PathValue("id")
		if ref == "" {
			ref = body.RoomID
		}
		rm, err := s.cfg.Store.Room(r.Context(), caller(r).AccountID, ref)
		if err != nil {
			return nil, err
		}
		var n int
		switch {
		case body.PeerID == "" && body.ParticipantID != "":
			n, err = s.RemoveIdentity(r.Context(), rm, body.ParticipantID, body.Reason)
		case (body.PeerID == "") == (body.Role == ""):
			err = Errorf(CodeInvalid, "give peer_id or role")
		default:
			n, err = s.Remove(r.Context(), rm, body.PeerID, body.Role, body.Reason)
		}
		if err != nil {
			return nil, err
		}
		return shape(n), nil
	}
}

// endIn returns a handler that ends the live session of the room named
// by the path's {id} (or the body's roomId), answering body.
func (s *Service) endIn(body any) apiFunc {
	return func(r *http.Request) (any, error) {
		var in struct {
			Reason string `json:"reason"`
			Lock   bool   `json:"lock"`
			RoomID string `json:"roomId"`
		}
		if err := decode(r, &in); err != nil {
			return nil, err
		}
		ref := r.PathValue("id")
		if ref == "" {
			ref = in.RoomID
		}
		rm, err := s.cfg.Store.Room(r.Context(), caller(r).AccountID, ref)
		if err != nil {
			return nil, err
		}
		if err := s.End(r.Context(), rm, in.Reason, in.Lock); err != nil {
			return nil, err
		}
		return body, nil
	}
}

// handleMuteV1 asks a peer to mute a kind of track.
//
//	POST /v1/rooms/{id}/mute
func (s *Service) handleMuteV1(r *http.Request) (any, error) {
	var body struct {
		PeerID string `json:"peer_id"`
		Kind   string `json:"kind"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	if body.PeerID == "" {
		return nil, Errorf(CodeInvalid, `"peer_id" is required`)
	}
	rm, err := s.room(r, "id")
	if err != nil {
		return nil, err
	}
	if err := s.MutePeer(r.Context(), rm, body.PeerID, body.Kind); err != nil {
		return nil, err
	}
	return map[string]any{"muted": true}, nil
}

// sendIn returns a handler that posts a server message into the room of
// the path's {id}, answering shape(delivered).
func (s *Service) sendIn(shape func(n int) any) apiFunc {
	return func(r *http.Request) (any, error) {
		var body struct {
			PeerID  string          `json:"peer_id"`
			Role    string          `json:"role"`
			Message json.RawMessage `json:"message"`
		}
		if err := decode(r, &body); err != nil {
			return nil, err
		}
		if len(body.Message) == 0 {
			return nil, Errorf(CodeInvalid, `"message" is required`)
		}
		rm, err := s.room(r, "id")
		if err != nil {
			return nil, err
		}
		n, err := s.Send(r.Context(), rm, &Target{PeerID: body.PeerID, Role: body.Role}, body.Message)
		if err != nil {
			return nil, err
		}
		return shape(n), nil
	}
}

// handleValidateVideoSDK answers whether a room id is valid.
//
//	GET /v2/rooms/validate/{roomId}
func (s *Service) handleValidateVideoSDK(r *http.Request) (any, error) {
	rm, err := s.room(r, "roomId")
	if err != nil {
		return nil, err
	}
	return roomVideoSDK(rm), nil
}

// handleDeactivateVideoSDK disables a room.
//
//	POST /v2/rooms/deactivate
func (s *Service) handleDeactivateVideoSDK(r *http.Request) (any, error) {
	var body struct {
		RoomID string `json:"roomId"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	off := false
	rm, err := s.cfg.Store.UpdateRoom(r.Context(), &UpdateRoomParams{AccountID: caller(r).AccountID, Ref: body.RoomID, Enabled: &off, Now: s.cfg.NowFunc()})
	if err != nil {
		return nil, err
	}
	return roomVideoSDK(rm), nil
}

// handleCreateV1 creates a room (or returns the one of that name).
//
//	POST /v1/rooms
func (s *Service) handleCreateV1(r *http.Request) (any, error) {
	var body roomSettings
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	rm, isNew, err := s.cfg.Store.CreateRoom(r.Context(), &CreateRoomParams{Room: body.room(caller(r).AccountID, VendorKeyward), Now: s.cfg.NowFunc()})
	if err != nil {
		return nil, err
	}
	out := map[string]any{"room": roomV1(rm), "created": isNew}
	if isNew {
		return created{out}, nil
	}
	return out, nil
}

// handleListV1 lists rooms.
//
//	GET /v1/rooms
func (s *Service) handleListV1(r *http.Request) (any, error) {
	_, page, err := s.list(r, "after")
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(page.Rooms))
	for i, rm := range page.Rooms {
		ids[i] = rm.ID
	}
	occupancy := s.Occupancy(r.Context(), ids)
	out := make([]map[string]any, 0, len(page.Rooms))
	for _, rm := range page.Rooms {
		v := roomV1(rm)
		v["peers"] = occupancy[rm.ID]
		out = append(out, v)
	}
	return map[string]any{"rooms": out, "next": page.Next}, nil
}

// handleGetV1 reads a room with its live state and recent sessions.
//
//	GET /v1/rooms/{id}
func (s *Service) handleGetV1(r *http.Request) (any, error) {
	rm, err := s.room(r, "id")
	if err != nil {
		return nil, err
	}
	sessions, err := s.cfg.Store.Sessions(r.Context(), rm.ID, 10)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"room": roomV1(rm), "sessions": sessions, "live": nil}
	if a, err := s.Active(r.Context(), rm); err == nil {
		out["live"] = map[string]any{"session_id": a.Session.ID, "started_at": rfc3339(a.Session.StartedAt), "peers": a.Peers, "waiting": a.Waiting}
	}
	return out, nil
}

// handleUpdateV1 updates a room.
//
//	POST /v1/rooms/{id}
func (s *Service) handleUpdateV1(r *http.Request) (any, error) {
	rm, err := s.update(r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"room": roomV1(rm)}, nil
}

// handlePeersV1 lists the live peers and lobby.
//
//	GET /v1/rooms/{id}/peers
func (s *Service) handlePeersV1(r *http.Request) (any, error) {
	_, a, err := s.active(r)
	if errors.Is(err, ErrNotActive) {
		return map[string]any{"peers": []PeerInfo{}, "waiting": []PeerInfo{}}, nil
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"session_id": a.Session.ID, "peers": a.Peers, "waiting": a.Waiting}, nil
}
