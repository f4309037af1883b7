package encoding

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/internal/fetch"
	"github.com/keyward/keyward/internal/watermark"
)

// maxArtist bounds the artist's name, in characters.
const maxArtist = 200

// params reads the caller's parameters: arg (request profile) or the query
// string (qsh profile). Values must be strings.
func params(c Caller) (map[string]string, error) {
	out := map[string]string{}
	if arg := bytes.TrimSpace(c.Arg); len(arg) > 0 && !bytes.Equal(arg, []byte("null")) {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(arg, &raw); err != nil {
			return nil, errcode.Errorf(errcode.BadRequest, "arg must be a JSON object")
		}
		for k, v := range raw {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, errcode.Errorf(errcode.BadRequest, "arg.%s must be a string", k)
			}
			out[k] = s
		}
		return out, nil
	}
	for k, vs := range c.Query {
		if len(vs) > 0 {
			out[k] = vs[0]
		}
	}
	return out, nil
}

// caller returns the verified caller and its parameters, or writes the
// error response.
func (s *Service) caller(w http.ResponseWriter, r *http.Request, api string) (Caller, map[string]string, bool) {
	c, ok := s.cfg.CallerFunc(r)
	if !ok {
		s.writeError(w, r, api, errcode.Errorf(errcode.Unauthorized, "no verified credential"))
		return Caller{}, nil, false
	}
	p, err := params(c)
	if err != nil {
		s.writeError(w, r, api, err)
		return Caller{}, nil, false
	}
	return c, p, true
}

func (s *Service) writeError(w http.ResponseWriter, r *http.Request, api string, err error) {
	if envelope.MetaFromContext(r.Context()) == nil {
		r = r.WithContext(envelope.NewContext(r.Context(), &envelope.Meta{ID: api, Logger: s.log}))
	}
	envelope.Error(w, r, err)
}

// checkSrc checks that src is an absolute http(s) link.
func checkSrc(src string) error {
	if src == "" {
		return errcode.Errorf(errcode.BadRequest, "src is required: the http or https link of the song")
	}
	u, err := url.Parse(src)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errcode.Errorf(errcode.BadRequest, "src must be an http or https link")
	}
	if len(src) > 4096 {
		return errcode.Errorf(errcode.BadRequest, "src is longer than 4096 characters")
	}
	return nil
}

