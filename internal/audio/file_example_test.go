package audio_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/keyward/keyward/internal/audio"
)

func ExampleDecodeFile() {
	dir, err := os.MkdirTemp("", "audio-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	f, err := os.Create(filepath.Join(dir, "tone.wav"))
	if err != nil {
		panic(err)
	}
	tone := &audio.Buffer{Rate: 8000, BitDepth: 16, Data: [][]float32{make([]float32, 8000)}}
	if err := audio.EncodeWAV(f, tone); err != nil {
		panic(err)
	}
	f.Close()

	b, err := audio.DecodeFile(f.Name(), audio.Limits{})
	if err != nil {
		panic(err)
	}
	fmt.Println(b.Rate, b.Frames(), len(b.Data))
	// Output: 8000 8000 1
}
