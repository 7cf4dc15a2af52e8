package node

import (
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
)

// flightTTL is how long a transaction seen in a block of the running
// committee is assumed to be on its way into the chain. An optimistic
// block is pending until a finalized block includes it, whatever the
// heights in between; it is lost only when its producer is convicted or
// crashes before anyone received it, or when the committee changes. After
// flightTTL the sender's pool transactions are offered again.
const flightTTL = 30 * time.Second

// flight remembers, for one shard, the transactions on their way into the
// chain — in an optimistic block, a finalized block not executed yet, or
// this process's payload proposal of the previous height — so that no
// proposer of this process offers them again before the ledger's nonce
// moves past them (reliability finding 4: a transfer included twice fails
// on its nonce at execution and wastes the block space it takes).
//
// A payload proposal (one-league mode, or the fallback when the believable
// producers fall behind) is in flight only for the next height: the engine
// commits a height and asks the next proposer for its block within one
// step, before the runner sees the commit, so the previous height's
// proposal may be the committed block. A proposal of an older height was
// either committed (and noted as such) or lost to another block; one of the
// same height was not committed yet, and a later round re-proposes it.
//
// It is shared by every engine of the shard in this process: the
// believable producer, the normal league's proposer and the engines of the
// next committee see the same record. Safe for concurrent use.
type flight struct {
	mu   sync.Mutex
	next map[common.Address]flightMark
	now  func() time.Time
}

// flightMark is the nonce after a sender's last transaction in a block and
// when it was last seen, and the nonce after its last transaction in a
// payload proposal and the height proposed.
type flightMark struct {
	nonce uint64
	at    time.Time
	prop  uint64
	propH uint64
}

func newFlight() *flight {
	return &flight{next: map[common.Address]flightMark{}, now: time.Now}
}

// mark records that from's transaction with this nonce is in a block
// (an optimistic block this process produced).
func (f *flight) mark(from common.Address, nonce uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.markLocked(from, nonce, f.now())
}

// propose records that from's transaction with this nonce is in this
// process's payload proposal for height.
func (f *flight) propose(from common.Address, nonce, height uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.next[from]
	if m.propH != height || nonce+1 > m.prop {
		m.prop, m.propH = nonce+1, height
	}
	f.next[from] = m
}

func (f *flight) markLocked(from common.Address, nonce uint64, now time.Time) {
	m := f.next[from]
	if nonce+1 > m.nonce {
		m.nonce = nonce + 1
	}
	m.at = now
	f.next[from] = m
}

// note records the transactions of a block, looked up in the shard's pool
// (where their senders are already recovered). A transaction the pool does
// not hold cannot be offered again from it and needs no record.
func (f *flight) note(pool *mempool.Pool, txs [][]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	for _, raw := range txs {
		if t, ok := pool.Get(txHash(raw)); ok {
			f.markLocked(t.From(), t.Nonce, now)
		}
	}
}

// nonce is the next nonce of addr a proposer at height may offer: past
// its transactions in flight, and never below the ledger's.
func (f *flight) nonce(addr common.Address, ledger, height uint64) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.next[addr]
	if !ok {
		return ledger
	}
	next := ledger
	if m.nonce > next && f.now().Sub(m.at) < flightTTL {
		next = m.nonce
	}
	if m.propH+1 == height && m.prop > next {
		next = m.prop
	}
	return next
}

// reset forgets everything: the committee changed, and the optimistic
// blocks of the old one that were not finalized never will be.
func (f *flight) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = map[common.Address]flightMark{}
}

// gc drops the marks the ledger has passed or that expired; ledger is the
// sender's committed nonce.
func (f *flight) gc(ledger func(common.Address) uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	for a, m := range f.next {
		if n := ledger(a); (m.nonce <= n || now.Sub(m.at) >= flightTTL) && m.prop <= n {
			delete(f.next, a)
		}
	}
}

// size is the number of senders with transactions in flight.
func (f *flight) size() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.next)
}