// startResponse is the answer of POST /v3/sl/encoding.
type startResponse struct {
	Query   string `json:"query"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// handleStart serves POST /v3/sl/encoding: arg {src, artist} → {query}.
func (s *Service) handleStart(w http.ResponseWriter, r *http.Request) {
	c, p, ok := s.caller(w, r, APIStart)
	if !ok {
		return
	}
	src := strings.TrimSpace(p["src"])
	artist := strings.TrimSpace(p["artist"])
	if err := checkSrc(src); err != nil {
		s.writeError(w, r, APIStart, err)
		return
	}
	switch {
	case artist == "":
		s.writeError(w, r, APIStart, errcode.Errorf(errcode.BadRequest, "artist is required: the name of the song's artist"))
		return
	case utf8.RuneCountInString(artist) > maxArtist:
		s.writeError(w, r, APIStart, errcode.Errorf(errcode.BadRequest, "artist must be valid text of at most %d characters", maxArtist))
		return
	}
	if err := credential.ValidateLine("artist", artist); err != nil {
		s.writeError(w, r, APIStart, errcode.Errorf(errcode.BadRequest, "%s", credential.ErrorMessage(err)))
		return
	}
	// Refuse at once what the download would refuse before connecting (a
	// blocked network, a host that does not exist), with detect's error.
	// The job's download checks again: a name may resolve elsewhere later.
	// A temporary DNS failure is left to the job, which retries.
	if err := s.cfg.Fetcher.Check(r.Context(), src); err != nil {
		if fe, ok := errors.AsType[*fetch.Error](err); !ok || !fe.Temporary {
			s.writeError(w, r, APIStart, downloadError(err))
			return
		}
	}
	query, err := s.startJob(r.Context(), c, src, artist)
	if err != nil {
		s.writeError(w, r, APIStart, err)
		return
	}
	envelope.Write(w, r, http.StatusOK, APIStart, startResponse{Query: query, Status: StatusProcessing, Message: StageQueued})
}

// startJob records a job and enqueues it in one transaction.
func (s *Service) startJob(ctx context.Context, c Caller, src, artist string) (string, error) {
	query := newQuery()
	j := &job{ID: newJobID(), CredentialID: c.CredentialID, Src: src, Artist: artist, SoundLink: newSoundLink().String()}
	if err := s.db.create(ctx, j, query, c.Key); err != nil {
		return "", err
	}
	s.log.Info("encoding: job started", "job", j.ID, "credential", c.CredentialID)
	return query, nil
}

// queryResponse is the answer of POST /v3/sl/query.
type queryResponse struct {
	Status    string   `json:"status"`
	Message   string   `json:"message"`
	Job       string   `json:"job"`
	Stage     string   `json:"stage,omitempty"`
	Progress  *float64 `json:"progress,omitempty"`
	URL       string   `json:"url,omitempty"`
	Expires   string   `json:"expires,omitempty"`
	SoundLink string   `json:"soundlink,omitempty"`
	Artist    string   `json:"artist,omitempty"`
	Duration  float64  `json:"duration,omitempty"`
	Format    string   `json:"format,omitempty"`
	Rate      int64    `json:"sample_rate,omitempty"`
	Channels  int64    `json:"channels,omitempty"`
	Size      int64    `json:"size,omitempty"`
	Timings   *timings `json:"timings,omitempty"`
}

// handleQuery serves POST /v3/sl/query: arg {query} → {status, message, …}.
func (s *Service) handleQuery(w http.ResponseWriter, r *http.Request) {
	c, p, ok := s.caller(w, r, APIQuery)
	if !ok {
		return
	}
	q := strings.TrimSpace(p["query"])
	if q == "" {
		s.writeError(w, r, APIQuery, errcode.Errorf(errcode.BadRequest, "query is required: the query credential that starting the job returned"))
		return
	}
	j, err := s.db.byQuery(r.Context(), q, c.CredentialID)
	if errors.Is(err, errNoJob) {
		s.writeError(w, r, APIQuery, errcode.Errorf(errcode.NotFound, "no job has this query credential"))
		return
	}
	if err != nil {
		s.writeError(w, r, APIQuery, err)
		return
	}
	resp, err := s.describe(r.Context(), j)
	if err != nil {
		s.writeError(w, r, APIQuery, err)
		return
	}
	envelope.Write(w, r, http.StatusOK, APIQuery, resp)
}

// describe renders a job for a query answer.
func (s *Service) describe(ctx context.Context, j *job) (*queryResponse, error) {
	resp := &queryResponse{Status: j.Status, Message: j.Message, Job: j.ID}
	switch j.Status {
	case StatusProcessing:
		p := math.Round(j.Progress*1000) / 1000
		resp.Stage, resp.Progress = j.Stage, &p
		resp.Message = processingMessage(j)
	case StatusComplete:
		link, err := s.cfg.Blob.SignedURL(ctx, j.BlobName, s.cfg.LinkTTL)
		if err != nil {
			return nil, fmt.Errorf("encoding: sign link: %w", err)
		}
		resp.URL = link
		resp.Expires = s.cfg.NowFunc().Add(s.cfg.LinkTTL).UTC().Format(time.RFC3339)
		resp.SoundLink, resp.Artist, resp.Format = j.SoundLink, j.Artist, j.Format
		resp.Duration = float64(j.DurationMS) / 1000
		resp.Rate, resp.Channels, resp.Size = j.SampleRate, j.Channels, j.Size
		resp.Timings = &j.Timings
	}
	return resp, nil
}

// processingMessage says where a processing job is, e.g. "downloading: 42%".
func processingMessage(j *job) string {
	msg := j.Stage
	if j.Stage != StageQueued {
		msg = fmt.Sprintf("%s: %d%%", j.Stage, int(j.Progress*100))
	}
	if j.Message != "" {
		msg += " (" + j.Message + ")"
	}
	return msg
}

// downloadError turns a refused or failed download into the envelope error
// the caller sees; other errors pass through.
func downloadError(err error) error {
	fe, ok := errors.AsType[*fetch.Error](err)
	if !ok {
		return err
	}
	code := errcode.BadRequest
	switch {
	case fe.Kind == fetch.KindTimeout:
		code = errcode.GatewayTimeout
	case fe.Temporary:
		code = errcode.BadGateway
	}
	return errcode.Errorf(code, "the audio could not be downloaded: %s", fe.Message)
}

// detectResponse is the answer of POST /v3/sl/detect.
type detectResponse struct {
	Found     bool           `json:"found"`
	Message   string         `json:"message"`
	SoundLink *detectedLink  `json:"soundlink,omitempty"`
	Others    []detectedLink `json:"others,omitempty"`
}

// detectedLink is one sound link found.
type detectedLink struct {
	ID         string  `json:"id"`
	Artist     string  `json:"artist"`
	Job        string  `json:"job"`
	Confidence float64 `json:"confidence"`
	Offset     float64 `json:"offset"`
	Registered bool    `json:"registered"`
}

// handleDetect serves POST /v3/sl/detect: arg {src} → the sound link found.
func (s *Service) handleDetect(w http.ResponseWriter, r *http.Request) {
	_, p, ok := s.caller(w, r, APIDetect)
	if !ok {
		return
	}
	src := strings.TrimSpace(p["src"])
	if err := checkSrc(src); err != nil {
		s.writeError(w, r, APIDetect, err)
		return
	}
	resp, err := s.Detect(r.Context(), src)
	if err != nil {
		s.writeError(w, r, APIDetect, err)
		return
	}
	envelope.Write(w, r, http.StatusOK, APIDetect, resp)
}

// Detect downloads src through the guard and looks for sound links in it.
// Errors are envelope errors with a message for the caller.
func (s *Service) Detect(ctx context.Context, src string) (*detectResponse, error) {
	f, err := s.tempFile("detect-")
	if err != nil {
		return nil, fmt.Errorf("encoding: temp file: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	res, err := s.cfg.Fetcher.Fetch(ctx, src, f, nil)
	if err != nil {
		return nil, downloadError(err)
	}
	if res.Format == fetch.FormatOgg {
		return nil, errcode.Errorf(errcode.BadRequest, "the file is Ogg, which keyward cannot decode yet; send WAV, FLAC or MP3")
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, err
	}
	buf, err := audio.Decode(f, audio.Format(res.Format), audio.Limits{MaxDuration: s.cfg.MaxDetectDuration})
	if err != nil {
		var je *jobError
		if errors.As(decodeError(err, s.cfg.MaxDetectDuration), &je) {
			return nil, errcode.Errorf(errcode.BadRequest, "%s", je.msg)
		}
		return nil, err
	}
	results, err := s.cfg.Marker.Detect(buf.Data, buf.Rate)
	if err != nil {
		if errors.Is(err, watermark.ErrInput) || errors.Is(err, watermark.ErrTooShort) {
			return nil, errcode.Errorf(errcode.BadRequest, "the audio is too short or malformed to look for a sound link")
		}
		return nil, fmt.Errorf("encoding: detect: %w", err)
	}
	if len(results) == 0 {
		return &detectResponse{Found: false, Message: "no sound link found in this audio"}, nil
	}
	resp := &detectResponse{Found: true}
	for i, res := range results {
		d := detectedLink{ID: res.ID.String(), Confidence: math.Round(res.Confidence*1000) / 1000, Offset: res.Offset.Seconds()}
		var err error
		if d.Artist, d.Job, d.Registered, err = s.db.soundLink(ctx, d.ID); err != nil {
			return nil, err
		}
		if i == 0 {
			resp.SoundLink = &d
		} else {
			resp.Others = append(resp.Others, d)
		}
	}
	resp.Message = "sound link " + resp.SoundLink.ID + " found"
	if resp.SoundLink.Registered {
		resp.Message += " (" + resp.SoundLink.Artist + ")"
	} else {
		resp.Message += ", but no job of this server made it"
	}
	return resp, nil
}
