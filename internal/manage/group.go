package manage

import (
	"net/http"

	"github.com/keyward/keyward/internal/credential"
)

// handleGroupList answers GET /v1/groups.
func (h *Handler) handleGroupList(w http.ResponseWriter, r *http.Request) {
	groups, err := h.svc.FindGroups(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if groups == nil {
		groups = []*credential.Group{}
	}
	h.ok(w, r, http.StatusOK, map[string]any{"groups": groups})
}

// handleGroupCreate answers POST /v1/groups (admins).
func (h *Handler) handleGroupCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		APIIDs      []string `json:"api_ids"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	g, err := h.svc.CreateGroup(r.Context(), &credential.Group{Name: in.Name, Description: in.Description, APIIDs: in.APIIDs})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusCreated, map[string]any{"group": g})
}

// handleGroupRead answers GET /v1/groups/{name}.
func (h *Handler) handleGroupRead(w http.ResponseWriter, r *http.Request) {
	g, err := h.svc.FindGroupByName(r.Context(), r.PathValue("name"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusOK, map[string]any{"group": g})
}

// handleGroupUpdate answers PATCH /v1/groups/{name} (admins).
func (h *Handler) handleGroupUpdate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Description *string   `json:"description"`
		APIIDs      *[]string `json:"api_ids"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	g, err := h.svc.UpdateGroup(r.Context(), &credential.UpdateGroupParams{Name: r.PathValue("name"), Description: in.Description, APIIDs: in.APIIDs})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusOK, map[string]any{"group": g})
}

// handleGroupDelete answers DELETE /v1/groups/{name} (admins).
func (h *Handler) handleGroupDelete(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteGroup(r.Context(), r.PathValue("name")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.ok(w, r, http.StatusOK, map[string]any{})
}
