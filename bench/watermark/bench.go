package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/watermark"
)

// Config is one bench run.
type Config struct {
	Songs          string
	MaxSongs       int
	MaxSeconds     float64
	MinSeconds     float64
	Strength       float64
	Attacks        string
	Excerpts       int
	FalsePositives int
	Workers        int
	Verbose        bool
	Key            []byte
	// Engine is "keyward" or "audiowmark" (the command on PATH).
	Engine string
	// CLI also times "keyward watermark embed" and "detect" end to end,
	// built from this checkout, on every song.
	CLI bool

	fpPerSong, songCount int
}

func defaultConfig() Config {
	return Config{
		Songs:          "/usr/share/games/wesnoth/1.16/data/core/music",
		MinSeconds:     20,
		Strength:       1,
		Attacks:        "all",
		Excerpts:       3,
		FalsePositives: 500,
		Workers:        2,
		Engine:         "keyward",
		CLI:            true,
		Key:            []byte("keyward bench watermark key 0001"),
	}
}

// attack turns a marked WAV file into an attacked audio buffer.
type attack struct {
	name string
	run  func(dir, in string, buf *audio.Buffer, seed uint64) (*audio.Buffer, error)
}

func sh(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, lastLine(stderr.String()))
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func decodeFile(path string) (*audio.Buffer, error) {
	return audio.DecodeFile(path, audio.Limits{MaxDuration: 2 * time.Hour})
}

// viaFFmpeg encodes in with the given ffmpeg codec arguments into ext and
// decodes the result back to WAV with ffmpeg.
func viaFFmpeg(ext string, codec ...string) func(string, string, *audio.Buffer, uint64) (*audio.Buffer, error) {
	return func(dir, in string, _ *audio.Buffer, _ uint64) (*audio.Buffer, error) {
		enc := filepath.Join(dir, "enc."+ext)
		dec := filepath.Join(dir, "dec.wav")
		args := append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", in}, codec...)
		if err := sh("ffmpeg", append(args, enc)...); err != nil {
			return nil, err
		}
		if err := sh("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", enc, "-c:a", "pcm_s16le", dec); err != nil {
			return nil, err
		}
		return decodeFile(dec)
	}
}

// viaLame encodes with lame and decodes with keyward's own MP3 decoder.
func viaLame(times int, opts ...string) func(string, string, *audio.Buffer, uint64) (*audio.Buffer, error) {
	return func(dir, in string, _ *audio.Buffer, _ uint64) (*audio.Buffer, error) {
		src := in
		var buf *audio.Buffer
		for i := range times {
			mp3 := filepath.Join(dir, fmt.Sprintf("enc%d.mp3", i))
			if err := sh("lame", append(append([]string{"--quiet"}, opts...), src, mp3)...); err != nil {
				return nil, err
			}
			b, err := decodeFile(mp3)
			if err != nil {
				return nil, fmt.Errorf("decode mp3: %w", err)
			}
			buf = b
			if i+1 < times {
				src = filepath.Join(dir, fmt.Sprintf("re%d.wav", i))
				if err := writeWAV(src, buf); err != nil {
					return nil, err
				}
			}
		}
		return buf, nil
	}
}

func viaSox(effect ...string) func(string, string, *audio.Buffer, uint64) (*audio.Buffer, error) {
	return func(dir, in string, _ *audio.Buffer, _ uint64) (*audio.Buffer, error) {
		out := filepath.Join(dir, "sox.wav")
		if err := sh("sox", append([]string{"-q", in, "-b", "16", out}, effect...)...); err != nil {
			return nil, err
		}
		return decodeFile(out)
	}
}

// speedAttack changes the speed by one of ±1, ±2, ±3 %, chosen per song.
func speedAttack(dir, in string, b *audio.Buffer, seed uint64) (*audio.Buffer, error) {
	f := []string{"1.01", "0.98", "1.03", "0.99", "1.02", "0.97"}[seed%6]
	return viaSox("speed", f)(dir, in, b, seed)
}

