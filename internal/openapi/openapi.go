// Package openapi builds the OpenAPI 3.1 document keyward serves at
// /openapi.json from the same route list the server registers, so the
// document cannot drift from what the server does.
package openapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/keyward/keyward/token"
)

// Operation describes one route.
type Operation struct {
	// Pattern is the ServeMux pattern, "METHOD /path/{param}".
	Pattern string
	// ID is the API id: the envelope's id and the operationId.
	ID string
	// Summary says what the route does.
	Summary string
	// Group is the API group the route belongs to, or "".
	Group string
	// Profiles are the token profiles the route accepts; 0 means none
	// (public).
	Profiles token.Profiles
	// SingleUse marks routes where a request token works once.
	SingleUse bool
	// Tag groups operations in the document.
	Tag string
}

var paramRE = regexp.MustCompile(`\{([a-zA-Z_]+)(\.\.\.)?\}`)

// Document returns the OpenAPI document of ops as JSON.
func Document(title, version string, ops []Operation) ([]byte, error) {
	paths := map[string]map[string]any{}
	for _, op := range ops {
		method, path, ok := strings.Cut(op.Pattern, " ")
		if !ok || path == "" {
			return nil, fmt.Errorf("openapi: pattern %q has no method", op.Pattern)
		}
		path = paramRE.ReplaceAllString(path, "{$1}")
		item := paths[path]
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		o := map[string]any{
			"operationId": op.ID,
			"summary":     op.Summary,
			"responses": map[string]any{
				"200": ref("#/components/responses/Envelope"),
				"default": map[string]any{
					"description": "An error: params.status is \"failed\", params.err the code, params.errmsg the reason.",
					"content":     jsonContent(ref("#/components/schemas/Envelope")),
				},
			},
		}
		if op.Tag != "" {
			o["tags"] = []string{op.Tag}
		}
		var params []any
		for _, m := range paramRE.FindAllStringSubmatch(path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if op.Profiles != 0 {
			var sec []any
			if op.Profiles.Has(token.Request) {
				sec = append(sec, map[string][]string{"requestToken": {}})
			}
			if op.Profiles&^token.ProfileSet(token.Request) != 0 {
				sec = append(sec, map[string][]string{"bearer": {}})
			}
			o["security"] = sec
			desc := "Accepts " + op.Profiles.String() + " tokens."
			if op.Group != "" {
				desc += " API group: " + op.Group + "."
			}
			if op.SingleUse {
				desc += " A request token works once here: a replay is refused with TOKEN_REPLAYED."
			}
			o["description"] = desc
			o["responses"].(map[string]any)["401"] = ref("#/components/responses/Unauthorized")
			o["responses"].(map[string]any)["403"] = ref("#/components/responses/Forbidden")
		}
		if method == http.MethodPost || method == http.MethodPatch || method == http.MethodPut {
			o["requestBody"] = map[string]any{
				"required": false,
				"content":  jsonContent(map[string]any{"type": "object"}),
			}
		}
		item[strings.ToLower(method)] = o
	}
	var tags []string
	seen := map[string]bool{}
	for _, op := range ops {
		if op.Tag != "" && !seen[op.Tag] {
			seen[op.Tag] = true
			tags = append(tags, op.Tag)
		}
	}
	sort.Strings(tags)
	var tagObjs []any
	for _, t := range tags {
		tagObjs = append(tagObjs, map[string]string{"name": t})
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   title,
			"version": version,
			"description": "Every response is an envelope: {id, ver, ets, params{resmsgid, msgid, status, err, errmsg}} " +
				"with the API's own fields beside params. Error codes are listed in the token package documentation.",
		},
		"paths": paths,
		"tags":  tagObjs,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT (HS256)",
					"description": "A management, app, apikey or qsh token signed with the credential's secret."},
				"requestToken": map[string]any{"type": "apiKey", "in": "header", "name": "Authorization",
					"description": "A request token (iss, iat, mtd, url, arg), sent as the JSON body {\"data\": token} or as a Bearer token."},
			},
			"schemas": map[string]any{
				"Envelope": map[string]any{
					"type":     "object",
					"required": []string{"id", "ver", "ets", "params"},
					"properties": map[string]any{
						"id":  map[string]string{"type": "string"},
						"ver": map[string]string{"type": "string"},
						"ets": map[string]string{"type": "integer", "description": "milliseconds since 1970"},
						"params": map[string]any{
							"type": "object",
							"properties": map[string]any{
								"resmsgid": map[string]string{"type": "string", "format": "uuid"},
								"msgid":    map[string]any{"type": []string{"string", "null"}},
								"status":   map[string]any{"type": "string", "enum": []string{"successful", "failed"}},
								"err":      map[string]string{"type": "string"},
								"errmsg":   map[string]string{"type": "string"},
							},
						},
					},
					"additionalProperties": true,
				},
			},
			"responses": map[string]any{
				"Envelope":     map[string]any{"description": "Success; the API's fields sit beside params.", "content": jsonContent(ref("#/components/schemas/Envelope"))},
				"Unauthorized": map[string]any{"description": "The token is missing or not valid (TOKEN_* codes); WWW-Authenticate is set.", "content": jsonContent(ref("#/components/schemas/Envelope"))},
				"Forbidden":    map[string]any{"description": "Valid token, but not allowed here (TOKEN_PROFILE, GROUP_NOT_GRANTED, PERMISSION_DENIED, FORBIDDEN).", "content": jsonContent(ref("#/components/schemas/Envelope"))},
			},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func ref(to string) map[string]string { return map[string]string{"$ref": to} }

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}
