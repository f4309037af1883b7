package watermark

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward/internal/audio"
)

func labLoad(t *testing.T, p string) *audio.Buffer {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := audio.Decode(f, "", audio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLab(t *testing.T) {
	if os.Getenv("WMLAB") == "" {
		t.Skip()
	}
	files, _ := filepath.Glob("/tmp/wmlab/*.wav")
	m, _ := New(Config{Key: []byte("lab key lab key lab key")})
	ok5, ok10, n := 0, 0, 0
	var zs, rhos float64
	for i, f := range files {
		b := labLoad(t, f)
		id := ID(0x1234567890abcdef + uint64(i))
		if err := m.Embed(b.Data, b.Rate, id); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		w, _ := os.Create(dir + "/m.wav")
		b.BitDepth = 16
		audio.EncodeWAV(w, b)
		w.Close()
		if out, err := exec.Command("lame", "--quiet", "-b", "128", dir+"/m.wav", dir+"/m.mp3").CombinedOutput(); err != nil {
			t.Fatal(string(out))
		}
		mb := labLoad(t, dir+"/m.mp3")
		rng := rand.New(rand.NewPCG(uint64(i), 5))
		for range 12 {
			for _, secs := range []int{5, 10} {
				l := secs * mb.Rate
				st := rng.IntN(mb.Frames() - l)
				ex := make([][]float32, len(mb.Data))
				for c := range ex {
					ex[c] = mb.Data[c][st : st+l]
				}
				rs, _ := m.Detect(ex, mb.Rate)
				got := len(rs) > 0 && rs[0].ID == id
				if secs == 5 {
					n++
					if got {
						ok5++
						zs += rs[0].SyncScore
						rhos += rs[0].Confidence
					}
				} else if got {
					ok10++
				}
			}
		}
	}
	fmt.Printf("5s: %d/%d  10s: %d/%d  mean z %.2f conf %.2f\n", ok5, n, ok10, n, zs/float64(ok5), rhos/float64(ok5))
}
