package tokencmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/shlex"
	"github.com/spf13/cobra"

	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/cmdtest"
	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/iostreams"
	"github.com/keyward/keyward/token"
)

var testClock = time.Unix(1_800_000_000, 0)

const testSecret = "cli-secret-0123456789abcdefghijklmno"

func testFactory(env map[string]string) (*factory.Factory, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	ios, in, out, errOut := iostreams.Test()
	return &factory.Factory{
		IOStreams: ios,
		Getenv:    func(k string) string { return env[k] },
		NowFunc:   func() time.Time { return testClock },
	}, in, out, errOut
}

func run(t *testing.T, f *factory.Factory, cli string) error {
	t.Helper()
	argv, err := shlex.Split(cli)
	if err != nil {
		t.Fatal(err)
	}
	cmd := NewCmdToken(f)
	cmd.SetArgs(argv)
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	_, err = cmd.ExecuteC()
	return err
}

func TestNewCmdSign(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		profile token.Profile
		cli     string
		env     map[string]string
		want    SignOptions
		wantErr string
	}{
		{"request flags", token.Request, "-k K -s S --url /v3/sl/encoding --arg src=x --arg n:=1", nil,
			SignOptions{Key: "K", Secret: []byte("S"), Method: "POST", URL: "/v3/sl/encoding", Args: []string{"src=x", "n:=1"}}, ""},
		{"env stands in", token.Management, "", map[string]string{"KEYWARD_KEY": "EK", "KEYWARD_SECRET": "ES"},
			SignOptions{Key: "EK", Secret: []byte("ES"), TTL: 24 * time.Hour}, ""},
		{"flag beats env", token.Management, "--key FK --ttl 1h", map[string]string{"KEYWARD_KEY": "EK", "KEYWARD_SECRET": "ES"},
			SignOptions{Key: "FK", Secret: []byte("ES"), TTL: time.Hour}, ""},
		{"app needs room", token.App, "-k K -s S --user u --role r", nil, SignOptions{}, "app token needs --room"},
		{"no secret", token.Management, "-k K", nil, SignOptions{}, "a secret is required"},
		{"no key", token.Management, "-s S", nil, SignOptions{}, "a key is required"},
		{"arg and arg-json", token.Request, "-k K -s S --url /u --arg a=b --arg-json {}", nil, SignOptions{}, "only one of --arg and --arg-json"},
		{"qsh needs api id", token.QSH, "-k K -s S --url /u", nil, SignOptions{}, "--api-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _, _, _ := testFactory(tt.env)
			newCmd := func(f *factory.Factory, runF func(*SignOptions) error) *cobra.Command {
				return newCmdSign(f, tt.profile, runF)
			}
			got, err := cmdtest.Parse(t, f, newCmd, tt.cli, tt.wantErr)
			if err != nil {
				if _, ok := errors.AsType[*cmderror.FlagError](err); !ok {
					t.Errorf("error %v is not a flag error", err)
				}
				return
			}
			if got.Key != tt.want.Key || string(got.Secret) != string(tt.want.Secret) || got.URL != tt.want.URL ||
				got.Method != tt.want.Method || strings.Join(got.Args, "|") != strings.Join(tt.want.Args, "|") || got.TTL != tt.want.TTL {
				t.Errorf("token %s %s: options key %q secret %q url %q method %q args %v ttl %v; want %q %q %q %q %v %v",
					tt.profile, tt.cli, got.Key, got.Secret, got.URL, got.Method, got.Args, got.TTL,
					tt.want.Key, tt.want.Secret, tt.want.URL, tt.want.Method, tt.want.Args, tt.want.TTL)
			}
		})
	}
}

