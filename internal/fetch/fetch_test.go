package fetch_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/fetch"
	"github.com/keyward/keyward/internal/fetch/fetchtest"
)

// publicIP is what the fake resolver answers for the test's "public" host;
// the fake dialer sends connections for it to the loopback test server. No
// packet ever leaves loopback.
const publicIP = "93.184.216.34"

// wavHeader returns a minimal RIFF/WAVE stream of n bytes of silence.
func wavBytes(n int) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+n))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(16000), uint16(2), uint16(16)})
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(n))
	b.Write(make([]byte, n))
	return b.Bytes()
}

type testBundle struct {
	fetcher *fetch.Fetcher
	net     *fetchtest.Net
	srv     *httptest.Server
	base    string // http://song.test:PORT
}

func setup(t *testing.T, mutate func(*fetch.Config)) *testBundle {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/song.wav", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain") // a lie: content is sniffed
		w.Write(wavBytes(4000))
	})
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg") // a lie the other way
		io.WriteString(w, "<!DOCTYPE html><html><body>Not found, but 200</body></html>")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write(wavBytes(64 << 10))
	})
	mux.HandleFunc("/big-chunked", func(w http.ResponseWriter, r *http.Request) {
		b := wavBytes(64 << 10)
		w.Write(b[:100])
		w.(http.Flusher).Flush()
		w.Write(b[100:])
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	mux.HandleFunc("POST /hook", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", r.Header.Get("Content-Type"), r.Header.Get("X-Test"), b)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	fn := &fetchtest.Net{
		Route: map[string]string{publicIP: srv.Listener.Addr().String()},
		LookupFunc: func(host string) ([]netip.Addr, error, bool) {
			if host == "flaky.test" {
				return nil, &net.DNSError{Err: "server misbehaving", Name: host, IsTemporary: true}, true
			}
			return nil, nil, false
		},
		Hosts: map[string][]netip.Addr{
			"song.test":     {netip.MustParseAddr(publicIP)},
			"meta.test":     {netip.MustParseAddr("169.254.169.254")},
			"private.test":  {netip.MustParseAddr("10.1.2.3")},
			"local.test":    {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")},
			"mapped.test":   {netip.MustParseAddr("::ffff:127.0.0.1")},
			"nat64.test":    {netip.MustParseAddr("64:ff9b::a9fe:a9fe")},
			"ula.test":      {netip.MustParseAddr("fd00:ec2::254")},
			"cgnat.test":    {netip.MustParseAddr("100.100.100.200")},
			"mixed.test":    {netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr(publicIP)},
			"nowhere.test":  {},
			"multicas.test": {netip.MustParseAddr("224.0.0.1")},
		},
	}
	cfg := fetch.Config{
		Resolver:    fn,
		DialContext: fn.DialContext,
		Timeout:     5 * time.Second,
		MaxBytes:    32 << 10,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	f, err := fetch.New(cfg)
	if err != nil {
		t.Fatalf("fetch.New: %v", err)
	}
	return &testBundle{fetcher: f, net: fn, srv: srv, base: "http://song.test:" + port}
}

func TestFetch(t *testing.T) {
	t.Parallel()

	t.Run("Success", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		var buf bytes.Buffer
		var calls int
		res, err := b.fetcher.Fetch(context.Background(), b.base+"/song.wav", &buf, func(done, total int64) { calls++ })
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if res.Format != fetch.FormatWAV || res.Size != int64(buf.Len()) || buf.Len() != len(wavBytes(4000)) {
			t.Fatalf("Fetch = %+v (%d bytes), want wav of %d bytes", res, buf.Len(), len(wavBytes(4000)))
		}
		if got := b.net.Dialed(); len(got) != 1 || !strings.HasPrefix(got[0], publicIP+":") {
			t.Fatalf("dialled %v, want the vetted address %s only", got, publicIP)
		}
		if calls == 0 {
			t.Errorf("progress never called")
		}
	})

	t.Run("MixedRecordsDialOnlyPublic", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		url := strings.Replace(b.base, "song.test", "mixed.test", 1) + "/song.wav"
		if _, err := b.fetcher.Fetch(context.Background(), url, io.Discard, nil); err != nil {
			t.Fatalf("Fetch(%s): %v", url, err)
		}
		for _, a := range b.net.Dialed() {
			if strings.HasPrefix(a, "10.") {
				t.Fatalf("dialled private address %s", a)
			}
		}
	})

	failures := []struct {
		name      string
		path      string // appended to base, or a whole URL when it has a scheme
		mutate    func(*fetch.Config)
		want      error
		temporary bool
		message   string
	}{
		{name: "NotFound", path: "/gone", want: fetch.ErrStatus, message: "404 Not Found"},
		{name: "ServiceUnavailable", path: "/busy", want: fetch.ErrStatus, temporary: true, message: "503"},
		{name: "NotAudio", path: "/page", want: fetch.ErrNotAudio, message: "a web page"},
		{name: "TooLargeDeclared", path: "/big", want: fetch.ErrTooLarge, message: "32 KiB"},
		{name: "TooLargeChunked", path: "/big-chunked", want: fetch.ErrTooLarge},
		{name: "Timeout", path: "/slow", mutate: func(c *fetch.Config) { c.Timeout = 200 * time.Millisecond }, want: fetch.ErrTimeout, temporary: true, message: "took longer than"},
		{name: "DNSNotFound", path: "http://missing.test/song.wav", want: fetch.ErrDNS, message: "does not exist"},
		{name: "DNSTemporary", path: "http://flaky.test/song.wav", want: fetch.ErrDNS, temporary: true},
		{name: "DNSNoAddresses", path: "http://nowhere.test/song.wav", want: fetch.ErrDNS},
		{name: "MetadataName", path: "http://meta.test/latest/meta-data/", want: fetch.ErrBlocked, message: "--fetch-allow CIDR"},
		{name: "MetadataLiteral", path: "http://169.254.169.254/latest/meta-data/", want: fetch.ErrBlocked},
		{name: "PrivateName", path: "http://private.test/song.wav", want: fetch.ErrBlocked},
		{name: "LoopbackName", path: "http://local.test/song.wav", want: fetch.ErrBlocked},
		{name: "LoopbackLiteral", path: "http://127.0.0.1/song.wav", want: fetch.ErrBlocked},
		{name: "LoopbackV6Literal", path: "http://[::1]:80/song.wav", want: fetch.ErrBlocked},
		{name: "MappedV6", path: "http://mapped.test/song.wav", want: fetch.ErrBlocked},
		{name: "MappedV6Literal", path: "http://[::ffff:7f00:1]/song.wav", want: fetch.ErrBlocked},
		{name: "NAT64Metadata", path: "http://nat64.test/", want: fetch.ErrBlocked},
		{name: "ULAMetadata", path: "http://ula.test/", want: fetch.ErrBlocked},
		{name: "CGNAT", path: "http://cgnat.test/", want: fetch.ErrBlocked},
		{name: "Multicast", path: "http://multicas.test/", want: fetch.ErrBlocked},
		{name: "RedirectToMetadata", path: "/redirect?to=http://169.254.169.254/latest/", want: fetch.ErrBlocked},
		{name: "RedirectToPrivateName", path: "/redirect?to=http://private.test/x.wav", want: fetch.ErrBlocked},
		{name: "RedirectToFile", path: "/redirect?to=file:///etc/passwd", want: fetch.ErrRedirects},
		{name: "RedirectLoop", path: "/loop", want: fetch.ErrRedirects},
		{name: "NoRedirects", path: "/redirect?to=/song.wav", mutate: func(c *fetch.Config) { c.MaxRedirects = -1 }, want: fetch.ErrRedirects},
		{name: "SchemeFTP", path: "ftp://song.test/song.wav", want: fetch.ErrURL},
		{name: "SchemeFile", path: "file:///etc/passwd", want: fetch.ErrURL},
		{name: "UserInfo", path: "http://user:pw@song.test/song.wav", want: fetch.ErrURL},
		{name: "Relative", path: "song.wav", want: fetch.ErrURL},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.mutate)
			url := tt.path
			if !strings.Contains(url, ":") || strings.HasPrefix(url, "/") {
				url = b.base + tt.path
			}
			var buf bytes.Buffer
			_, err := b.fetcher.Fetch(context.Background(), url, &buf, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Fetch(%s) = %v, want %v", url, err, tt.want)
			}
			fe, ok := errors.AsType[*fetch.Error](err)
			if !ok {
				t.Fatalf("Fetch(%s) = %T, want *fetch.Error", url, err)
			}
			if fe.Temporary != tt.temporary {
				t.Errorf("Fetch(%s).Temporary = %v, want %v", url, fe.Temporary, tt.temporary)
			}
			if !strings.Contains(fe.Message, tt.message) {
				t.Errorf("Fetch(%s).Message = %q, want it to contain %q", url, fe.Message, tt.message)
			}
			if tt.want == fetch.ErrNotAudio && buf.Len() != 0 {
				t.Errorf("Fetch(%s) wrote %d bytes of non-audio", url, buf.Len())
			}
			for _, a := range b.net.Dialed() {
				if !strings.HasPrefix(a, publicIP+":") {
					t.Errorf("Fetch(%s) dialled %s; only %s may be dialled", url, a, publicIP)
				}
			}
		})
	}

	t.Run("AllowListReachesLoopback", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(c *fetch.Config) {
			c.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
			c.DialContext = nil // the real dialer, to the loopback test server
			c.Resolver = nil
		})
		url := b.srv.URL + "/song.wav"
		if _, err := b.fetcher.Fetch(context.Background(), url, io.Discard, nil); err != nil {
			t.Fatalf("Fetch(%s) with 127.0.0.0/8 allowed: %v", url, err)
		}
	})

	t.Run("ParentCancelled", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := b.fetcher.Fetch(ctx, b.base+"/slow", io.Discard, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Fetch after cancel = %v, want context.Canceled", err)
		}
	})
}

