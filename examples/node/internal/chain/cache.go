package chain

import (
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
)

// TxCache remembers decoded transactions by the hash of their encoding, so
// the sender is recovered once per transaction and node — at admission —
// rather than again when consensus samples it and when the block executes.
// Recovery (~40 µs with libsecp256k1) dwarfs the Keccak-256 lookup (~1 µs).
// A nil *TxCache decodes every time.
type TxCache struct {
	mu   sync.Mutex
	max  int
	byH  map[common.Hash]*txn.Tx
	ring []common.Hash
	next int
}

// NewTxCache returns a cache of at most max transactions.
func NewTxCache(max int) *TxCache {
	return &TxCache{max: max, byH: make(map[common.Hash]*txn.Tx, max), ring: make([]common.Hash, max)}
}

// Decode returns the decoded transaction, from the cache when it is there.
// The cache only ever holds what txn.Decode accepted, keyed by the hash of
// the exact bytes, so it answers exactly as txn.Decode does.
func (c *TxCache) Decode(raw []byte) (*txn.Tx, error) {
	if c == nil {
		return txn.Decode(raw)
	}
	h := crypto.Keccak256Hash(raw)
	c.mu.Lock()
	t, ok := c.byH[h]
	c.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := txn.Decode(raw)
	if err != nil {
		return nil, err
	}
	c.Add(t)
	return t, nil
}

// Add remembers an already decoded transaction.
func (c *TxCache) Add(t *txn.Tx) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byH[t.Hash()]; ok {
		return
	}
	if old := c.ring[c.next]; old != (common.Hash{}) {
		delete(c.byH, old)
	}
	c.ring[c.next] = t.Hash()
	c.byH[t.Hash()] = t
	c.next = (c.next + 1) % c.max
}
