package node

import (
	"encoding/binary"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
)

// flightLimit bounds the blocks flight remembers. Every block it notes is
// released when executed or discarded; past the bound (blocks lost in a
// way the runner did not see) it forgets everything, which costs at worst
// some transfers proposed twice, never a transfer held back.
const flightLimit = 4096

// flight remembers, for one shard, the transfers on their way into the
// chain — in an optimistic block not finalized yet, or in a finalized
// block not executed yet — so that no proposer of this process offers them
// again before the ledger's nonce moves past them (reliability finding 4:
// a transfer included twice fails on its nonce at execution and wastes the
// block space it takes; in the local network, where heights follow each
// other within one pass of the runner, 74,384 of 100,242 transfers in
// finalized blocks were such copies in a 30 s saturating run).
//
// Every engine of the shard in this process shares it: the believable
// producer, the normal league's proposers in one-league mode or fallback,
// and the engines of the next committee. A block is noted when it arrives
// (an optimistic block) or is finalized (pob's CommitObserver, before the
// next height's proposal) and released when the node executes it — then
// the ledger's nonce is the truth — or when pob discards it (a convicted
// producer's) or the committee changes. A transfer is held back only while
// a block that holds it is still to be executed, so a nonce missing from
// every such block is offered at once: no gap, no stall. Safe for
// concurrent use.
//
// A normal-league proposer's payload comes after the block's optimistic
// blocks, and an optimistic block not finalized yet may be finalized after
// it: so a payload takes nothing from a sender with a transfer in such a
// pending optimistic block (it would run before its predecessor and fail on
// its nonce), while the believable producer, whose optimistic blocks are
// finalized in order, goes on past them.
type flight struct {
	mu      sync.Mutex
	blocks  map[common.Hash]*flightBlock
	held    map[common.Address]map[uint64]int // sender → nonce → blocks holding it
	pending map[common.Address]int            // sender → its transfers in optimistic blocks not finalized
}

type flightBlock struct {
	sns     []senderNonce
	pending bool // an optimistic block not finalized yet
}

type senderNonce struct {
	from  common.Address
	nonce uint64
}

// blocked is what nonce returns for a sender a payload must leave alone:
// no pool holds a transfer at it.
const blocked = ^uint64(0)

func newFlight() *flight {
	f := &flight{}
	f.resetLocked()
	return f
}

// note records the transfers of block id — an optimistic block's
// contentID (pending: not finalized yet), or payloadID for a finalized
// block's payload — looked up in the shard's pool where their senders are
// already recovered. A transfer the pool does not hold cannot be offered
// from it and needs no record. Noting a block twice changes nothing.
func (f *flight) note(id common.Hash, pool *mempool.Pool, txs [][]byte, pending bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.blocks[id]; ok {
		return
	}
	if len(f.blocks) >= flightLimit {
		f.resetLocked()
	}
	fb := &flightBlock{pending: pending}
	for _, raw := range txs {
		t, ok := pool.Get(txHash(raw))
		if !ok {
			continue
		}
		sn := senderNonce{t.From(), t.Nonce}
		fb.sns = append(fb.sns, sn)
		m := f.held[sn.from]
		if m == nil {
			m = map[uint64]int{}
			f.held[sn.from] = m
		}
		m[sn.nonce]++
		if pending {
			f.pending[sn.from]++
		}
	}
	f.blocks[id] = fb
}

// finalized records that the optimistic block id is in a finalized block:
// it runs before any later payload.
func (f *flight) finalized(id common.Hash) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fb, ok := f.blocks[id]; ok && fb.pending {
		fb.pending = false
		f.unpend(fb)
	}
}

func (f *flight) unpend(fb *flightBlock) {
	for _, sn := range fb.sns {
		if f.pending[sn.from]--; f.pending[sn.from] <= 0 {
			delete(f.pending, sn.from)
		}
	}
}

// release forgets block id: executed (the ledger now says where its
// senders stand) or discarded.
func (f *flight) release(id common.Hash) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fb, ok := f.blocks[id]
	if !ok {
		return
	}
	delete(f.blocks, id)
	if fb.pending {
		f.unpend(fb)
	}
	for _, sn := range fb.sns {
		m := f.held[sn.from]
		if m[sn.nonce]--; m[sn.nonce] <= 0 {
			delete(m, sn.nonce)
		}
		if len(m) == 0 {
			delete(f.held, sn.from)
		}
	}
}

// nonce is the next nonce of addr a proposer may offer: the first from
// the ledger's on that no block to be executed holds. For a payload
// (payload set) it is blocked while addr has a transfer in an optimistic
// block not finalized yet.
func (f *flight) nonce(addr common.Address, ledger uint64, payload bool) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if payload && f.pending[addr] > 0 {
		return blocked
	}
	n := ledger
	for f.held[addr][n] > 0 {
		n++
	}
	return n
}

// reset forgets everything: the committee changed, and the optimistic
// blocks of the old one that were not finalized never will be.
func (f *flight) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resetLocked()
}

func (f *flight) resetLocked() {
	f.blocks = map[common.Hash]*flightBlock{}
	f.held = map[common.Address]map[uint64]int{}
	f.pending = map[common.Address]int{}
}

// contentID names an optimistic block by its transactions: the producer's
// app notes it when it proposes them — before the block is signed, and
// before the runner sees the block, when another proposer of this process
// may already be asked for content — and the runner notes and releases
// the same block under the same name.
func contentID(txs [][]byte) common.Hash {
	h := make([][]byte, 0, len(txs)+1)
	h = append(h, []byte("optimistic"))
	for _, raw := range txs {
		h = append(h, txHash(raw).Bytes())
	}
	return crypto.Keccak256Hash(h...)
}

// payloadID names the payload of the block finalized at height: one per
// height, so no block hash is needed.
func payloadID(height uint64) common.Hash {
	var id common.Hash
	copy(id[:], "payload")
	binary.BigEndian.PutUint64(id[24:], height)
	return id
}

// size is the number of blocks remembered.
func (f *flight) size() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.blocks)
}
