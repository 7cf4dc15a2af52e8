package node

import (
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/pob"
)

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
	producer int     // index in the believable league; -1: a normal-league proposer
	routes   int     // believable league size
	flight   *flight // the shard's transactions on their way into the chain

	mu      sync.Mutex
	credits map[common.Hash]uint64 // atomix message → height proposed
}

var (
	_ pob.Application    = (*app)(nil)
	_ pob.CommitObserver = (*app)(nil)
)

func newApp(n *Node, sh *chain.Shard, fl *flight, producer, routes int) *app {
	return &app{n: n, shard: sh, flight: fl, producer: producer, routes: routes, credits: map[common.Hash]uint64{}}
}

// Validate implements pob.TxValidator.
func (a *app) Validate(tx []byte) error { return a.shard.Exec.Validate(tx) }

// Propose implements pob.Application: pending atomix messages first (they
// settle funds already locked elsewhere), then executable transfers. A believable
// producer takes only the senders routed to it, so two producers never
// offer the same sender's nonces; no proposer of this process offers a
// transfer already in flight (see flight).
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
	payload := a.producer < 0 // a normal-league proposer's block content
	nonceOf := func(addr common.Address) uint64 { return a.flight.nonce(addr, a.shard.Nonce(addr), payload) }
	var keep func(common.Address) bool
	if a.producer >= 0 && a.routes > 1 {
		keep = func(addr common.Address) bool { return Route(addr, a.routes) == a.producer }
	}
	for _, t := range a.shard.Pool().Pending(max-len(out), nonceOf, keep) {
		out = append(out, t.Bytes())
	}
	if a.producer >= 0 && len(out) > 0 {
		// An optimistic block is pending from now until finalized: noted
		// at once, as the runner will note it, so that a fallback proposer
		// asked for content before the runner sees the block leaves it be.
		a.flight.note(contentID(out), a.shard.Pool(), out, true)
	}
	if len(a.credits) > 4096 {
		for h, at := range a.credits {
			if height-at >= atomixInflight {
				delete(a.credits, h)
			}
		}
	}
	return out
}

// Committed implements pob.CommitObserver: the finalized block's payload
// is in flight from now until the node executes it, and the next height's
// proposal — asked for in the same engine step — must not repeat it; its
// optimistic blocks (noted when they arrived) now run before any later
// payload.
func (a *app) Committed(b pob.Block) {
	for _, o := range b.Optimistic {
		a.flight.finalized(contentID(o.Txs))
	}
	if len(b.Payload) > 0 {
		a.flight.note(payloadID(b.Height), a.shard.Pool(), b.Payload, false)
	}
}

// Route is the believable producer a sender's transactions go to: the
// whitepaper spreads transactions at random over believable validators;
// hashing the sender keeps each sender's nonces with one producer.
func Route(sender common.Address, producers int) int {
	h := crypto.Keccak256(sender.Bytes())
	return int(uint64(h[0])<<8|uint64(h[1])) % producers
}
