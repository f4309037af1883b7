package fetch

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

// maxAnswer bounds how much of a POST's answer [Fetcher.Post] keeps.
const maxAnswer = 512

// PostResult is what the receiver of a [Fetcher.Post] answered.
type PostResult struct {
	// StatusCode is the answer's status, 2xx.
	StatusCode int
	// Body is the start of the answer's body (at most 512 bytes).
	Body []byte
}

// Post sends body to rawURL with POST through the same guard as
// [Fetcher.Fetch] (the address checks, [Config.Allow], [Config.Timeout],
// no proxy). It follows no redirect: a 3xx is an answer like any other
// non-2xx, a [KindStatus] error. header is added to the request; the
// Content-Type defaults to application/json.
//
// The error is an [*Error], or ctx's own error when ctx ended first.
func (f *Fetcher) Post(ctx context.Context, rawURL string, header http.Header, body []byte) (*PostResult, error) {
	req, tctx, cancel, err := f.request(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer cancel()
	for k, vs := range header {
		req.Header[k] = vs
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.noRedirect.Do(req)
	if err != nil {
		return nil, f.classify(ctx, tctx, req.URL, err)
	}
	defer resp.Body.Close()
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, f.classify(ctx, tctx, req.URL, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, statusError(req.URL, resp.StatusCode)
	}
	return &PostResult{StatusCode: resp.StatusCode, Body: head}, nil
}