func noiseAttack(snr float64) func(string, string, *audio.Buffer, uint64) (*audio.Buffer, error) {
	return func(_, _ string, b *audio.Buffer, seed uint64) (*audio.Buffer, error) {
		var p float64
		for _, ch := range b.Data {
			for _, v := range ch {
				p += float64(v) * float64(v)
			}
		}
		p /= float64(b.Frames() * b.Channels())
		sd := math.Sqrt(p / math.Pow(10, snr/10))
		rng := rand.New(rand.NewPCG(seed, 77))
		out := &audio.Buffer{Rate: b.Rate, BitDepth: 16, Data: make([][]float32, b.Channels())}
		for c, ch := range b.Data {
			out.Data[c] = make([]float32, len(ch))
			for i, v := range ch {
				out.Data[c][i] = v + float32(rng.NormFloat64()*sd)
			}
		}
		return out, nil
	}
}

func attacks() []attack {
	return []attack{
		{"none", func(_, _ string, b *audio.Buffer, _ uint64) (*audio.Buffer, error) { return b, nil }},
		{"mp3-128", viaLame(1, "-b", "128")},
		{"mp3-96", viaLame(1, "-b", "96")},
		{"mp3-64", viaLame(1, "-b", "64")},
		{"mp3-48", viaLame(1, "-b", "48")},
		{"mp3-V5", viaLame(1, "-V", "5")},
		{"mp3-128x2", viaLame(2, "-b", "128")},
		{"aac-128", viaFFmpeg("m4a", "-c:a", "aac", "-b:a", "128k")},
		{"aac-64", viaFFmpeg("m4a", "-c:a", "aac", "-b:a", "64k")},
		{"ogg-q0", viaFFmpeg("ogg", "-c:a", "libvorbis", "-q:a", "0")},
		{"ogg-q2", viaFFmpeg("ogg", "-c:a", "libvorbis", "-q:a", "2")},
		{"opus-32", viaFFmpeg("opus", "-c:a", "libopus", "-b:a", "32k")},
		{"opus-64", viaFFmpeg("opus", "-c:a", "libopus", "-b:a", "64k")},
		{"resample-48k", viaSox("rate", "48000")},
		{"resample-22k", viaSox("rate", "22050")},
		{"mono", viaSox("remix", "-")},
		{"lowpass-4k", viaSox("lowpass", "4000")},
		{"eq-6dB", viaSox("equalizer", "120", "1q", "+6", "equalizer", "1000", "1q", "-6", "equalizer", "3000", "1q", "+6", "gain", "-n", "-1")},
		{"compand", viaSox("compand", "0.3,1", "6:-70,-60,-20", "-5", "-90", "0.2")},
		{"vol-10dB", viaSox("vol", "-10dB")},
		{"noise-17dB", noiseAttack(17)},
		{"noise-12dB", noiseAttack(12)},
		{"noise-7dB", noiseAttack(7)},
		{"speed-1..3%", speedAttack},
	}
}

