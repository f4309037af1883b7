package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/hajimehoshi/go-mp3"
)

// mp3DecoderDelay is the delay of the standard MPEG Layer III synthesis
// filterbank, in samples, that LAME's encoder-delay field does not include.
const mp3DecoderDelay = 529

// mp3Info is what keyward reads itself from the head of an MP3 stream: the
// first frame's channel mode and the gapless fields of a LAME tag.
type mp3Info struct {
	channels   int
	rate       int
	frameLen   int  // samples per frame
	infoFrame  bool // the first frame is a Xing/Info/VBRI header, no audio
	encDelay   int
	encPadding int
	hasLame    bool
	mpeg25     bool // MPEG 2.5 (8–12 kHz), which the decoder lacks
}

var mp3Rates = [3][3]int{
	{44100, 48000, 32000}, // MPEG-1
	{22050, 24000, 16000}, // MPEG-2
	{11025, 12000, 8000},  // MPEG-2.5
}

// parseMP3Head inspects the first audio frame of head (ID3v2 tag skipped).
func parseMP3Head(head []byte) (*mp3Info, error) {
	p := head
	if len(p) >= 10 && string(p[:3]) == "ID3" {
		sz := int(p[6]&0x7f)<<21 | int(p[7]&0x7f)<<14 | int(p[8]&0x7f)<<7 | int(p[9]&0x7f)
		sz += 10
		if p[5]&0x10 != 0 {
			sz += 10
		}
		if sz > len(p) {
			return nil, fmt.Errorf("%w: mp3: ID3 tag larger than the look-ahead", ErrFormat)
		}
		p = p[sz:]
	}
	// Find the first frame sync within the look-ahead.
	for i := 0; i+4 <= len(p); i++ {
		if p[i] != 0xFF || p[i+1]&0xE0 != 0xE0 {
			continue
		}
		h := binary.BigEndian.Uint32(p[i:])
		ver := (h >> 19) & 3   // 0: 2.5, 2: 2, 3: 1
		layer := (h >> 17) & 3 // 1: layer III
		rateIdx := (h >> 10) & 3
		brIdx := (h >> 12) & 15
		if ver == 1 || layer != 1 || rateIdx == 3 || brIdx == 15 || brIdx == 0 {
			continue
		}
		info := &mp3Info{channels: 2, mpeg25: ver == 0}
		row := map[uint32]int{3: 0, 2: 1, 0: 2}[ver]
		info.rate = mp3Rates[row][rateIdx]
		info.frameLen = 1152
		if ver != 3 {
			info.frameLen = 576
		}
		mode := (h >> 6) & 3
		if mode == 3 {
			info.channels = 1
		}
		// Side-information length decides where a Xing/Info tag would sit.
		side := 32
		switch {
		case ver == 3 && mode == 3:
			side = 17
		case ver != 3 && mode != 3:
			side = 17
		case ver != 3 && mode == 3:
			side = 9
		}
		frame := p[i:]
		tagAt := 4 + side
		if len(frame) >= tagAt+4 {
			tag := string(frame[tagAt : tagAt+4])
			if tag == "Xing" || tag == "Info" {
				info.infoFrame = true
				parseLameTag(frame[tagAt:], info)
			}
		}
		if len(frame) >= 36+4 && string(frame[36:40]) == "VBRI" {
			info.infoFrame = true
		}
		return info, nil
	}
	return nil, fmt.Errorf("%w: mp3: no frame sync", ErrFormat)
}

// parseLameTag reads the encoder delay and padding from a Xing/Info tag.
func parseLameTag(x []byte, info *mp3Info) {
	if len(x) < 8 {
		return
	}
	flags := binary.BigEndian.Uint32(x[4:8])
	off := 8
	if flags&1 != 0 {
		off += 4
	}
	if flags&2 != 0 {
		off += 4
	}
	if flags&4 != 0 {
		off += 100
	}
	if flags&8 != 0 {
		off += 4
	}
	// LAME extension: 9 bytes version, then fields; delay/padding at +21.
	if len(x) < off+24 {
		return
	}
	l := x[off:]
	if string(l[:4]) != "LAME" && string(l[:4]) != "Lavf" && string(l[:4]) != "Lavc" {
		return
	}
	d := l[21:24]
	info.encDelay = int(d[0])<<4 | int(d[1])>>4
	info.encPadding = int(d[1]&0x0f)<<8 | int(d[2])
	info.hasLame = true
}

// DecodeMP3 reads an MPEG-1 or MPEG-2 Layer III stream (MPEG 2.5 is
// refused with [ErrUnsupported]). A LAME/Xing header
// frame is dropped, and the encoder and decoder delay it announces are
// trimmed from the start and its padding from the end, so a LAME round trip
// lines up with its source.
func DecodeMP3(r io.Reader, lim Limits) (*Buffer, error) {
	return decodeAs(r, FormatMP3, lim)
}

// mp3Chunk is how many bytes of decoded samples an mp3Source asks the
// decoder for at a time.
const mp3Chunk = 16384

