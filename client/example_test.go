package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/token"
)

// exampleClock is the fixed clock of the examples.
func exampleClock() time.Time { return time.Unix(1_800_000_000, 0) }

// ok writes a successful envelope with the given resource fields.
func ok(w http.ResponseWriter, id string, fields map[string]any) {
	body := map[string]any{"id": id, "ver": "1.0", "ets": 1800000000000,
		"params": map[string]any{"resmsgid": "r-1", "msgid": nil, "status": "successful", "err": "", "errmsg": ""}}
	for k, v := range fields {
		body[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func ExampleClient_CreateCredential() {
	// A stand-in for keyward's POST /v1/credentials.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p client.CreateCredentialParams
		_ = json.NewDecoder(r.Body).Decode(&p)
		ok(w, "keyward.credential.create", map[string]any{
			"credential": client.Credential{ID: 7, Key: "8f00bc9585904d95e51cc4a1", Name: p.Name, Groups: p.Groups, Status: "active"},
			"secret":     client.Secret{Key: "8f00bc9585904d95e51cc4a1", KID: "k1", Value: "the-secret-shown-once"},
		})
	}))
	defer srv.Close()

	kw, err := client.New(client.Config{BaseURL: srv.URL, Key: "admin-key", Secret: "admin-secret-0123456789abcdef0123", NowFunc: exampleClock})
	if err != nil {
		log.Fatal(err)
	}
	cred, secret, err := kw.CreateCredential(context.Background(), client.CreateCredentialParams{Name: "ci", Groups: []string{"encoding"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cred.ID, cred.Name, cred.Groups, cred.Status)
	fmt.Println(secret.Key, secret.KID, secret.Value)
	fmt.Println(secret) // a Secret never prints its value
	// Output:
	// 7 ci [encoding] active
	// 8f00bc9585904d95e51cc4a1 k1 the-secret-shown-once
	// client.Secret{Key:8f00bc9585904d95e51cc4a1 KID:k1 Value:REDACTED}
}

func ExampleClient_Call() {
	const key, secret = "8f00bc9585904d95e51cc4a1", "app-secret-0123456789abcdef012345"
	// A stand-in for the Encoding API that verifies the request token the
	// way keyward does and answers with the arg it signed.
	v, _ := token.NewVerifier(token.Config{NowFunc: exampleClock})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Data string `json:"data"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		var c token.Claims
		err := token.ParseString(&c, body.Data)
		if err == nil {
			err = v.Verify(&c, []*token.Secret{token.MustSecret("", []byte(secret))}, token.ProfileSet(token.Request),
				&token.Binding{Method: r.Method, Path: r.URL.EscapedPath()})
		}
		if err != nil {
			w.WriteHeader(token.CodeOf(err).Status())
			return
		}
		ok(w, "sl.encoding.start", map[string]any{"query": "job-for-" + string(c.Arg())})
	}))
	defer srv.Close()

	kw, err := client.New(client.Config{BaseURL: srv.URL, Key: key, Secret: secret, NowFunc: exampleClock})
	if err != nil {
		log.Fatal(err)
	}
	resp, err := kw.Call(context.Background(), "POST", "/v3/sl/encoding",
		map[string]any{"src": "https://example.com/song.mp3", "artist": "Ann"}, token.Request)
	if err != nil {
		log.Fatal(err)
	}
	var query string
	if err := resp.Field("query", &query); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.ID, resp.Status)
	fmt.Println(query)
	// Output:
	// sl.encoding.start successful
	// job-for-{"artist":"Ann","src":"https://example.com/song.mp3"}
}

func ExampleIsNotFound() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"id":"keyward.group.get","ver":"1.0","ets":1800000000000,`+
			`"params":{"resmsgid":"r-9","msgid":null,"status":"failed","err":"NOT_FOUND","errmsg":"no API group named rooms"}}`)
	}))
	defer srv.Close()

	kw, err := client.New(client.Config{BaseURL: srv.URL, Key: "k", Secret: "s", NowFunc: exampleClock})
	if err != nil {
		log.Fatal(err)
	}
	_, err = kw.GetGroup(context.Background(), "rooms")
	fmt.Println(client.IsNotFound(err), errors.Is(err, client.ErrNotFound), client.IsAuth(err))
	if e, ok := errors.AsType[*client.Error](err); ok {
		fmt.Println(e.HTTPStatus, e.Code, e.Message, e.ResMsgID)
	}
	// Output:
	// true true false
	// 404 NOT_FOUND no API group named rooms r-9
}

func ExampleClient_AllCredentials() {
	// Three credentials, served two to a page.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("cursor") {
		case "":
			ok(w, "keyward.credential.list", map[string]any{"credentials": []client.Credential{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}}, "next_cursor": "2"})
		default:
			ok(w, "keyward.credential.list", map[string]any{"credentials": []client.Credential{{ID: 3, Name: "c"}}, "next_cursor": ""})
		}
	}))
	defer srv.Close()

	kw, err := client.New(client.Config{BaseURL: srv.URL, Key: "k", Secret: "s", NowFunc: exampleClock})
	if err != nil {
		log.Fatal(err)
	}
	for c, err := range kw.AllCredentials(context.Background(), &client.ListCredentialsOptions{PageOptions: client.PageOptions{Limit: 2}}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(c.ID, c.Name)
	}
	// Output:
	// 1 a
	// 2 b
	// 3 c
}

func ExampleClient_CreateRoom() {
	// A stand-in for keyward's POST /v1/rooms and GET /v1/rooms/{id}/peers.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			ok(w, "keyward.rooms.peers", map[string]any{"session_id": "s1",
				"peers": []client.Peer{{PeerID: "p1", UserID: "ann", Role: "host"}}, "waiting": []client.Peer{}})
			return
		}
		var p client.CreateRoomParams
		_ = json.NewDecoder(r.Body).Decode(&p)
		ok(w, "keyward.rooms.create", map[string]any{"created": true,
			"room": client.Room{ID: "6650f1c2a9e4d1b2c3d4e5f6", Name: p.Name, MaxPeers: p.MaxPeers, Enabled: true}})
	}))
	defer srv.Close()

	kw, err := client.New(client.Config{BaseURL: srv.URL, Key: "admin-key", Secret: "admin-secret-0123456789abcdef0123", NowFunc: exampleClock})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	room, created, err := kw.CreateRoom(ctx, client.CreateRoomParams{Name: "standup", MaxPeers: 8})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(room.ID, room.Name, room.MaxPeers, created)

	// A peer joins GET /rtc with an app token for the room, signed with the
	// same credential.
	join, err := token.New(token.App, "admin-key", []byte("admin-secret-0123456789abcdef0123")).
		SetRoom(room.ID).SetUser("ann").SetRole("host").SetNowFunc(exampleClock).SetJWTID("j1").ToJWT()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(join) > 0)

	live, err := kw.RoomPeers(ctx, room.ID)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range live.Peers {
		fmt.Println(p.PeerID, p.UserID, p.Role)
	}
	// Output:
	// 6650f1c2a9e4d1b2c3d4e5f6 standup 8 true
	// true
	// p1 ann host
}
