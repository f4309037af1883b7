package watermark

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
)

// The payload is the 64-bit id followed by a 32-bit keyed MAC of it, coded
// with a rate-1/3 convolutional code of constraint length 7 (generators
// 133, 145, 175 octal, free distance 15) and terminated with six zero bits.
const (
	idBits      = 64
	macBits     = 32
	payloadBits = idBits + macBits
	constraint  = 7
	nStates     = 1 << (constraint - 1)
	codeRate    = 3
	codeSteps   = payloadBits + constraint - 1
	codedBits   = codeSteps * codeRate
)

var generators = [codeRate]uint32{0o133, 0o145, 0o175}

// macOf returns the 32-bit integrity check of id under key.
func macOf(key []byte, id ID) uint32 {
	h := hmac.New(sha256.New, key)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(id))
	h.Write(b[:])
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// payload returns the 96 payload bits, most significant first.
func payload(key []byte, id ID) [payloadBits]byte {
	var p [payloadBits]byte
	for i := range idBits {
		p[i] = byte(uint64(id) >> (idBits - 1 - i) & 1)
	}
	mac := macOf(key, id)
	for i := range macBits {
		p[idBits+i] = byte(mac >> (macBits - 1 - i) & 1)
	}
	return p
}

// unpack splits payload bits into the id and the MAC they carry.
func unpack(p []byte) (ID, uint32) {
	var id uint64
	for i := range idBits {
		id = id<<1 | uint64(p[i])
	}
	var mac uint32
	for i := range macBits {
		mac = mac<<1 | uint32(p[idBits+i])
	}
	return ID(id), mac
}

// encode returns the coded bits of the payload bits in.
func encode(in []byte) []byte {
	out := make([]byte, 0, (len(in)+constraint-1)*codeRate)
	var state uint32
	for i := 0; i < len(in)+constraint-1; i++ {
		var b uint32
		if i < len(in) {
			b = uint32(in[i])
		}
		reg := b<<(constraint-1) | state
		for _, g := range generators {
			out = append(out, byte(bits.OnesCount32(reg&g)&1))
		}
		state = reg >> 1
	}
	return out
}

// branch[s][b] holds the three coded bits, as ±1, for input b in state s.
var branch = func() (t [nStates][2][codeRate]float32) {
	for s := range nStates {
		for b := range 2 {
			reg := uint32(b)<<(constraint-1) | uint32(s)
			for k, g := range generators {
				t[s][b][k] = float32(2*(bits.OnesCount32(reg&g)&1) - 1)
			}
		}
	}
	return t
}()

// viterbi decodes soft values (positive means a coded 1) into the most
// likely payload bits of a terminated code.
func viterbi(soft []float32) []byte {
	steps := len(soft) / codeRate
	const negInf = -1e30
	var metric, next [nStates]float32
	for i := range metric {
		metric[i] = negInf
	}
	metric[0] = 0
	// decision[t][s] is the input bit and predecessor that reached s.
	prev := make([][nStates]uint8, steps)
	for t := range steps {
		y := soft[t*codeRate : t*codeRate+codeRate]
		for i := range next {
			next[i] = negInf
		}
		for s := range nStates {
			if metric[s] == negInf {
				continue
			}
			for b := range 2 {
				br := &branch[s][b]
				m := metric[s] + br[0]*y[0] + br[1]*y[1] + br[2]*y[2]
				ns := (b<<(constraint-1) | s) >> 1
				if m > next[ns] {
					next[ns] = m
					prev[t][ns] = uint8(s)
				}
			}
		}
		metric = next
	}
	// Terminated: trace back from state 0.
	out := make([]byte, steps)
	s := 0
	for t := steps - 1; t >= 0; t-- {
		out[t] = byte(s >> (constraint - 2) & 1)
		s = int(prev[t][s])
	}
	return out[:steps-(constraint-1)]
}
