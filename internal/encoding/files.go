package encoding

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path/filepath"

	"github.com/keyward/keyward/internal/blob"
	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/errcode"
)

// handleFile serves the signed links of complete answers when the songs
// are stored locally: GET /v3/sl/files/{name}?exp=&sig=. It needs no
// token: the signature is the credential. A bad or expired signature is
// answered 403 in the JSON envelope, a missing file 404. Range requests
// are honoured.
func (s *Service) handleFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	f, err := s.cfg.LocalFiles.OpenLink(name, r.URL.Query())
	switch {
	case errors.Is(err, blob.ErrLinkInvalid):
		envelope.Error(w, r, errcode.Errorf(errcode.Forbidden, "the download link is not valid"))
		return
	case errors.Is(err, blob.ErrLinkExpired):
		envelope.Error(w, r, errcode.Errorf(errcode.Forbidden, "the download link has expired; ask for the job's status again to get a new one"))
		return
	case errors.Is(err, blob.ErrNotFound):
		envelope.Error(w, r, errcode.Errorf(errcode.NotFound, "the file no longer exists"))
		return
	case err != nil:
		envelope.Error(w, r, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		envelope.Error(w, r, fmt.Errorf("encoding: stat %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", contentType(name))
	w.Header().Set("Content-Disposition", "attachment; filename=\""+name+"\"")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=0")
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// contentType is the media type of a stored file, by its extension.
func contentType(name string) string {
	switch ext := filepath.Ext(name); ext {
	case ".wav":
		return "audio/wav"
	case ".flac":
		return "audio/flac"
	default:
		if ct := mime.TypeByExtension(ext); ct != "" {
			return ct
		}
	}
	return "application/octet-stream"
}
