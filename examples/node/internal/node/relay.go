package node

import (
	"fmt"
	"sync"

	"github.com/iostkit/iostkit/examples/node/internal/chain"
)

// relay carries cross-shard exports from the finalized blocks of their
// source shard to the proposer of their destination shard, and lets the
// destination's validators check that every credit in a proposal matches a
// finalized export. Each node follows every shard's finalized chain, so each
// holds the same relay.
type relay struct {
	mu      sync.Mutex
	known   map[chain.Credit]chain.Export // finalized, not yet credited
	pending [][]chain.Credit              // per destination shard, in arrival order
}

func newRelay(shards uint32) *relay {
	return &relay{known: map[chain.Credit]chain.Export{}, pending: make([][]chain.Credit, shards)}
}

func (r *relay) exported(xs []chain.Export) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range xs {
		if _, ok := r.known[x.Credit]; ok {
			continue
		}
		r.known[x.Credit] = x
		r.pending[x.ToShard] = append(r.pending[x.ToShard], x.Credit)
	}
}

// credited drops credits a finalized block applied.
func (r *relay) credited(shard uint32, cs []chain.Credit) {
	if len(cs) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	done := map[chain.Credit]bool{}
	for _, c := range cs {
		done[c] = true
		delete(r.known, c)
	}
	kept := r.pending[shard][:0]
	for _, c := range r.pending[shard] {
		if !done[c] {
			kept = append(kept, c)
		}
	}
	r.pending[shard] = kept
}

func (r *relay) next(shard uint32, max int) []chain.Credit {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.pending[shard]
	if len(p) > max {
		p = p[:max]
	}
	return append([]chain.Credit(nil), p...)
}

func (r *relay) check(shard uint32, cs []chain.Credit) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cs {
		x, ok := r.known[c]
		if !ok || x.ToShard != shard {
			return fmt.Errorf("%w: credit %s from shard %d has no finalized export", chain.ErrBadBlock, c.TxHash, c.FromShard)
		}
	}
	return nil
}

func (r *relay) backlog() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.known)
}
