package audio

import (
	"fmt"
	"os"
)

// DecodeFile decodes the WAV, FLAC or MP3 file at path, as [Decode] does a
// stream, within lim.
func DecodeFile(path string, lim Limits) (*Buffer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := Decode(f, FormatUnknown, lim)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return b, nil
}
