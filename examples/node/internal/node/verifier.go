package node

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"

	"github.com/drand/kyber"
	"github.com/iostkit/iostkit/pob"
)

// cachedVerifier remembers BLS verification outcomes. In the local network
// every replica of a shard checks the same votes; with the cache the
// process pays for each signature once. It answers exactly as the wrapped
// verifier does (pob allows such a wrapper).
type cachedVerifier struct {
	v    pob.Verifier
	mu   sync.Mutex
	seen map[[32]byte]bool
}

var _ pob.Verifier = (*cachedVerifier)(nil)

func newCachedVerifier() *cachedVerifier {
	return &cachedVerifier{v: pob.BLSVerifier{}, seen: map[[32]byte]bool{}}
}

// Verify implements pob.Verifier.
func (c *cachedVerifier) Verify(pub kyber.Point, msg, sig []byte) error {
	pb, err := pub.MarshalBinary()
	if err != nil {
		return c.v.Verify(pub, msg, sig)
	}
	h := sha256.New()
	for _, part := range [][]byte{pb, msg, sig} {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(part))))
		h.Write(part)
	}
	key := [32]byte(h.Sum(nil))
	c.mu.Lock()
	ok := c.seen[key]
	c.mu.Unlock()
	if ok {
		return nil
	}
	if err := c.v.Verify(pub, msg, sig); err != nil {
		return err // failures are not cached: they are cheap to repeat and rare
	}
	c.mu.Lock()
	if len(c.seen) > 200_000 {
		c.seen = map[[32]byte]bool{}
	}
	c.seen[key] = true
	c.mu.Unlock()
	return nil
}
