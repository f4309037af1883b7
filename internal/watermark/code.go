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
	return listViterbi(soft, 1)[0]
}

// listViterbi returns up to n payloads of a terminated code, most likely
// first: the n best paths into the final state, found by keeping the n
// best survivors in every state (the parallel list Viterbi algorithm).
// With n = 1 it is [viterbi]. A caller that checks each candidate against
// an integrity code recovers payloads whose single best path has an error
// the check catches.
func listViterbi(soft []float32, n int) [][]byte {
	steps := len(soft) / codeRate
	const negInf = -1e30
	metric := make([]float32, nStates*n)
	next := make([]float32, nStates*n)
	for i := range metric {
		metric[i] = negInf
	}
	metric[0] = 0
	// back[(t*nStates+s)*n+r] is the predecessor state and rank of the
	// r-th survivor of state s after step t.
	back := make([]uint16, steps*nStates*n)
	for t := range steps {
		y := soft[t*codeRate : t*codeRate+codeRate]
		for ns := range nStates {
			b := ns >> (constraint - 2)
			s0 := (ns << 1) & (nStates - 1)
			s1 := s0 | 1
			br0, br1 := &branch[s0][b], &branch[s1][b]
			m0 := br0[0]*y[0] + br0[1]*y[1] + br0[2]*y[2]
			m1 := br1[0]*y[0] + br1[1]*y[1] + br1[2]*y[2]
			l0, l1 := metric[s0*n:][:n], metric[s1*n:][:n]
			out := next[ns*n:][:n]
			bk := back[(t*nStates+ns)*n:][:n]
			i, j := 0, 0
			for r := range n {
				v0, v1 := float32(negInf), float32(negInf)
				if i < n && l0[i] > negInf {
					v0 = l0[i] + m0
				}
				if j < n && l1[j] > negInf {
					v1 = l1[j] + m1
				}
				switch {
				case v0 == negInf && v1 == negInf:
					out[r] = negInf
				case v0 >= v1:
					out[r] = v0
					bk[r] = uint16(s0)<<8 | uint16(i)
					i++
				default:
					out[r] = v1
					bk[r] = uint16(s1)<<8 | uint16(j)
					j++
				}
			}
		}
		metric, next = next, metric
	}
	var res [][]byte
	for r := range n {
		if metric[r] == negInf {
			break
		}
		out := make([]byte, steps)
		s, k := 0, r
		for t := steps - 1; t >= 0; t-- {
			out[t] = byte(s >> (constraint - 2) & 1)
			p := back[(t*nStates+s)*n+k]
			s, k = int(p>>8), int(p&0xff)
		}
		res = append(res, out[:steps-(constraint-1)])
	}
	return res
}