type song struct {
	name     string
	buf      *audio.Buffer // original
	marked   *audio.Buffer
	id       watermark.ID
	wav      string // marked WAV on disk
	snr, seg float64
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func writeWAV(path string, b *audio.Buffer) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	c := *b
	c.BitDepth = 16
	if err := audio.EncodeWAV(f, &c); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// loadSong decodes any file ffmpeg reads into a buffer at its own rate.
func loadSong(dir, path string, maxSeconds float64) (*audio.Buffer, error) {
	out := filepath.Join(dir, "src.wav")
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", path}
	if maxSeconds > 0 {
		args = append(args, "-t", fmt.Sprint(maxSeconds))
	}
	if err := sh("ffmpeg", append(args, "-c:a", "pcm_s16le", out)...); err != nil {
		return nil, err
	}
	return decodeFile(out)
}

// SNR returns the signal-to-noise ratio and the segmental SNR (20 ms
// segments, each clipped to [-10, 35] dB, silent segments skipped) of
// marked against orig, in dB.
func SNR(orig, marked *audio.Buffer) (snr, seg float64) {
	var ps, pn float64
	segLen := orig.Rate / 50
	var segSum float64
	var segN int
	for start := 0; start+segLen <= orig.Frames(); start += segLen {
		var s, n float64
		for c := range orig.Data {
			for i := start; i < start+segLen; i++ {
				x := float64(orig.Data[c][i])
				d := float64(marked.Data[c][i]) - x
				s += x * x
				n += d * d
			}
		}
		ps += s
		pn += n
		if s/float64(segLen*len(orig.Data)) < 1e-7 { // below −70 dBFS
			continue
		}
		v := 35.0
		if n > 0 {
			v = math.Max(-10, math.Min(35, 10*math.Log10(s/n)))
		}
		segSum += v
		segN++
	}
	if pn == 0 {
		return math.Inf(1), 35
	}
	return 10 * math.Log10(ps/pn), segSum / math.Max(1, float64(segN))
}

func cut(b *audio.Buffer, start, n int) *audio.Buffer {
	out := &audio.Buffer{Rate: b.Rate, BitDepth: b.BitDepth, Data: make([][]float32, b.Channels())}
	for c, ch := range b.Data {
		out.Data[c] = ch[start : start+n]
	}
	return out
}

type tally struct {
	mu     sync.Mutex
	ok, n  map[string]int
	errs   map[string]int
	misses map[string][]string
}

func (t *tally) add(name string, ok bool, err error, songName string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n[name]++
	if ok {
		t.ok[name]++
	} else {
		t.misses[name] = append(t.misses[name], songName)
	}
	if err != nil {
		t.errs[name]++
	}
}

func run(cfg Config, stdout, stderr io.Writer) error {
	for _, tool := range []string{"ffmpeg", "lame", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found (apt-get install %s)", tool, tool)
		}
	}
	marker, err := watermark.New(watermark.Config{Key: cfg.Key, Strength: cfg.Strength})
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(cfg.Songs)
	if err != nil {
		return err
	}
	var paths []string
	for _, e := range entries {
		if !e.IsDir() {
			paths = append(paths, filepath.Join(cfg.Songs, e.Name()))
		}
	}
	slices.Sort(paths)
	if cfg.MaxSongs > 0 && len(paths) > cfg.MaxSongs {
		// Spread the choice over the folder rather than taking the first.
		step := float64(len(paths)) / float64(cfg.MaxSongs)
		var sel []string
		for i := range cfg.MaxSongs {
			sel = append(sel, paths[int(float64(i)*step)])
		}
		paths = sel
	}
	work, err := os.MkdirTemp("", "wmbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	var eng engine = keywardEngine{marker}
	switch cfg.Engine {
	case "keyward":
	case "audiowmark":
		if eng, err = newAudiowmark(work); err != nil {
			return err
		}
	default:
		return fmt.Errorf("-engine %q: want keyward or audiowmark", cfg.Engine)
	}
	var bin string
	if cfg.CLI && cfg.Engine == "keyward" {
		if bin, err = buildKeyward(work); err != nil {
			return err
		}
	}

	// Phase 1, sequential so CPU time is the watermark's alone: decode,
	// mark, measure quality and time.
	var songs []*song
	var embedCPU, detectCPU, minutes float64
	var cliEmbed, cliDetect float64
	var cliRSS int64
	var snrs, segs []float64
	for i, p := range paths {
		dir := filepath.Join(work, fmt.Sprint(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		buf, err := loadSong(dir, p, cfg.MaxSeconds)
		if err != nil {
			fmt.Fprintf(stderr, "skip %s: %v\n", filepath.Base(p), err)
			continue
		}
		if buf.Duration().Seconds() < cfg.MinSeconds {
			fmt.Fprintf(stderr, "skip %s: shorter than %g s\n", filepath.Base(p), cfg.MinSeconds)
			continue
		}
		src := filepath.Join(dir, "src.wav")
		s := &song{name: filepath.Base(p), buf: buf, id: watermark.ID(0x5eed000000000000 | uint64(i)*0x9e3779b97f4a7c15>>16)}
		c0 := childCPU()
		marked, err := eng.embed(dir, src, buf, s.id)
		if err != nil {
			return fmt.Errorf("embed %s: %w", s.name, err)
		}
		c1 := childCPU()
		ids, err := eng.detect(dir, marked)
		c2 := childCPU()
		if err != nil {
			return fmt.Errorf("detect %s: %w", s.name, err)
		}
		embedCPU += c1 - c0
		detectCPU += c2 - c1
		minutes += buf.Duration().Minutes()
		if bin != "" {
			out := filepath.Join(dir, "cli.wav")
			e, err := runCLI(bin, cfg.Key, "watermark", "embed", src, out, "--id", s.id.String(),
				"--strength", fmt.Sprint(cfg.Strength), "--max-duration", "2h")
			if err != nil {
				return err
			}
			d, err := runCLI(bin, cfg.Key, "watermark", "detect", out, "--max-duration", "2h")
			if err != nil {
				return err
			}
			os.Remove(out)
			cliEmbed += e.cpu
			cliDetect += d.cpu
			cliRSS = max(cliRSS, e.maxRSS)
		}
		s.marked = marked
		s.snr, s.seg = SNR(buf, marked)
		snrs = append(snrs, s.snr)
		segs = append(segs, s.seg)
		s.wav = filepath.Join(dir, "marked.wav")
		if err := writeWAV(s.wav, marked); err != nil {
			return err
		}
		os.Remove(src)
		songs = append(songs, s)
		fmt.Fprintf(stderr, "%-32s %5.1fs %dHz %dch SNR %.1f segSNR %.1f clean=%v\n", s.name, buf.Duration().Seconds(), buf.Rate, buf.Channels(), s.snr, s.seg, slices.Contains(ids, s.id))
	}
	if len(songs) == 0 {
		return fmt.Errorf("no usable songs in %s", cfg.Songs)
	}
	cfg.songCount = len(songs)
	cfg.fpPerSong = cfg.FalsePositives / len(songs)

	// Phase 2, parallel: the attack matrix, excerpts and false positives.
	var sel []attack
	for _, a := range attacks() {
		if cfg.Attacks == "all" || slices.Contains(strings.Split(cfg.Attacks, ","), a.name) {
			sel = append(sel, a)
		}
	}
	t := &tally{ok: map[string]int{}, n: map[string]int{}, errs: map[string]int{}, misses: map[string][]string{}}
	type job struct {
		s *song
		a attack
		k int
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	var fpMu sync.Mutex
	fpCount, fpScanned := 0, 0
	for w := range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for jb := range jobs {
				dir := filepath.Join(work, fmt.Sprintf("w%d-%s-%d", w, jb.a.name, jb.k))
				os.MkdirAll(dir, 0o755)
				switch jb.a.name {
				case "excerpts":
					runExcerpts(eng, dir, jb.s, jb.k, cfg, t, stderr)
				case "fp":
					n, fp := scanFP(eng, dir, jb.s, jb.k, cfg, stderr)
					fpMu.Lock()
					fpScanned += n
					fpCount += fp
					fpMu.Unlock()
				default:
					b, err := jb.a.run(dir, jb.s.wav, jb.s.marked, uint64(jb.k))
					ok := false
					if err == nil {
						var rs []watermark.ID
						rs, err = eng.detect(dir, b)
						ok = err == nil && slices.Contains(rs, jb.s.id)
						if cfg.Verbose {
							fmt.Fprintf(stderr, "%-12s %-32s ok=%v %v\n", jb.a.name, jb.s.name, ok, rs)
						}
					}
					if err != nil {
						fmt.Fprintf(stderr, "%s on %s: %v\n", jb.a.name, jb.s.name, err)
					}
					t.add(jb.a.name, ok, err, jb.s.name)
				}
				os.RemoveAll(dir)
			}
		}()
	}
	for k, s := range songs {
		for _, a := range sel {
			jobs <- job{s, a, k}
		}
		if cfg.Excerpts > 0 {
			jobs <- job{s, attack{name: "excerpts"}, k}
		}
	}
	if cfg.FalsePositives > 0 {
		for k, s := range songs {
			jobs <- job{s, attack{name: "fp"}, k}
		}
	}
	close(jobs)
	wg.Wait()

	// Report.
	fmt.Fprintf(stdout, "engine %s; songs: %d (%.1f min of audio), strength %.2f\n", cfg.Engine, len(songs), minutes, cfg.Strength)
	fmt.Fprintf(stdout, "quality: SNR mean %.1f dB (min %.1f), segmental SNR mean %.1f dB (min %.1f)\n",
		mean(snrs), slices.Min(snrs), mean(segs), slices.Min(segs))
	what := "in process, the engine alone"
	if cfg.Engine == "audiowmark" {
		what = "the audiowmark command, WAV in and out"
	}
	fmt.Fprintf(stdout, "cpu: embed %.3f s/min, detect %.3f s/min (%s; one core; ×3 for a 3-minute song)\n",
		embedCPU/minutes, detectCPU/minutes, what)
	if bin != "" {
		rss := "unknown (no /usr/bin/time)"
		if cliRSS > 0 {
			rss = fmt.Sprintf("%.1f MB", float64(cliRSS)/1024)
		}
		fmt.Fprintf(stdout, "cli: keyward watermark embed %.3f s/min, detect %.3f s/min (user+sys, WAV in and out, GOMAXPROCS=1); embed peak RSS %s\n",
			cliEmbed/minutes, cliDetect/minutes, rss)
	}
	fmt.Fprintf(stdout, "\n%-16s %9s %7s\n", "attack", "recovered", "share")
	names := make([]string, 0, len(sel)+2)
	for _, a := range sel {
		names = append(names, a.name)
	}
	if cfg.Excerpts > 0 {
		names = append(names, "excerpt-10s", "excerpt-5s")
	}
	for _, name := range names {
		if t.n[name] == 0 {
			continue
		}
		fmt.Fprintf(stdout, "%-16s %4d/%-4d %6.1f%%", name, t.ok[name], t.n[name], 100*float64(t.ok[name])/float64(t.n[name]))
		if t.errs[name] > 0 {
			fmt.Fprintf(stdout, "  (%d tool errors)", t.errs[name])
		}
		if m := t.misses[name]; len(m) > 0 && len(m) <= 4 {
			fmt.Fprintf(stdout, "  missed: %s", strings.Join(m, " "))
		}
		fmt.Fprintln(stdout)
	}
	if cfg.FalsePositives > 0 {
		fmt.Fprintf(stdout, "\nfalse positives: %d ids reported on %d unmarked excerpts of 5–30 s\n", fpCount, fpScanned)
	}
	return nil
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// runExcerpts cuts random 10 s and 5 s excerpts of the song after MP3 128.
func runExcerpts(eng engine, dir string, s *song, k int, cfg Config, t *tally, stderr io.Writer) {
	b, err := viaLame(1, "-b", "128")(dir, s.wav, s.marked, 0)
	if err != nil {
		fmt.Fprintf(stderr, "excerpts on %s: %v\n", s.name, err)
		return
	}
	rng := rand.New(rand.NewPCG(uint64(k), 99))
	for _, secs := range []int{10, 5} {
		name := fmt.Sprintf("excerpt-%ds", secs)
		n := secs * b.Rate
		for range cfg.Excerpts {
			if b.Frames() <= n {
				break
			}
			start := rng.IntN(b.Frames() - n)
			rs, err := eng.detect(dir, cut(b, start, n))
			ok := err == nil && slices.Contains(rs, s.id)
			if cfg.Verbose {
				fmt.Fprintf(stderr, "%-12s %-32s @%.1fs ok=%v %v\n", name, s.name, float64(start)/float64(b.Rate), ok, rs)
			}
			t.add(name, ok, err, s.name)
		}
	}
}

// scanFP scans unmarked excerpts of 5–30 s of the original song and
// returns how many it scanned and how many ids it (wrongly) found.
func scanFP(eng engine, dir string, s *song, k int, cfg Config, stderr io.Writer) (scanned, fps int) {
	b := s.buf
	rng := rand.New(rand.NewPCG(uint64(k), 1234))
	n := cfg.fpPerSong
	if k < cfg.FalsePositives%max(1, cfg.songCount) {
		n++
	}
	for range n {
		secs := 5 + rng.Float64()*25
		l := int(secs * float64(b.Rate))
		if l >= b.Frames() {
			l = b.Frames() - 1
		}
		start := rng.IntN(b.Frames() - l)
		rs, err := eng.detect(dir, cut(b, start, l))
		scanned++
		if err == nil && len(rs) > 0 {
			fps += len(rs)
			fmt.Fprintf(stderr, "FALSE POSITIVE on %s @%d+%d: %v\n", s.name, start, l, rs)
		}
	}
	return scanned, fps
}
