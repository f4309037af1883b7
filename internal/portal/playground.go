package portal

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/errcode"
)

// playgroundProfile describes how one token profile is signed and sent, in
// the pieces the snippets are assembled from.
type playgroundProfile struct {
	Name, Title, About string
	// Method and Path are the call the snippet makes; empty Path means the
	// snippet only prints the token (it is handed to another party).
	Method, Path string
	// Carry is "body" ({"data": token}) or "bearer".
	Carry string
	// Body is the JSON body sent beside a bearer token, if any.
	Body string
	// JS and Py are the claims as a JavaScript and a Python literal, with
	// KEY for the key; they may use now (seconds) and, in Python, uuid.
	JS, Py string
	// Go is the builder chain after token.New(…).
	Go string
	// GoTime says the Go chain uses package time.
	GoTime bool
	// CLI are the flags of `keyward token PROFILE`.
	CLI string
}

var playgroundProfiles = []playgroundProfile{
	{
		Name: "request", Title: "request (Soundlinks)",
		About:  "HS256 with iss, iat, mtd, url and arg, sent as the body {\"data\": token}. Good for one call: the token is bound to its method and path and is spent on first use.",
		Method: "POST", Path: "/v3/sl/encoding", Carry: "body",
		JS:  `{ iss: key, iat: now, mtd: "POST", url: "/v3/sl/encoding", arg: { src: "https://example.com/song.mp3", artist: "Example" } }`,
		Py:  `{"iss": key, "iat": now, "mtd": "POST", "url": "/v3/sl/encoding", "arg": {"src": "https://example.com/song.mp3", "artist": "Example"}}`,
		Go:  ".\n\t\tSetMethod(\"POST\").SetURL(\"/v3/sl/encoding\").\n\t\tSetArg(map[string]string{\"src\": \"https://example.com/song.mp3\", \"artist\": \"Example\"})",
		CLI: "request --url /v3/sl/encoding --arg src=https://example.com/song.mp3 --arg artist=Example",
	},
	{
		Name: "qsh", Title: "qsh (Sunbird / Atlassian Connect)",
		About:  "HS256 with iss, iat, the target API id and qsh, the SHA-256 of the canonical request (METHOD&path&sorted-query), sent as Authorization: Bearer.",
		Method: "POST", Path: "/v3/sl/encoding", Carry: "bearer",
		Body: `{"arg":{"src":"https://example.com/song.mp3","artist":"Example"}}`,
		JS:   `{ iss: key, iat: now, id: "sl.encoding.start", qsh: require("crypto").createHash("sha256").update("POST&/v3/sl/encoding&").digest("hex"), version: "1.0" }`,
		Py:   `{"iss": key, "iat": now, "id": "sl.encoding.start", "qsh": hashlib.sha256(b"POST&/v3/sl/encoding&").hexdigest(), "version": "1.0"}`,
		Go:   ".\n\t\tSetAPIID(\"sl.encoding.start\").SetRequest(\"POST\", \"/v3/sl/encoding\", \"\").SetVersion(\"1.0\")",
		CLI:  "qsh --method POST --url /v3/sl/encoding --api-id sl.encoding.start --version 1.0",
	},
	{
		Name: "management", Title: "management (100ms server)",
		About:  "HS256 with access_key, type \"management\", version 2, jti, iat, nbf and exp (at most 24 hours ahead), sent as Authorization: Bearer. Reusable until it expires.",
		Method: "GET", Path: "/v1/me", Carry: "bearer",
		JS:     `{ access_key: key, type: "management", version: 2, jti: require("crypto").randomUUID(), iat: now, nbf: now, exp: now + 3600 }`,
		Py:     `{"access_key": key, "type": "management", "version": 2, "jti": str(uuid.uuid4()), "iat": now, "nbf": now, "exp": now + 3600}`,
		Go:     ".\n\t\tSetTTL(time.Hour)",
		GoTime: true,
		CLI:    "management --ttl 1h",
	},
	{
		Name: "app", Title: "app (100ms client)",
		About: "A management token's claims with type \"app\" plus room_id, user_id and role. Your server makes it and hands it to the client, which joins the room with it.",
		JS:    `{ access_key: key, type: "app", version: 2, room_id: "room-1", user_id: "user-1", role: "guest", jti: require("crypto").randomUUID(), iat: now, nbf: now, exp: now + 3600 }`,
		Py:    `{"access_key": key, "type": "app", "version": 2, "room_id": "room-1", "user_id": "user-1", "role": "guest", "jti": str(uuid.uuid4()), "iat": now, "nbf": now, "exp": now + 3600}`,
		Go:    ".\n\t\tSetRoom(\"room-1\").SetUser(\"user-1\").SetRole(\"guest\").SetTTL(time.Hour)", GoTime: true,
		CLI: "app --room room-1 --user user-1 --role guest --ttl 1h",
	},
	{
		Name: "apikey", Title: "apikey (VideoSDK)",
		About: "HS256 with apikey, permissions and exp. Your server makes it and hands it to the client, which passes it to the server it connects to.",
		JS:    `{ apikey: key, permissions: ["allow_join"], iat: now, exp: now + 3600 }`,
		Py:    `{"apikey": key, "permissions": ["allow_join"], "iat": now, "exp": now + 3600}`,
		Go:    ".\n\t\tSetPermissions(\"allow_join\").SetTTL(time.Hour)", GoTime: true,
		CLI: "apikey --permissions allow_join --ttl 1h",
	},
}

