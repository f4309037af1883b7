package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Defaults of [Config].
const (
	DefaultMaxBytes       = 200 << 20
	DefaultTimeout        = 2 * time.Minute
	DefaultConnectTimeout = 10 * time.Second
	DefaultMaxRedirects   = 5
	DefaultUserAgent      = "keyward-fetch/1"
)

// sniffLen is how many leading bytes are read before the content is judged.
const sniffLen = 512

// Format is what the sniffed content is.
type Format string

// Formats the sniffer recognises.
const (
	FormatWAV  Format = "wav"
	FormatFLAC Format = "flac"
	FormatMP3  Format = "mp3"
	FormatOgg  Format = "ogg"
)

// Resolver resolves host names; *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

var _ Resolver = (*net.Resolver)(nil)

// Config configures a [Fetcher].
type Config struct {
	// Allow lists address ranges the guard may reach although they are
	// loopback, private or otherwise refused (the --fetch-allow flag).
	// Default none.
	Allow []netip.Prefix
	// MaxBytes bounds the size of a download. Default [DefaultMaxBytes]
	// (200 MiB).
	MaxBytes int64
	// Timeout bounds a whole download, redirects included. Default
	// [DefaultTimeout] (2 minutes).
	Timeout time.Duration
	// ConnectTimeout bounds each connection attempt. Default
	// [DefaultConnectTimeout].
	ConnectTimeout time.Duration
	// MaxRedirects is how many redirects are followed. Default
	// [DefaultMaxRedirects]; a negative value follows none.
	MaxRedirects int
	// Resolver resolves host names. Default net.DefaultResolver. Tests
	// inject one that answers from a table.
	Resolver Resolver
	// DialContext dials a vetted address (always an IP and a port). Default
	// a net.Dialer. Tests inject one that records the attempt.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// UserAgent is the User-Agent header. Default [DefaultUserAgent].
	UserAgent string
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.MaxRedirects == 0 {
		c.MaxRedirects = DefaultMaxRedirects
	}
	if c.Resolver == nil {
		c.Resolver = net.DefaultResolver
	}
	if c.DialContext == nil {
		c.DialContext = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.MaxBytes < sniffLen:
		return fmt.Errorf("fetch: MaxBytes %d is below %d", c.MaxBytes, sniffLen)
	case c.Timeout < 0:
		return errors.New("fetch: negative Timeout")
	case c.ConnectTimeout < 0:
		return errors.New("fetch: negative ConnectTimeout")
	}
	for _, p := range c.Allow {
		if !p.IsValid() {
			return fmt.Errorf("fetch: invalid allow prefix %v", p)
		}
	}
	return nil
}

// Fetcher downloads audio through the guard. It is safe for concurrent use.
type Fetcher struct {
	cfg    Config
	client *http.Client
	// noRedirect shares client's transport and follows no redirect
	// ([Fetcher.Post]).
	noRedirect *http.Client
}

// New returns a Fetcher for cfg with its defaults filled in.
func New(cfg Config) (*Fetcher, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	for i, p := range cfg.Allow {
		cfg.Allow[i] = p.Masked()
	}
	f := &Fetcher{cfg: cfg}
	tr := &http.Transport{
		Proxy:                 nil, // never a proxy from the environment
		DialContext:           f.dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   cfg.ConnectTimeout,
		ResponseHeaderTimeout: cfg.Timeout,
		DisableCompression:    true, // audio does not compress; never inflate a bomb
	}
	f.client = &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if cfg.MaxRedirects < 0 || len(via) > cfg.MaxRedirects {
				return &Error{Kind: KindRedirects, Message: fmt.Sprintf("the link redirects more than %d times", max(cfg.MaxRedirects, 0))}
			}
			if err := checkURL(req.URL); err != nil {
				return &Error{Kind: KindRedirects, Message: "the link redirects to something that is not an http or https link", Err: err}
			}
			return nil
		},
	}
	f.noRedirect = &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return f, nil
}

