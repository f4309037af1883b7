package manage

import (
	"net/http"

	"github.com/keyward/keyward/internal/credential"
)

// handleGroupList answers GET /v1/groups.
func (h *Handler) handleGroupList(w http.ResponseWriter, r *http.Request) (int, any, error) {
	groups, err := h.svc.FindGroups(r.Context())
	if err != nil {
		return 0, nil, err
	}
	if groups == nil {
		groups = []*credential.Group{}
	}
	return http.StatusOK, map[string]any{"groups": groups}, nil
}

// handleGroupCreate answers POST /v1/groups (admins).
func (h *Handler) handleGroupCreate(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var in struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		APIIDs      []string `json:"api_ids"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	g, err := h.svc.CreateGroup(r.Context(), &credential.Group{Name: in.Name, Description: in.Description, APIIDs: in.APIIDs})
	return respond(http.StatusCreated, map[string]any{"group": g}, err)
}

// handleGroupRead answers GET /v1/groups/{name}.
func (h *Handler) handleGroupRead(w http.ResponseWriter, r *http.Request) (int, any, error) {
	g, err := h.svc.FindGroupByName(r.Context(), r.PathValue("name"))
	return respond(http.StatusOK, map[string]any{"group": g}, err)
}

// handleGroupUpdate answers PATCH /v1/groups/{name} (admins).
func (h *Handler) handleGroupUpdate(w http.ResponseWriter, r *http.Request) (int, any, error) {
	var in struct {
		Description *string   `json:"description"`
		APIIDs      *[]string `json:"api_ids"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	g, err := h.svc.UpdateGroup(r.Context(), &credential.UpdateGroupParams{Name: r.PathValue("name"), Description: in.Description, APIIDs: in.APIIDs})
	return respond(http.StatusOK, map[string]any{"group": g}, err)
}

// handleGroupDelete answers DELETE /v1/groups/{name} (admins).
func (h *Handler) handleGroupDelete(w http.ResponseWriter, r *http.Request) (int, any, error) {
	return respond(http.StatusOK, map[string]any{}, h.svc.DeleteGroup(r.Context(), r.PathValue("name")))
}
