// Command watermark measures keyward's audio watermark on a folder of songs:
// it marks each song, runs an attack matrix with Debian's lame, ffmpeg and
// sox, and prints per attack the share of songs whose id was recovered,
// together with the marked songs' SNR and segmental SNR, the CPU time of
// embedding and detection per minute of audio, excerpt recovery and false
// positives on unmarked music. With -engine audiowmark the same matrix runs
// on the audiowmark command instead. See README.md.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	cfg := defaultConfig()
	flag.StringVar(&cfg.Songs, "songs", cfg.Songs, "folder of songs (any format ffmpeg reads)")
	flag.IntVar(&cfg.MaxSongs, "n", cfg.MaxSongs, "use at most this many songs (0: all)")
	flag.Float64Var(&cfg.MaxSeconds, "max-seconds", cfg.MaxSeconds, "cut songs to this length (0: whole)")
	flag.Float64Var(&cfg.MinSeconds, "min-seconds", cfg.MinSeconds, "skip songs shorter than this (jingles)")
	flag.Float64Var(&cfg.Strength, "strength", cfg.Strength, "embedding strength")
	flag.StringVar(&cfg.Attacks, "attacks", cfg.Attacks, "comma-separated attacks to run, or \"all\"")
	flag.IntVar(&cfg.Excerpts, "excerpts", cfg.Excerpts, "random excerpts per song and length (10 s, 5 s) after MP3 128")
	flag.IntVar(&cfg.FalsePositives, "fp", cfg.FalsePositives, "unmarked excerpts of 5–30 s to scan for false positives")
	flag.IntVar(&cfg.Workers, "j", cfg.Workers, "parallel workers for the attack phase")
	flag.BoolVar(&cfg.Verbose, "v", cfg.Verbose, "log every detection")
	flag.StringVar(&cfg.Engine, "engine", cfg.Engine, "engine under test: keyward, or audiowmark (the command on PATH, at its defaults)")
	flag.BoolVar(&cfg.CLI, "cli", cfg.CLI, "also time keyward watermark embed and detect end to end (CPU and peak RSS), built from this checkout")
	flag.Parse()
	if err := run(cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench/watermark:", err)
		os.Exit(1)
	}
}