// ParseAllow parses CIDR ranges (or single addresses) for [Config.Allow].
func ParseAllow(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("fetch: allow %q: not a CIDR range or address", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Result describes a finished download.
type Result struct {
	// URL is the final link, after redirects.
	URL string
	// Format is the sniffed content.
	Format Format
	// Size is the number of bytes written.
	Size int64
	// ContentType is the server's Content-Type header, for information
	// only: it is never trusted.
	ContentType string
}

// ProgressFunc is told the bytes received so far and the total the server
// announced (-1 when unknown).
type ProgressFunc func(done, total int64)

// Fetch downloads rawURL into w. It sniffs the first bytes before writing
// any, so nothing reaches w when the content is not audio. progress, when
// not nil, is called as data arrives.
//
// The error is an [*Error], or ctx's own error when ctx ended first.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string, w io.Writer, progress ProgressFunc) (*Result, error) {
	req, tctx, cancel, err := f.request(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	defer cancel()
	u := req.URL
	req.Header.Set("Accept", "audio/*, application/octet-stream;q=0.5, */*;q=0.1")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.classify(ctx, tctx, u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, statusError(u, resp.StatusCode)
	}
	if resp.ContentLength > f.cfg.MaxBytes {
		return nil, tooLarge(f.cfg.MaxBytes)
	}
	res := &Result{URL: resp.Request.URL.String(), ContentType: resp.Header.Get("Content-Type")}
	body := io.LimitReader(resp.Body, f.cfg.MaxBytes+1)

	head := make([]byte, sniffLen)
	n, err := io.ReadFull(body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, f.classify(ctx, tctx, u, err)
	}
	head = head[:n]
	format, ok := Sniff(head)
	if !ok {
		return nil, notAudio(head, res.ContentType)
	}
	res.Format = format
	pw := &progressWriter{w: w, fn: progress, total: resp.ContentLength}
	if _, err := pw.Write(head); err != nil {
		return nil, fmt.Errorf("fetch: write: %w", err)
	}
	if _, err := io.Copy(pw, &readErr{r: body}); err != nil {
		if re, ok := errors.AsType[*readError](err); ok {
			return nil, f.classify(ctx, tctx, u, re.err)
		}
		return nil, fmt.Errorf("fetch: write: %w", err)
	}
	if pw.n > f.cfg.MaxBytes {
		return nil, tooLarge(f.cfg.MaxBytes)
	}
	res.Size = pw.n
	if progress != nil {
		progress(pw.n, resp.ContentLength)
	}
	return res, nil
}

// request makes a request to rawURL (checked as [Fetcher.Check] does
// before it resolves anything) bounded by [Config.Timeout]; cancel ends
// the deadline.
func (f *Fetcher) request(ctx context.Context, method, rawURL string, body io.Reader) (_ *http.Request, tctx context.Context, cancel context.CancelFunc, _ error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, nil, &Error{Kind: KindURL, Message: "the link is not a valid URL", Err: err}
	}
	if err := checkURL(u); err != nil {
		return nil, nil, nil, err
	}
	tctx, cancel = context.WithTimeoutCause(ctx, f.cfg.Timeout, errTimeout)
	req, err := http.NewRequestWithContext(tctx, method, u.String(), body)
	if err != nil {
		cancel()
		return nil, nil, nil, &Error{Kind: KindURL, Message: "the link is not a valid URL", Err: err}
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	return req, tctx, cancel, nil
}

// errTimeout is the cause of the download's own deadline.
var errTimeout = errors.New("fetch: download deadline")

// classify turns a transport error into an *Error, or returns the parent
// context's error when the caller cancelled.
func (f *Fetcher) classify(parent, tctx context.Context, u *url.URL, err error) error {
	if fe, ok := errors.AsType[*Error](err); ok {
		return fe
	}
	if parent.Err() != nil {
		return parent.Err()
	}
	if errors.Is(context.Cause(tctx), errTimeout) || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return &Error{Kind: KindTimeout, Temporary: true, Err: err,
			Message: fmt.Sprintf("downloading from %s took longer than %s", u.Host, f.cfg.Timeout)}
	}
	if dnsErr, ok := errors.AsType[*net.DNSError](err); ok {
		return dnsError(u.Hostname(), dnsErr)
	}
	return &Error{Kind: KindNetwork, Temporary: true, Err: err,
		Message: fmt.Sprintf("the connection to %s failed", u.Host)}
}

func isTimeout(err error) bool {
	ne, ok := errors.AsType[net.Error](err)
	return ok && ne.Timeout()
}

// statusError is the error of a non-2xx answer; 408, 429 and 5xx may pass.
func statusError(u *url.URL, code int) *Error {
	return &Error{
		Kind:       KindStatus,
		StatusCode: code,
		Temporary:  code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500,
		Message:    fmt.Sprintf("the server of %s answered %d %s", u.Host, code, http.StatusText(code)),
	}
}

func dnsError(host string, err *net.DNSError) *Error {
	if err.IsNotFound {
		return &Error{Kind: KindDNS, Err: err, Message: fmt.Sprintf("the host name %q does not exist", host)}
	}
	return &Error{Kind: KindDNS, Temporary: true, Err: err, Message: fmt.Sprintf("the host name %q could not be resolved", host)}
}

func tooLarge(limit int64) *Error {
	return &Error{Kind: KindTooLarge, Message: fmt.Sprintf("the file is larger than the limit of %s", formatBytes(limit))}
}

func notAudio(head []byte, contentType string) *Error {
	what := "content that is not audio"
	switch {
	case len(head) == 0:
		what = "an empty file"
	case looksLikeText(head):
		what = "text"
		if bytes.Contains(bytes.ToLower(head), []byte("<html")) || bytes.Contains(bytes.ToLower(head), []byte("<!doctype")) {
			what = "a web page"
		}
	}
	msg := "the link does not point to audio: it returned " + what + "; keyward accepts WAV, FLAC and MP3 files"
	if contentType != "" {
		msg += fmt.Sprintf(" (the server called it %q)", truncate(contentType, 64))
	}
	return &Error{Kind: KindNotAudio, Message: msg}
}

func looksLikeText(b []byte) bool {
	for _, c := range b {
		if c < 0x09 || (c > 0x0d && c < 0x20) {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// checkURL accepts absolute http and https URLs with a host and without
// credentials.
func checkURL(u *url.URL) error {
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return &Error{Kind: KindURL, Message: "the link must start with http:// or https://"}
	case u.Hostname() == "":
		return &Error{Kind: KindURL, Message: "the link has no host"}
	case u.User != nil:
		return &Error{Kind: KindURL, Message: "the link must not carry a user name or password"}
	}
	return nil
}

// Check reports, without connecting, whether Fetch would refuse rawURL
// before downloading anything: a link that is not http or https, a host
// that does not resolve, or one whose every address the guard refuses.
// The error is an [*Error] (or ctx's own error), as Fetch's would be.
// Fetch checks again when it dials, because a name may resolve to another
// address by then (DNS rebinding).
func (f *Fetcher) Check(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return &Error{Kind: KindURL, Message: "the link is not a valid URL", Err: err}
	}
	if err := checkURL(u); err != nil {
		return err
	}
	_, err = f.vet(ctx, u.Hostname())
	return err
}

// vet resolves host (unless it is an address) and returns the addresses
// the guard allows, or an [*Error] when there are none.
func (f *Fetcher) vet(ctx context.Context, host string) ([]netip.Addr, error) {
	a, isAddr, err := hostAddr(host)
	if err != nil {
		return nil, err
	}
	addrs := []netip.Addr{a}
	if !isAddr {
		rctx, cancel := context.WithTimeout(ctx, f.cfg.ConnectTimeout)
		addrs, err = f.cfg.Resolver.LookupNetIP(rctx, "ip", host)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if dnsErr, ok := errors.AsType[*net.DNSError](err); ok {
				return nil, dnsError(host, dnsErr)
			}
			return nil, &Error{Kind: KindDNS, Temporary: true, Err: err, Message: fmt.Sprintf("the host name %q could not be resolved", host)}
		}
		if len(addrs) == 0 {
			return nil, &Error{Kind: KindDNS, Message: fmt.Sprintf("the host name %q has no addresses", host)}
		}
	}
	var vetted []netip.Addr
	for _, a := range addrs {
		if allowed(a, f.cfg.Allow) {
			vetted = append(vetted, a.Unmap())
		}
	}
	if len(vetted) == 0 {
		return nil, &Error{Kind: KindBlocked, Err: fmt.Errorf("%s resolves to %v", host, addrs),
			Message: fmt.Sprintf("the link's host %q is on a private, loopback, link-local or otherwise reserved network, "+
				"which keyward does not download from unless its operator allows the range with --fetch-allow CIDR", host)}
	}
	return vetted, nil
}

// dial resolves addr's host, keeps the addresses the guard allows and dials
// them in turn. It never dials a name, so what was checked is what is
// reached.
func (f *Fetcher) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &Error{Kind: KindURL, Message: "the link's host is malformed", Err: err}
	}
	vetted, err := f.vet(ctx, host)
	if err != nil {
		return nil, err
	}
	var lastErr error
	for _, a := range vetted {
		dctx, cancel := context.WithTimeout(ctx, f.cfg.ConnectTimeout)
		c, err := f.cfg.DialContext(dctx, network, net.JoinHostPort(a.String(), port))
		cancel()
		if err == nil {
			return c, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

// Sniff reports the audio format the leading bytes b announce.
func Sniff(b []byte) (Format, bool) {
	switch {
	case len(b) >= 12 && (bytes.Equal(b[:4], []byte("RIFF")) || bytes.Equal(b[:4], []byte("RF64"))) && bytes.Equal(b[8:12], []byte("WAVE")):
		return FormatWAV, true
	case bytes.HasPrefix(b, []byte("fLaC")):
		return FormatFLAC, true
	case bytes.HasPrefix(b, []byte("ID3")) && len(b) >= 10:
		return FormatMP3, true
	case bytes.HasPrefix(b, []byte("OggS")):
		return FormatOgg, true
	}
	// An MPEG audio stream without a tag: two consecutive valid frame
	// headers, or one at the very start when the sample is too short.
	for i := 0; i+4 <= len(b) && i < 64; i++ {
		if n := mpegFrameLen(b[i:]); n > 0 {
			if i+n+4 <= len(b) {
				if mpegFrameLen(b[i+n:]) > 0 {
					return FormatMP3, true
				}
				continue
			}
			return FormatMP3, i == 0
		}
	}
	return "", false
}

var mp3Bitrates = [2][16]int{
	{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0}, // MPEG-1 Layer III
	{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},     // MPEG-2/2.5 Layer III
}

var mp3Rates = [4][3]int{
	{11025, 12000, 8000},  // MPEG-2.5
	{0, 0, 0},             // reserved
	{22050, 24000, 16000}, // MPEG-2
	{44100, 48000, 32000}, // MPEG-1
}

// mpegFrameLen returns the length of the MPEG Layer III frame whose header
// starts b, or 0 when b does not start with one.
func mpegFrameLen(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return 0
	}
	version := (b[1] >> 3) & 3
	layer := (b[1] >> 1) & 3
	if version == 1 || layer != 1 {
		return 0
	}
	bi := b[2] >> 4
	si := (b[2] >> 2) & 3
	if bi == 0 || bi == 15 || si == 3 {
		return 0
	}
	pad := int(b[2]>>1) & 1
	rate := mp3Rates[version][si]
	if version == 3 {
		return 144*mp3Bitrates[0][bi]*1000/rate + pad
	}
	return 72*mp3Bitrates[1][bi]*1000/rate + pad
}

// progressWriter counts bytes and reports them at most every 64 KiB.
type progressWriter struct {
	w     io.Writer
	fn    ProgressFunc
	total int64
	n     int64
	last  int64
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.n += int64(n)
	if p.fn != nil && (p.n-p.last >= 64<<10 || err != nil) {
		p.last = p.n
		p.fn(p.n, p.total)
	}
	return n, err
}

// readErr marks errors of the body, to tell them from the writer's.
type readErr struct{ r io.Reader }

type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

func (r *readErr) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if err != nil && err != io.EOF {
		err = &readError{err: err}
	}
	return n, err
}