// TestSignVerifyRun mints each profile through the CLI and verifies it
// through the CLI, as a script would.
func TestSignVerifyRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		sign      string
		verify    string
		wantClaim string
	}{
		{"request", "request -k APP -s " + testSecret + " --url /v3/sl/encoding --arg src=https://e.com/a.mp3 --arg artist=Ann",
			"--profile request --method POST --url /v3/sl/encoding", `"arg":{"artist":"Ann","src":"https://e.com/a.mp3"}`},
		{"qsh", "qsh -k SUN -s " + testSecret + " --api-id sl.encoding.query --url '/v3/sl/query?query=q1&b=2' --msgid m1 --version 1.0",
			"--profile qsh --method GET --url '/v3/sl/query?b=2&query=q1' --api-id sl.encoding.query", `"params":{"msgid":"m1"}`},
		{"management", "management -k AK -s " + testSecret + " --jti J1", "--profile management", `"jti":"J1"`},
		{"app", "app -k AK -s " + testSecret + " --room R --user U --role host --ttl 1h", "--profile app", `"exp":1800003600`},
		{"apikey", "apikey -k VK -s " + testSecret + " --permissions allow_join,allow_mod --kid k2", "--profile apikey", `"permissions":["allow_join","allow_mod"]`},
		{"apikey joins a room", "apikey -k VK -s " + testSecret + " --permissions ask_join --room r1 --participant p1", "--profile apikey",
			`"permissions":["ask_join"],"version":2,"roomId":"r1","participantId":"p1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _, out, _ := testFactory(nil)
			if err := run(t, f, tt.sign); err != nil {
				t.Fatalf("keyward token %s: %v", tt.sign, err)
			}
			tok := strings.TrimSpace(out.String())
			if strings.Count(tok, ".") != 2 || strings.Contains(tok, "\n") {
				t.Fatalf("keyward token %s printed %q, want one token", tt.sign, out.String())
			}
			f2, _, out2, errOut2 := testFactory(nil)
			if err := run(t, f2, "verify -s "+testSecret+" "+tt.verify+" "+tok); err != nil {
				t.Fatalf("keyward token verify: %v (stderr %q)", err, errOut2)
			}
			if !strings.Contains(out2.String(), tt.wantClaim) {
				t.Errorf("verify printed %s, want it to contain %s", out2, tt.wantClaim)
			}
			if !json.Valid(out2.Bytes()) {
				t.Errorf("verify printed invalid JSON %q", out2)
			}
		})
	}
}

func TestVerifyRunFailures(t *testing.T) {
	t.Parallel()
	f, _, out, _ := testFactory(nil)
	if err := run(t, f, "management -k AK -s "+testSecret+" --ttl 1h"); err != nil {
		t.Fatal(err)
	}
	mgmt := strings.TrimSpace(out.String())
	f, _, out, _ = testFactory(nil)
	if err := run(t, f, "request -k A -s "+testSecret+" --url /v3/sl/encoding"); err != nil {
		t.Fatal(err)
	}
	req := strings.TrimSpace(out.String())

	tests := []struct {
		name     string
		cli      string
		stdin    string
		clock    time.Time
		wantCode string
	}{
		{"wrong secret", "verify -s wrong-secret-0123456789abcdefghijkl " + mgmt, "", testClock, "TOKEN_SIGNATURE"},
		{"expired", "verify -s " + testSecret + " " + mgmt, "", testClock.Add(2 * time.Hour), "TOKEN_EXPIRED"},
		{"wrong profile", "verify -s " + testSecret + " --profile app " + mgmt, "", testClock, "TOKEN_PROFILE"},
		{"binding", "verify -s " + testSecret + " --method POST --url /v3/sl/query " + req, "", testClock, "TOKEN_BINDING"},
		{"stale", "verify -s " + testSecret + " " + req, "", testClock.Add(10 * time.Minute), "TOKEN_STALE"},
		{"garbage from stdin", "verify -s " + testSecret, "not.a.token\n", testClock, "TOKEN_MALFORMED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, in, out, errOut := testFactory(nil)
			f.NowFunc = func() time.Time { return tt.clock }
			in.WriteString(tt.stdin)
			err := run(t, f, tt.cli)
			if !errors.Is(err, cmderror.ErrSilent) {
				t.Fatalf("%s: error = %v, want ErrSilent (exit 1)", tt.cli, err)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", out)
			}
			if !strings.HasPrefix(errOut.String(), tt.wantCode+": ") {
				t.Errorf("stderr = %q, want it to start with %s", errOut, tt.wantCode)
			}
			if strings.Contains(errOut.String(), testSecret) {
				t.Errorf("stderr leaks the secret")
			}
		})
	}
}

func TestInspectRun(t *testing.T) {
	t.Parallel()
	f, _, out, _ := testFactory(nil)
	if err := run(t, f, "app -k AK -s "+testSecret+" --room R --user U --role host --ttl 30m"); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())

	t.Run("no secret", func(t *testing.T) {
		t.Parallel()
		f, _, out, _ := testFactory(nil)
		if err := run(t, f, "inspect "+tok); err != nil {
			t.Fatalf("inspect: %v", err)
		}
		for _, want := range []string{"Profile: app", `"room_id": "R"`, "exp: 2027-01-15T08:30:00Z (in 30m0s)", "signature, which was not checked"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("inspect output lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("expired and wrong secret json", func(t *testing.T) {
		t.Parallel()
		f, _, out, _ := testFactory(nil)
		f.NowFunc = func() time.Time { return testClock.Add(time.Hour) }
		err := run(t, f, "inspect --json -s wrong-secret-0123456789abcdefghijkl "+tok)
		if !errors.Is(err, cmderror.ErrSilent) {
			t.Fatalf("inspect error = %v, want ErrSilent", err)
		}
		var rep inspectReport
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("inspect --json printed %q: %v", out, err)
		}
		var codes []string
		for _, p := range rep.Problems {
			codes = append(codes, string(p.Code))
		}
		if rep.Valid || strings.Join(codes, ",") != "TOKEN_SIGNATURE,TOKEN_EXPIRED" {
			t.Errorf("inspect: valid %v problems %v, want false [TOKEN_SIGNATURE TOKEN_EXPIRED]", rep.Valid, codes)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		t.Parallel()
		f, _, out, _ := testFactory(nil)
		err := run(t, f, "inspect a.b")
		if !errors.Is(err, cmderror.ErrSilent) || !strings.Contains(out.String(), "TOKEN_MALFORMED") {
			t.Errorf("inspect a.b: err %v out %q", err, out)
		}
	})
}