// playgroundChoices is how many of the newest active credentials the
// playground offers; an older one is reached with ?credential=ID.
const playgroundChoices = 25

// goProfileNames are the token package's names of the profiles.
var goProfileNames = map[string]string{"request": "Request", "qsh": "QSH", "management": "Management", "app": "App", "apikey": "APIKey"}

// snippet is one language's code.
type snippet struct {
	ID, Language, Code string
}

// playgroundPage is the data of the playground.
type playgroundPage struct {
	Credentials []*credential.Credential
	Selected    *credential.Credential
	Profiles    []playgroundProfile
	Profile     playgroundProfile
	Snippets    []snippet
}

// handlePlayground answers GET /portal/playground?credential=&profile=: a
// ready-to-run snippet in Node, Python, Go and curl that signs a token of
// the chosen profile with the chosen credential. The secret is never in the
// page: the snippets read it from KEYWARD_SECRET.
func (p *Portal) handlePlayground(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := accountFromContext(ctx)
	list, err := p.svc.FindCredentials(ctx, &credential.CredentialFilter{OwnerID: a.ID, Status: credential.CredentialActive,
		Page: credential.Page{Limit: playgroundChoices}})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := playgroundPage{Credentials: list.Credentials, Profiles: playgroundProfiles, Profile: playgroundProfiles[0]}
	q := r.URL.Query()
	if i := slices.IndexFunc(playgroundProfiles, func(pp playgroundProfile) bool { return pp.Name == q.Get("profile") }); i >= 0 {
		d.Profile = playgroundProfiles[i]
	}
	if id, err := strconv.ParseInt(q.Get("credential"), 10, 64); err == nil {
		i := slices.IndexFunc(list.Credentials, func(c *credential.Credential) bool { return c.ID == id })
		if i >= 0 {
			d.Selected = list.Credentials[i]
		} else {
			// An older credential than the list shows: the store decides
			// whether the viewer may see it.
			c, err := p.svc.FindCredentialByID(ctx, id)
			if err != nil {
				p.fail(w, r, err)
				return
			}
			if c.OwnerID != a.ID || c.Status != credential.CredentialActive {
				p.fail(w, r, errcode.Errorf(errcode.NotFound, "You have no active credential %d.", id))
				return
			}
			d.Selected = c
			d.Credentials = append(d.Credentials, c)
		}
	} else if len(list.Credentials) > 0 {
		d.Selected = list.Credentials[0]
	}
	key := "YOUR_KEY"
	if d.Selected != nil {
		key = d.Selected.Key
	}
	d.Snippets = buildSnippets(d.Profile, key, p.baseURL(r))
	p.render(w, r, http.StatusOK, "playground", p.newView(r, "Token playground", "playground", d))
}

