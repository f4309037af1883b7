// Package openapi builds the OpenAPI 3.1 document keyward serves at
// /openapi.json from the same endpoints ([auth.Endpoint]) the server
// registers, so the document cannot drift from what the server does.
package openapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/token"
)

var paramRE = regexp.MustCompile(`\{([a-zA-Z_]+)(\.\.\.)?\}`)

// anyMethod are the methods an endpoint without a method is listed under.
var anyMethod = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// Document returns the OpenAPI document of eps as JSON. An endpoint whose
// pattern has no method is listed under GET, POST, PUT, PATCH and DELETE.
// The operationId is the endpoint's ID; where one ID names several
// operations (an endpoint without a method, a gateway route and the paths
// below it), the later ones get the method and then a number appended, so
// that every operationId is unique.
func Document(title, version string, eps []auth.Endpoint) ([]byte, error) {
	paths := map[string]map[string]any{}
	used := map[string]int{}
	for i := range eps {
		op := &eps[i]
		method, path := op.Split()
		if !strings.HasPrefix(path, "/") {
			return nil, fmt.Errorf("openapi: endpoint %q: pattern %q has no path", op.ID, op.Pattern)
		}
		methods := []string{method}
		if method == "" {
			methods = anyMethod
		}
		path = docPath(path)
		item := paths[path]
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		for _, m := range methods {
			id := op.ID
			if method == "" {
				id += "." + strings.ToLower(m)
			}
			if used[id]++; used[id] > 1 {
				id += "." + strconv.Itoa(used[id])
			}
			item[strings.ToLower(m)] = operation(op, m, path, id)
		}
	}
	var tags []string
	seen := map[string]bool{}
	for _, op := range eps {
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
				"with the API's own fields beside params. Every error code and its status is in the README's table of error codes.",
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

// operation returns the operation object of ep under method.
func operation(ep *auth.Endpoint, method, path, id string) map[string]any {
	o := map[string]any{
		"operationId": id,
		"summary":     ep.Summary,
		"responses": map[string]any{
			"200": ref("#/components/responses/Envelope"),
			"default": map[string]any{
				"description": "An error: params.status is \"failed\", params.err the code, params.errmsg the reason.",
				"content":     jsonContent(ref("#/components/schemas/Envelope")),
			},
		},
	}
	if ep.Tag != "" {
		o["tags"] = []string{ep.Tag}
	}
	var params []any
	for _, m := range paramRE.FindAllStringSubmatch(path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
	}
	if len(params) > 0 {
		o["parameters"] = params
	}
	profiles := ep.Tokens
	if ep.Policy != nil {
		profiles = ep.Policy.Profiles
		o["description"] = policyText(ep.Policy)
	} else if profiles != 0 {
		o["description"] = "Accepts " + profiles.String() + " tokens, which the endpoint checks itself."
	}
	if profiles != 0 {
		var sec []any
		if profiles.Has(token.Request) {
			sec = append(sec, map[string][]string{"requestToken": {}})
		}
		if profiles&^token.ProfileSet(token.Request) != 0 {
			sec = append(sec, map[string][]string{"bearer": {}})
		}
		o["security"] = sec
		o["responses"].(map[string]any)["401"] = ref("#/components/responses/Unauthorized")
		o["responses"].(map[string]any)["403"] = ref("#/components/responses/Forbidden")
	}
	if method == http.MethodPost || method == http.MethodPatch || method == http.MethodPut {
		o["requestBody"] = map[string]any{
			"required": false,
			"content":  jsonContent(map[string]any{"type": "object"}),
		}
	}
	return o
}

// policyText says in words what p asks of a token.
func policyText(p *auth.Route) string {
	desc := "Accepts " + p.Profiles.String() + " tokens."
	if p.Group != "" {
		desc += " API group: " + p.Group + "."
	}
	if p.AdminOnly {
		desc += " Admin credentials only."
	}
	if len(p.Roles) > 0 {
		desc += " App-token roles: " + strings.Join(p.Roles, ", ") + "."
	}
	if p.Permission != "" {
		desc += " Apikey permission: " + p.Permission + "."
	}
	if p.SingleUse {
		desc += " A request token works once here: a replay is refused with TOKEN_REPLAYED."
	}
	return desc
}

// docPath turns a ServeMux path into an OpenAPI path: "{name...}" becomes
// "{name}", a trailing "{$}" goes, and a trailing "/" (a subtree) becomes
// "/{path}".
func docPath(path string) string {
	path = strings.TrimSuffix(path, "{$}")
	if strings.HasSuffix(path, "/") && path != "/" {
		path += "{path}"
	}
	return paramRE.ReplaceAllString(path, "{$1}")
}

// Endpoint returns the endpoint GET /openapi.json, which serves the
// document of eps and of itself.
func Endpoint(title, version string, eps []auth.Endpoint) (auth.Endpoint, error) {
	ep := auth.Endpoint{ID: "keyward.openapi", Pattern: "GET /openapi.json", Summary: "This document", Tag: "operations"}
	doc, err := Document(title, version, append(slices.Clip(eps), ep))
	if err != nil {
		return ep, err
	}
	ep.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(doc)
	})
	return ep, nil
}

func ref(to string) map[string]string { return map[string]string{"$ref": to} }

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}
