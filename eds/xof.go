package eds

import (
	"crypto/sha256"
	"encoding/binary"
)

// stream is a deterministic byte stream derived from a seed with SHA-256 in
// counter mode: block i is SHA-256(domain ‖ 0x00 ‖ seed ‖ i). It is the only
// source of the package's randomness, so every derived choice is a public,
// recomputable function of the epoch randomness.
type stream struct {
	prefix []byte
	ctr    uint64
	buf    [32]byte
	off    int
}

func newStream(domain string, seed []byte) *stream {
	p := make([]byte, 0, len(domain)+1+len(seed))
	p = append(p, domain...)
	p = append(p, 0)
	p = append(p, seed...)
	return &stream{prefix: p, off: 32}
}

func (s *stream) uint64() uint64 {
	if s.off+8 > 32 {
		h := sha256.New()
		h.Write(s.prefix)
		var c [8]byte
		binary.BigEndian.PutUint64(c[:], s.ctr)
		h.Write(c[:])
		h.Sum(s.buf[:0])
		s.ctr++
		s.off = 0
	}
	v := binary.BigEndian.Uint64(s.buf[s.off:])
	s.off += 8
	return v
}

// uniform returns an unbiased integer in [0, n) by rejection sampling.
func (s *stream) uniform(n uint64) uint64 {
	if n&(n-1) == 0 {
		return s.uint64() & (n - 1)
	}
	limit := ^uint64(0) - (^uint64(0)%n+1)%n // largest multiple of n, minus one
	for {
		if v := s.uint64(); v <= limit {
			return v % n
		}
	}
}

// Permutation returns a uniformly random permutation of [0, n) derived from
// seed under a domain tag (Fisher–Yates over a SHA-256 counter stream). Equal
// inputs give equal permutations on every node; other packages (transepoch's
// batch orders, say) can derive their orders the same way.
func Permutation(domain string, seed []byte, n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	s := newStream(domain, seed)
	for i := n - 1; i > 0; i-- {
		j := int(s.uniform(uint64(i) + 1))
		p[i], p[j] = p[j], p[i]
	}
	return p
}