// baseURL is the URL the snippets call: the PublicURL, or the request's
// own scheme and host.
func (p *Portal) baseURL(r *http.Request) string {
	if p.publicURL != "" {
		return p.publicURL
	}
	scheme := "http"
	if r.TLS != nil || p.secure {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// buildSnippets assembles the four snippets of profile pp for key.
func buildSnippets(pp playgroundProfile, key, base string) []snippet {
	url := base + pp.Path
	jsKey, pyKey := strconv.Quote(key), strconv.Quote(key)

	var js strings.Builder
	js.WriteString("// npm install jsonwebtoken   (Node 18 or later for fetch)\n")
	js.WriteString("const jwt = require(\"jsonwebtoken\");\n\n")
	js.WriteString("const key = " + jsKey + ";\n")
	js.WriteString("const secret = process.env.KEYWARD_SECRET; // the secret shown once when the credential was made\n")
	js.WriteString("const now = Math.floor(Date.now() / 1000);\n")
	js.WriteString("const token = jwt.sign(" + pp.JS + ", secret, { algorithm: \"HS256\" });\n\n")
	switch {
	case pp.Path == "":
		js.WriteString("console.log(token); // hand this to the client\n")
	case pp.Carry == "body":
		js.WriteString("fetch(" + strconv.Quote(url) + ", {\n  method: " + strconv.Quote(pp.Method) + ",\n  headers: { \"Content-Type\": \"application/json\" },\n  body: JSON.stringify({ data: token }),\n})\n  .then((res) => res.json())\n  .then((body) => console.log(JSON.stringify(body, null, 2)));\n")
	default:
		js.WriteString("fetch(" + strconv.Quote(url) + ", {\n  method: " + strconv.Quote(pp.Method) + ",\n  headers: { Authorization: `Bearer ${token}`")
		if pp.Body != "" {
			js.WriteString(", \"Content-Type\": \"application/json\" },\n  body: " + strconv.Quote(pp.Body) + ",\n")
		} else {
			js.WriteString(" },\n")
		}
		js.WriteString("})\n  .then((res) => res.json())\n  .then((body) => console.log(JSON.stringify(body, null, 2)));\n")
	}

	var py strings.Builder
	py.WriteString("# apt install python3-jwt   (or: pip install PyJWT)\n")
	py.WriteString("import hashlib, json, os, time, urllib.request, uuid\n\nimport jwt\n\n")
	py.WriteString("key = " + pyKey + "\n")
	py.WriteString("secret = os.environ[\"KEYWARD_SECRET\"]  # the secret shown once when the credential was made\n")
	py.WriteString("now = int(time.time())\n")
	py.WriteString("token = jwt.encode(" + pp.Py + ", secret, algorithm=\"HS256\")\n\n")
	switch {
	case pp.Path == "":
		py.WriteString("print(token)  # hand this to the client\n")
	case pp.Carry == "body":
		py.WriteString("req = urllib.request.Request(" + strconv.Quote(url) + ", method=" + strconv.Quote(pp.Method) + ",\n    data=json.dumps({\"data\": token}).encode(), headers={\"Content-Type\": \"application/json\"})\n")
		py.WriteString("print(urllib.request.urlopen(req).read().decode())\n")
	default:
		py.WriteString("req = urllib.request.Request(" + strconv.Quote(url) + ", method=" + strconv.Quote(pp.Method) + ",\n    headers={\"Authorization\": \"Bearer \" + token")
		if pp.Body != "" {
			py.WriteString(", \"Content-Type\": \"application/json\"},\n    data=" + "b'" + pp.Body + "')\n")
		} else {
			py.WriteString("})\n")
		}
		py.WriteString("print(urllib.request.urlopen(req).read().decode())\n")
	}

	imports := []string{"fmt", "os"}
	if pp.Path != "" {
		imports = append(imports, "io", "net/http")
		if pp.Body != "" || pp.Carry == "body" {
			imports = append(imports, "strings")
		}
	}
	if pp.GoTime {
		imports = append(imports, "time")
	}
	slices.Sort(imports)
	var g strings.Builder
	g.WriteString("// go get github.com/keyward/keyward/token\npackage main\n\nimport (\n")
	for _, imp := range imports {
		g.WriteString("\t" + strconv.Quote(imp) + "\n")
	}
	g.WriteString("\n\t\"github.com/keyward/keyward/token\"\n)\n\nfunc main() {\n")
	g.WriteString("\ttok, err := token.New(token." + goProfileNames[pp.Name] + ", " + strconv.Quote(key) + ", []byte(os.Getenv(\"KEYWARD_SECRET\")))" + pp.Go + ".\n\t\tToJWT()\n")
	g.WriteString("\tif err != nil {\n\t\tfmt.Fprintln(os.Stderr, err)\n\t\tos.Exit(1)\n\t}\n")
	switch {
	case pp.Path == "":
		g.WriteString("\tfmt.Println(tok) // hand this to the client\n}\n")
	default:
		body := "nil"
		switch {
		case pp.Carry == "body":
			body = "strings.NewReader(`{\"data\":\"` + tok + `\"}`)"
		case pp.Body != "":
			body = "strings.NewReader(`" + pp.Body + "`)"
		}
		g.WriteString("\treq, err := http.NewRequest(" + strconv.Quote(pp.Method) + ", " + strconv.Quote(url) + ", " + body + ")\n")
		g.WriteString("\tif err != nil {\n\t\tfmt.Fprintln(os.Stderr, err)\n\t\tos.Exit(1)\n\t}\n")
		if pp.Carry == "bearer" {
			g.WriteString("\treq.Header.Set(\"Authorization\", \"Bearer \"+tok)\n")
		}
		if body != "nil" {
			g.WriteString("\treq.Header.Set(\"Content-Type\", \"application/json\")\n")
		}
		g.WriteString("\tresp, err := http.DefaultClient.Do(req)\n\tif err != nil {\n\t\tfmt.Fprintln(os.Stderr, err)\n\t\tos.Exit(1)\n\t}\n")
		g.WriteString("\tdefer resp.Body.Close()\n\tout, _ := io.ReadAll(resp.Body)\n\tfmt.Println(resp.Status, string(out))\n}\n")
	}

	var sh strings.Builder
	sh.WriteString("# keyward token signs locally; nothing is sent until curl runs.\n")
	sh.WriteString("export KEYWARD_KEY=" + key + "\n")
	sh.WriteString("export KEYWARD_SECRET=…   # the secret shown once when the credential was made\n")
	sh.WriteString("TOKEN=$(keyward token " + pp.CLI + ")\n")
	switch {
	case pp.Path == "":
		sh.WriteString("echo \"$TOKEN\"   # hand this to the client\n")
	case pp.Carry == "body":
		sh.WriteString("curl -sS -X " + pp.Method + " " + url + " \\\n  -H 'Content-Type: application/json' \\\n  -d \"{\\\"data\\\":\\\"$TOKEN\\\"}\"\n")
	default:
		sh.WriteString("curl -sS -X " + pp.Method + " " + url + " \\\n  -H \"Authorization: Bearer $TOKEN\"")
		if pp.Body != "" {
			sh.WriteString(" \\\n  -H 'Content-Type: application/json' \\\n  -d '" + pp.Body + "'")
		}
		sh.WriteString("\n")
	}
	return []snippet{
		{ID: "node", Language: "Node.js", Code: js.String()},
		{ID: "python", Language: "Python", Code: py.String()},
		{ID: "go", Language: "Go", Code: g.String()},
		{ID: "curl", Language: "curl", Code: sh.String()},
	}
}
