package transepoch

import (
	"crypto/sha3"
	"encoding/binary"
)

// Domain tags of the two per-shard orders. Versioned: a change of the
// derivation must change the tag.
const (
	leaveDomain = "iostkit/transepoch/leave/v1"
	joinDomain  = "iostkit/transepoch/join/v1"
)

// xof is SHAKE256 over (domain ‖ 0 ‖ epoch ‖ shard ‖ rnd): a public,
// recomputable stream, the only randomness of the package.
type xof struct {
	h   *sha3.SHAKE
	buf [8]byte
}

func newXOF(domain string, epoch uint64, shard uint32, rnd []byte) *xof {
	h := sha3.NewSHAKE256()
	var hdr [12]byte
	binary.BigEndian.PutUint64(hdr[:8], epoch)
	binary.BigEndian.PutUint32(hdr[8:], shard)
	h.Write([]byte(domain))
	h.Write([]byte{0})
	h.Write(hdr[:])
	h.Write(rnd)
	return &xof{h: h}
}

func (x *xof) uint64() uint64 {
	x.h.Read(x.buf[:])
	return binary.BigEndian.Uint64(x.buf[:])
}

// uniform returns an unbiased integer in [0, n) by rejection sampling.
func (x *xof) uniform(n uint64) uint64 {
	if n&(n-1) == 0 {
		return x.uint64() & (n - 1)
	}
	limit := ^uint64(0) - (^uint64(0)%n+1)%n
	for {
		if v := x.uint64(); v <= limit {
			return v % n
		}
	}
}

// order returns the batch order of ms (which the caller sorted by ID) for
// one shard: a Fisher–Yates permutation driven by SHAKE256 under the given
// domain tag, so leavers and newcomers get independent orders that anyone
// holding rnd recomputes.
func order(ms []Member, domain string, epoch uint64, shard uint32, rnd []byte) []Member {
	out := make([]Member, len(ms))
	copy(out, ms)
	if len(out) < 2 {
		return out
	}
	x := newXOF(domain, epoch, shard, rnd)
	for i := len(out) - 1; i > 0; i-- {
		j := int(x.uniform(uint64(i) + 1))
		out[i], out[j] = out[j], out[i]
	}
	return out
}
