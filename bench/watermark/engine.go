package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/watermark"
)

// engine is a watermarking system under test.
type engine interface {
	// embed marks the song held in srcWAV (decoded: buf) with id and
	// returns the marked audio.
	embed(dir, srcWAV string, buf *audio.Buffer, id watermark.ID) (*audio.Buffer, error)
	// detect returns the ids found in b.
	detect(dir string, b *audio.Buffer) ([]watermark.ID, error)
}

// keywardEngine is keyward's engine, run in process.
type keywardEngine struct{ m *watermark.Marker }

func (k keywardEngine) embed(_, _ string, buf *audio.Buffer, id watermark.ID) (*audio.Buffer, error) {
	marked := &audio.Buffer{Rate: buf.Rate, BitDepth: 16, Data: make([][]float32, buf.Channels())}
	for c, ch := range buf.Data {
		marked.Data[c] = slices.Clone(ch)
	}
	if err := k.m.Embed(marked.Data, marked.Rate, id); err != nil {
		return nil, err
	}
	return marked, nil
}

func (k keywardEngine) detect(_ string, b *audio.Buffer) ([]watermark.ID, error) {
	rs, err := k.m.Detect(b.Data, b.Rate)
	if err != nil {
		return nil, err
	}
	ids := make([]watermark.ID, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids, nil
}

// audiowmarkEngine runs the audiowmark command (github.com/swesterfeld/
// audiowmark) at its defaults. Its 128-bit message carries the 64-bit id
// twice; a decoded message counts as an id only when both halves agree,
// which stands in for the database lookup audiowmark's documentation asks
// of its users (it also prints the best guesses of unmarked blocks).
type audiowmarkEngine struct {
	bin, key string
}

func newAudiowmark(work string) (*audiowmarkEngine, error) {
	bin, err := exec.LookPath("audiowmark")
	if err != nil {
		return nil, fmt.Errorf("-engine audiowmark: audiowmark is not on PATH")
	}
	key := filepath.Join(work, "audiowmark.key")
	if err := sh(bin, "gen-key", key); err != nil {
		return nil, err
	}
	return &audiowmarkEngine{bin: bin, key: key}, nil
}

func (a *audiowmarkEngine) embed(dir, srcWAV string, _ *audio.Buffer, id watermark.ID) (*audio.Buffer, error) {
	out := filepath.Join(dir, "audiowmark.wav")
	if err := sh(a.bin, "add", "--key", a.key, srcWAV, out, id.String()+id.String()); err != nil {
		return nil, err
	}
	defer os.Remove(out)
	return decodeFile(out)
}

func (a *audiowmarkEngine) detect(dir string, b *audio.Buffer) ([]watermark.ID, error) {
	in := filepath.Join(dir, "detect.wav")
	if err := writeWAV(in, b); err != nil {
		return nil, err
	}
	defer os.Remove(in)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(a.bin, "get", "--key", a.key, in)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("audiowmark get: %w: %s", err, lastLine(stderr.String()))
	}
	var ids []watermark.ID
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || f[0] != "pattern" || len(f[2]) != 32 || f[2][:16] != f[2][16:] {
			continue
		}
		id, err := watermark.ParseID(f[2][:16])
		if err == nil && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// childCPU returns the CPU seconds (user + system) of this process and its
// waited-for children.
func childCPU() float64 {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	return float64(self.Utime.Nano()+self.Stime.Nano()+kids.Utime.Nano()+kids.Stime.Nano()) / 1e9
}

// cliRun is one measured run of the keyward command.
type cliRun struct {
	cpu    float64 // user + system seconds
	maxRSS int64   // KiB
}

// runCLI runs the keyward binary with args and the bench key, and returns
// its CPU time and peak resident memory. The peak is read by
// /usr/bin/time (0 without it): a child forked from the bench itself would
// report the bench's own, much larger, resident size as its peak.
func runCLI(bin string, key []byte, args ...string) (cliRun, error) {
	name, rss := bin, ""
	if _, err := os.Stat("/usr/bin/time"); err == nil {
		f, err := os.CreateTemp("", "wmbench-rss-")
		if err != nil {
			return cliRun{}, err
		}
		f.Close()
		defer os.Remove(f.Name())
		rss = f.Name()
		name, args = "/usr/bin/time", append([]string{"-f", "%M", "-o", rss, bin}, args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "KEYWARD_WATERMARK_KEY="+string(key), "GOMAXPROCS=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Run(); err != nil {
		return cliRun{}, fmt.Errorf("keyward %s: %w: %s", strings.Join(args, " "), err, lastLine(stderr.String()))
	}
	st := cmd.ProcessState // its times include the waited-for keyward
	r := cliRun{cpu: (st.UserTime() + st.SystemTime()).Seconds()}
	if rss != "" {
		b, err := os.ReadFile(rss)
		if err != nil {
			return cliRun{}, err
		}
		fmt.Sscan(lastLine(string(b)), &r.maxRSS)
	}
	return r, nil
}

// buildKeyward builds the keyward command of this checkout into dir.
func buildKeyward(dir string) (string, error) {
	// The bench module replaces keyward with this checkout.
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/keyward/keyward").Output()
	if err != nil {
		return "", fmt.Errorf("find keyward's module: %w", err)
	}
	bin := filepath.Join(dir, "keyward")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/keyward")
	cmd.Dir = strings.TrimSpace(string(root))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build keyward: %w: %s", err, lastLine(stderr.String()))
	}
	return bin, nil
}
