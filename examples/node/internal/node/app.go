package node

import (
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/pob"
)

// inflightFor is how many heights a proposed transaction is assumed to be
// on its way to finality before the proposer offers its nonce again (its
// optimistic block was lost, say).
const inflightFor = 64

// atomixInflight is how many heights a proposed atomix message is
// assumed to be on its way before it is offered again: short, because a
// message that misses the epoch it was certified in goes stale.
const atomixInflight = 8

// app is pob's Application for one validator of one shard: the shard's
// mempool and pending atomix messages as block content, the executor's
// stateless rule as validity.
type app struct {
	n        *Node
	shard    *chain.Shard
	producer int // index in the believable league; -1: a normal-league proposer
	routes   int // believable league size

	mu       sync.Mutex
	inflight map[common.Address][2]uint64 // sender → (next nonce, height proposed)
	credits  map[common.Hash]uint64       // atomix message → height proposed
}

var _ pob.Application = (*app)(nil)

func newApp(n *Node, sh *chain.Shard, producer, routes int) *app {
	return &app{n: n, shard: sh, producer: producer, routes: routes,
		inflight: map[common.Address][2]uint64{}, credits: map[common.Hash]uint64{}}
}

// Validate implements pob.TxValidator.
func (a *app) Validate(tx []byte) error { return a.shard.Exec.Validate(tx) }

// Propose implements pob.Application: pending atomix messages first (they
// settle funds already locked elsewhere), then executable transfers. A believable
// producer takes only the senders routed to it, so two producers never
// offer the same sender's nonces.
func (a *app) Propose(height uint64, max int) [][]byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out [][]byte
	if a.producer <= 0 { // one producer (or the fallback proposer) carries credits
		for _, raw := range a.n.pendingAtomix(a.shard.Exec.Shard, max/4) {
			h := crypto.Keccak256Hash(raw)
			if at, ok := a.credits[h]; ok && height-at < atomixInflight {
				continue
			}
			a.credits[h] = height
			out = append(out, raw)
		}
	}
	nonceOf := func(addr common.Address) uint64 {
		ledger := a.shard.Nonce(addr)
		if f, ok := a.inflight[addr]; ok && f[0] > ledger && height-f[1] < inflightFor {
			return f[0]
		}
		return ledger
	}
	var keep func(common.Address) bool
	if a.producer >= 0 && a.routes > 1 {
		keep = func(addr common.Address) bool { return Route(addr, a.routes) == a.producer }
	}
	for _, t := range a.shard.Pool().Pending(max-len(out), nonceOf, keep) {
		a.inflight[t.From()] = [2]uint64{t.Nonce + 1, height}
		out = append(out, t.Bytes())
	}
	if len(a.credits) > 4096 || len(a.inflight) > 65536 {
		a.gc(height)
	}
	return out
}

func (a *app) gc(height uint64) {
	for h, at := range a.credits {
		if height-at >= inflightFor {
			delete(a.credits, h)
		}
	}
	for addr, f := range a.inflight {
		if height-f[1] >= inflightFor {
			delete(a.inflight, addr)
		}
	}
}

// Route is the believable producer a sender's transactions go to: the
// whitepaper spreads transactions at random over believable validators;
// hashing the sender keeps each sender's nonces with one producer.
func Route(sender common.Address, producers int) int {
	h := crypto.Keccak256(sender.Bytes())
	return int(uint64(h[0])<<8|uint64(h[1])) % producers
}