func TestAllowed(t *testing.T) {
	t.Parallel()
	allow := []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}
	tests := []struct {
		addr string
		want bool
	}{
		{"93.184.216.34", true},
		{"8.8.8.8", true},
		{"2606:4700::1111", true},
		{"64:ff9b::808:808", true}, // NAT64 of 8.8.8.8
		{"2002:808:808::1", true},  // 6to4 of 8.8.8.8
		{"10.9.1.1", true},         // allow list
		{"::ffff:10.9.1.1", true},  // allow list, mapped
		{"10.8.1.1", false},
		{"127.0.0.1", false},
		{"127.255.255.254", false},
		{"0.0.0.0", false},
		{"169.254.169.254", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"100.64.0.1", false},
		{"100.127.255.255", false},
		{"192.0.0.170", false},
		{"198.18.0.1", false},
		{"224.0.0.251", false},
		{"255.255.255.255", false},
		{"::", false},
		{"::1", false},
		{"::127.0.0.1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:169.254.169.254", false},
		{"64:ff9b::7f00:1", false},
		{"2002:7f00:1::1", false},
		{"2002:a9fe:a9fe::", false},
		{"fc00::1", false},
		{"fd00:ec2::254", false},
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"ff02::1", false},
		{"2001:db8::1", false},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", false},
	}
	for _, tt := range tests {
		if got := fetch.Allowed(netip.MustParseAddr(tt.addr), allow); got != tt.want {
			t.Errorf("Allowed(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	frame := []byte{0xFF, 0xFB, 0x90, 0x64} // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: 417 bytes
	twoFrames := append(append(append([]byte{}, frame...), make([]byte, 413)...), frame...)
	tests := []struct {
		name string
		in   []byte
		want fetch.Format
		ok   bool
	}{
		{"WAV", wavBytes(10), fetch.FormatWAV, true},
		{"FLAC", []byte("fLaC\x00\x00\x00\x22"), fetch.FormatFLAC, true},
		{"ID3", []byte("ID3\x04\x00\x00\x00\x00\x00\x00rest"), fetch.FormatMP3, true},
		{"MPEGFrames", twoFrames, fetch.FormatMP3, true},
		{"MPEGFrameAfterJunk", append([]byte{0, 0, 0}, twoFrames...), fetch.FormatMP3, true},
		{"Ogg", []byte("OggS\x00\x02"), fetch.FormatOgg, true},
		{"HTML", []byte("<html>"), "", false},
		{"RIFFNotWave", []byte("RIFF\x00\x00\x00\x00AVI LIST"), "", false},
		{"Empty", nil, "", false},
		{"FalseSync", append([]byte{0xFF, 0xFB, 0x90, 0x64}, bytes.Repeat([]byte{1}, 600)...), "", false},
	}
	for _, tt := range tests {
		got, ok := fetch.Sniff(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Sniff(%s) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseAllow(t *testing.T) {
	t.Parallel()
	got, err := fetch.ParseAllow([]string{"127.0.0.0/8", " ::1 ", "10.1.2.3/8", ""})
	if err != nil {
		t.Fatalf("ParseAllow: %v", err)
	}
	want := []string{"127.0.0.0/8", "::1/128", "10.0.0.0/8"}
	if len(got) != len(want) {
		t.Fatalf("ParseAllow = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("ParseAllow[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if _, err := fetch.ParseAllow([]string{"example.com"}); err == nil {
		t.Errorf("ParseAllow(example.com) succeeded, want an error")
	}
}

// numericHosts are IPv4 addresses written the ways inet_aton and browsers
// read them (one to four parts, each decimal, octal with a leading 0 or hex
// with 0x, the last filling the remaining bytes; one trailing dot), and the
// address each means.
var numericHosts = []struct{ host, addr string }{
	{"127.1", "127.0.0.1"},
	{"127.0.1", "127.0.0.1"},
	{"0x7f000001", "127.0.0.1"},
	{"0X7F000001", "127.0.0.1"},
	{"2130706433", "127.0.0.1"},
	{"0177.0.0.1", "127.0.0.1"},
	{"017700000001", "127.0.0.1"},
	{"0x7f.1", "127.0.0.1"},
	{"0x7f.0x0.0x0.0x1", "127.0.0.1"},
	{"127.0.0.1.", "127.0.0.1"},
	{"127.1.", "127.0.0.1"},
	{"0", "0.0.0.0"},
	{"0x", "0.0.0.0"},
	{"10.1", "10.0.0.1"},
	{"0xa9fea9fe", "169.254.169.254"},
	{"169.254.43518", "169.254.169.254"},
	{"0251.0376.0251.0376", "169.254.169.254"},
	{"192.168.0x1.1", "192.168.1.1"},
}

// TestNumericHosts checks that a host written as a number is judged as the
// address it means, and never sent to the resolver.
func TestNumericHosts(t *testing.T) {
	t.Parallel()
	for _, tt := range numericHosts {
		t.Run(tt.host, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil)
			url := "http://" + tt.host + "/song.wav"
			err := b.fetcher.Check(context.Background(), url)
			if !errors.Is(err, fetch.ErrBlocked) {
				t.Errorf("Check(%s) = %v, want %v (%s)", url, err, fetch.ErrBlocked, tt.addr)
			}
			_, err = b.fetcher.Fetch(context.Background(), url, io.Discard, nil)
			if !errors.Is(err, fetch.ErrBlocked) {
				t.Errorf("Fetch(%s) = %v, want %v (%s)", url, err, fetch.ErrBlocked, tt.addr)
			}
			if got := b.net.Lookups(); len(got) != 0 {
				t.Errorf("Fetch(%s) asked the resolver for %q; a numeric host is an address", url, got)
			}
			if got := b.net.Dialed(); len(got) != 0 {
				t.Errorf("Fetch(%s) dialled %v", url, got)
			}
		})
	}

	t.Run("AllowedNumericDialsTheAddress", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(c *fetch.Config) { c.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
		for _, host := range []string{"127.1", "0x7f000001", "2130706433", "0177.0.0.1", "127.0.0.1."} {
			url := "http://" + host + ":8123/song.wav"
			if err := b.fetcher.Check(context.Background(), url); err != nil {
				t.Errorf("Check(%s) with 127.0.0.0/8 allowed = %v", url, err)
			}
			b.fetcher.Fetch(context.Background(), url, io.Discard, nil) // the test dialer refuses: no packet is sent
		}
		for _, a := range b.net.Dialed() {
			if a != "127.0.0.1:8123" {
				t.Errorf("dialled %s, want 127.0.0.1:8123", a)
			}
		}
		if got := b.net.Lookups(); len(got) != 0 {
			t.Errorf("asked the resolver for %q", got)
		}
	})

	t.Run("PublicNumeric", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		_, port, _ := net.SplitHostPort(b.srv.Listener.Addr().String())
		url := "http://0x5db8d822:" + port + "/song.wav" // 93.184.216.34
		if _, err := b.fetcher.Fetch(context.Background(), url, io.Discard, nil); err != nil {
			t.Fatalf("Fetch(%s): %v", url, err)
		}
		if got := b.net.Dialed(); len(got) != 1 || got[0] != publicIP+":"+port {
			t.Errorf("dialled %v, want %s:%s", got, publicIP, port)
		}
	})

	// A host whose last label is a number is an address or nothing: it is
	// never looked up as a name.
	for _, host := range []string{"256.1.1.1", "1.2.3.4.5", "0x100000000", "4294967296", "08.0.0.1", "1.256.1", "foo.123", "1..1", "127.0.0.1.."} {
		t.Run("Invalid/"+host, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil)
			url := "http://" + host + "/song.wav"
			if err := b.fetcher.Check(context.Background(), url); !errors.Is(err, fetch.ErrURL) {
				t.Errorf("Check(%s) = %v, want %v", url, err, fetch.ErrURL)
			}
			if _, err := b.fetcher.Fetch(context.Background(), url, io.Discard, nil); !errors.Is(err, fetch.ErrURL) {
				t.Errorf("Fetch(%s) = %v, want %v", url, err, fetch.ErrURL)
			}
			if got := b.net.Lookups(); len(got) != 0 {
				t.Errorf("asked the resolver for %q", got)
			}
		})
	}
}

// TestCheck checks the up-front verdict: what Fetch would refuse before
// connecting, without connecting.
func TestCheck(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	tests := []struct {
		url  string
		want error
	}{
		{b.base + "/song.wav", nil},
		{"http://meta.test/", fetch.ErrBlocked},
		{"http://mixed.test/", nil},
		{"http://[::1]/", fetch.ErrBlocked},
		{"http://missing.test/", fetch.ErrDNS},
		{"ftp://song.test/", fetch.ErrURL},
		{"http://user@song.test/", fetch.ErrURL},
	}
	for _, tt := range tests {
		err := b.fetcher.Check(context.Background(), tt.url)
		if (tt.want == nil && err != nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("Check(%s) = %v, want %v", tt.url, err, tt.want)
		}
	}
	if got := b.net.Dialed(); len(got) != 0 {
		t.Errorf("Check dialled %v; it must never connect", got)
	}
}

// FuzzNumericHost checks that no host reaches the dialer unless the guard
// allows the address it means, whatever its spelling.
func FuzzNumericHost(f *testing.F) {
	for _, h := range numericHosts {
		f.Add(h.host)
	}
	for _, h := range []string{"93.184.216.34", "0x5db8d822", "1.2.3.4.5", "08.1", "0x.0x.0x.0x", "1e3", "[::1]", "song.test", ""} {
		f.Add(h)
	}
	fn := &fetchtest.Net{Route: map[string]string{publicIP: "127.0.0.1:9"}}
	fe, err := fetch.New(fetch.Config{Resolver: fn, DialContext: fn.DialContext, Timeout: time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, host string) {
		fe.Fetch(context.Background(), "http://"+host+"/", io.Discard, nil)
		for _, a := range fn.Dialed() {
			ap, err := netip.ParseAddrPort(a)
			if err != nil || !fetch.Allowed(ap.Addr(), nil) {
				t.Fatalf("host %q dialled %s", host, a)
			}
		}
	})
}