// mp3Source hands out an MP3 stream's samples with the delays trimmed: it
// drops the first skip frames and always holds back the last hold frames,
// the encoder's padding, which the end of the stream then discards.
type mp3Source struct {
	dec      *mp3.Decoder
	channels int
	skip     int
	hold     int
	buf      []byte // decoded stereo 16-bit frames buf[off:end]
	off, end int
	got      bool // the decoder has produced samples
	eof      bool
}

func newMP3Source(r io.Reader, lim Limits) (src source, rate, channels, bits int, err error) {
	br := bufio.NewReaderSize(r, 256<<10)
	head, _ := br.Peek(256 << 10)
	info, err := parseMP3Head(head)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	if err := lim.check(info.rate, info.channels); err != nil {
		return nil, 0, 0, 0, err
	}
	if info.mpeg25 {
		return nil, 0, 0, 0, fmt.Errorf("%w: mp3: MPEG 2.5 (%d Hz) is not decoded; convert it to WAV or FLAC first", ErrUnsupported, info.rate)
	}
	dec, err := mp3.NewDecoder(br)
	if err != nil {
		return nil, 0, 0, 0, fmt.Errorf("%w: mp3: %v", ErrFormat, err)
	}
	rate = dec.SampleRate()
	if err := lim.check(rate, info.channels); err != nil {
		return nil, 0, 0, 0, err
	}
	// The delays to trim. go-mp3 decodes a Xing/Info frame as one frame of
	// silence, so that frame is part of the skip.
	s := &mp3Source{dec: dec, channels: info.channels, skip: mp3DecoderDelay}
	if info.infoFrame {
		s.skip += info.frameLen
	}
	if info.hasLame {
		s.skip += info.encDelay
	} else {
		s.skip += 576 // LAME's customary delay, the best guess without a tag
	}
	if info.hasLame && info.encPadding > 0 {
		s.hold = max(0, info.encPadding-mp3DecoderDelay)
	}
	s.buf = make([]byte, mp3Chunk+4*s.hold+4)
	return s, rate, info.channels, 16, nil
}

// fill decodes more samples into buf, dropping what skip says.
func (s *mp3Source) fill() error {
	if s.off > 0 {
		s.end = copy(s.buf, s.buf[s.off:s.end])
		s.off = 0
	}
	n, err := io.ReadFull(s.dec, s.buf[s.end:])
	n -= n % 4
	s.end += n
	if n > 0 {
		s.got = true
	}
	if err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !s.got {
			return fmt.Errorf("%w: mp3: %v", ErrFormat, err)
		}
		s.eof = true
	}
	if s.skip > 0 {
		d := min(s.skip, (s.end-s.off)/4)
		s.off += 4 * d
		s.skip -= d
	}
	return nil
}

func (s *mp3Source) read(dst [][]float32) (int, error) {
	for (s.end-s.off)/4 <= s.hold {
		if s.eof {
			return 0, io.EOF
		}
		if err := s.fill(); err != nil {
			s.eof = true
			return 0, err
		}
	}
	k := min(len(dst[0]), (s.end-s.off)/4-s.hold)
	p := s.buf[s.off : s.off+4*k]
	if s.channels == 1 {
		d := dst[0][:k]
		for i := range d {
			d[i] = float32(int16(binary.LittleEndian.Uint16(p[4*i:]))) * (1.0 / 32768)
		}
	} else {
		l, r := dst[0][:k], dst[1][:k]
		for i := range l {
			q := p[4*i : 4*i+4 : 4*i+4]
			l[i] = float32(int16(uint16(q[0])|uint16(q[1])<<8)) * (1.0 / 32768)
			r[i] = float32(int16(uint16(q[2])|uint16(q[3])<<8)) * (1.0 / 32768)
		}
	}
	s.off += 4 * k
	return k, nil
}

// sniff names the format of the stream whose first bytes are head.
func sniff(head []byte) Format {
	switch {
	case len(head) >= 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WAVE":
		return FormatWAV
	case len(head) >= 4 && string(head[0:4]) == "fLaC":
		return FormatFLAC
	case len(head) >= 3 && string(head[0:3]) == "ID3":
		// FLAC may also carry an ID3v2 tag; look past it.
		sz := 0
		if len(head) >= 10 {
			sz = 10 + (int(head[6]&0x7f)<<21 | int(head[7]&0x7f)<<14 | int(head[8]&0x7f)<<7 | int(head[9]&0x7f))
		}
		if sz > 0 && sz+4 <= len(head) && string(head[sz:sz+4]) == "fLaC" {
			return FormatFLAC
		}
		return FormatMP3
	case len(head) >= 2 && head[0] == 0xFF && head[1]&0xE6 == 0xE2:
		return FormatMP3 // frame sync, layer III
	}
	return FormatUnknown
}

// Decode reads a whole WAV, FLAC or MP3 stream, choosing the decoder from
// the content. hint, when not [FormatUnknown], is used only if sniffing
// fails (a headerless MP3 that starts with junk, say).
func Decode(r io.Reader, hint Format, lim Limits) (*Buffer, error) {
	rd, err := NewReader(r, hint, lim)
	if err != nil {
		return nil, err
	}
	buf, err := readAll(rd)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", rd.format, err)
	}
	return buf, nil
}
