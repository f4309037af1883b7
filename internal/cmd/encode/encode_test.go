package encode

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cliflag"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/cmdtest"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
	"github.com/keyward/keyward/token"
)

func testFactory() *factory.Factory {
	ios, _, _, _ := iostreams.Test()
	return &factory.Factory{IOStreams: ios, Getenv: func(string) string { return "" }}
}

func TestNewCmdStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    string
		want    JobOptions
		wantErr string
	}{
		{name: "Plain", args: "https://x/s.mp3 --artist Ada", want: JobOptions{Src: "https://x/s.mp3", Artist: "Ada"}},
		{name: "OutImpliesWait", args: "https://x/s.mp3 -a Ada -o song.wav", want: JobOptions{Src: "https://x/s.mp3", Artist: "Ada", Out: "song.wav", Wait: true}},
		{name: "NoArtist", args: "https://x/s.mp3", wantErr: "--artist is required"},
		{name: "NoSrc", args: "--artist Ada", wantErr: "accepts 1 arg"},
		{name: "BadProfile", args: "https://x/s.mp3 -a Ada --profile management", wantErr: "management"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := cmdtest.Parse(t, testFactory(), newCmdStart, tt.args, tt.wantErr)
			if err == nil && (got.Src != tt.want.Src || got.Artist != tt.want.Artist || got.Out != tt.want.Out || got.Wait != tt.want.Wait) {
				t.Errorf("encode %s: options %+v, want %+v", tt.args, got, tt.want)
			}
		})
	}
}

// fakeServer answers the Encoding API like keyward (without the door): a
// job completes after two queries.
type fakeServer struct {
	srv     *httptest.Server
	queries atomic.Int32
	fail    bool
}

func newFakeServer(t *testing.T, fail bool) *fakeServer {
	t.Helper()
	fs := &fakeServer{fail: fail}
	write := func(w http.ResponseWriter, id string, fields map[string]any) {
		fields["id"], fields["ver"], fields["ets"] = id, "3.0", 0
		fields["params"] = map[string]any{"resmsgid": "x", "msgid": nil, "status": "successful", "err": "", "errmsg": ""}
		json.NewEncoder(w).Encode(fields)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/sl/encoding", func(w http.ResponseWriter, r *http.Request) {
		write(w, "sl.encoding.start", map[string]any{"query": "q_test"})
	})
	mux.HandleFunc("POST /v3/sl/query", func(w http.ResponseWriter, r *http.Request) {
		n := fs.queries.Add(1)
		switch {
		case n < 3:
			write(w, "sl.encoding.query", map[string]any{"status": "processing", "message": "encoding: 50%", "stage": "encoding", "progress": 0.5})
		case fs.fail:
			write(w, "sl.encoding.query", map[string]any{"status": "failed", "message": "the song could not be downloaded: the server of x answered 404 Not Found"})
		default:
			write(w, "sl.encoding.query", map[string]any{"status": "complete", "message": "the song is encoded",
				"url": fs.srv.URL + "/files/job.wav", "soundlink": "00000000000000ff", "artist": "Ada", "duration": 180.0, "format": "wav"})
		}
	})
	mux.HandleFunc("GET /files/job.wav", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "RIFF....WAVE") })
	fs.srv = httptest.NewServer(mux)
	t.Cleanup(fs.srv.Close)
	return fs
}

func (fs *fakeServer) clientFunc(t *testing.T) func() (Caller, token.Profile, error) {
	return func() (Caller, token.Profile, error) {
		c, err := client.New(client.Config{BaseURL: fs.srv.URL, Key: "k", Secret: strings.Repeat("s", 32)})
		return c, token.Request, err
	}
}

func TestStartRun(t *testing.T) {
	t.Parallel()

	t.Run("NoWait", func(t *testing.T) {
		t.Parallel()
		fs := newFakeServer(t, false)
		ios, _, out, _ := iostreams.Test()
		opts := &JobOptions{Factory: &factory.Factory{IOStreams: ios}, Src: "https://x/s.mp3", Artist: "Ada", ClientFunc: fs.clientFunc(t)}
		if err := startRun(opts); err != nil {
			t.Fatalf("startRun: %v", err)
		}
		if out.String() != "query:     q_test\n" {
			t.Errorf("stdout %q", out.String())
		}
	})

	t.Run("WaitAndDownload", func(t *testing.T) {
		t.Parallel()
		fs := newFakeServer(t, false)
		ios, _, out, errOut := iostreams.Test()
		path := filepath.Join(t.TempDir(), "song.wav")
		opts := &JobOptions{Factory: &factory.Factory{IOStreams: ios}, Src: "https://x/s.mp3", Artist: "Ada", Wait: true, Out: path, ClientFunc: fs.clientFunc(t), ProgressTTY: true}
		if err := startRun(opts); err != nil {
			t.Fatalf("startRun: %v", err)
		}
		if !strings.Contains(out.String(), "soundlink: 00000000000000ff") || !strings.Contains(out.String(), "status:    complete") {
			t.Errorf("stdout %q", out.String())
		}
		if !strings.Contains(errOut.String(), "saved "+path) {
			t.Errorf("stderr %q", errOut.String())
		}
		if b, _ := os.ReadFile(path); string(b) != "RIFF....WAVE" {
			t.Errorf("downloaded %q", b)
		}
	})

	t.Run("Failed", func(t *testing.T) {
		t.Parallel()
		fs := newFakeServer(t, true)
		ios, _, out, _ := iostreams.Test()
		opts := &JobOptions{Factory: &factory.Factory{IOStreams: ios}, Src: "https://x/s.mp3", Artist: "Ada", Wait: true, ClientFunc: fs.clientFunc(t)}
		cliflag.AddJSON(&cobra.Command{}, &opts.Exporter, statusFields)
		if err := opts.Exporter.Select(); err != nil {
			t.Fatal(err)
		}
		err := startRun(opts)
		if !errors.Is(err, errFailed) || !strings.Contains(err.Error(), "404 Not Found") {
			t.Fatalf("startRun = %v, want the job's failure", err)
		}
		var st Status
		if err := json.Unmarshal([]byte(out.String()), &st); err != nil || st.Status != "failed" || st.Query != "q_test" {
			t.Errorf("--json output %q (%v)", out.String(), err)
		}
	})
}

func TestStatusRun(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, false)
	ios, _, out, _ := iostreams.Test()
	opts := &JobOptions{Factory: &factory.Factory{IOStreams: ios}, Query: "q_test", ClientFunc: fs.clientFunc(t)}
	if err := statusRun(opts); !errors.Is(err, cmderror.ErrPending) {
		t.Fatalf("status of a processing job = %v, want ErrPending", err)
	}
	if !strings.Contains(out.String(), "status:    processing") {
		t.Errorf("stdout %q", out.String())
	}
	opts.Wait = true
	if err := statusRun(opts); err != nil {
		t.Fatalf("status --wait: %v", err)
	}
}
