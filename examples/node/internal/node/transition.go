package node

import (
	"fmt"

	"github.com/iostkit/iostkit/transepoch"
)

// segment is a run of heights within an epoch during which one committee
// runs a shard: the whole epoch when nothing moves, otherwise one segment
// per step of transepoch's batch swap.
type segment struct {
	version uint64 // transepoch's committee version within the epoch
	start   uint64 // first height
	end     uint64 // last height
	members []Validator
}

// domainEpoch is the epoch pob signs under: the epoch and the committee
// version, so no signature of one committee verifies for another.
func domainEpoch(e, version uint64) uint64 { return e<<8 | version }

// transitionFaulty is transepoch's β for the node's small shards: with the
// default 1/5 not one newcomer fits a committee of five (3·(1+⌊5/5⌋) ≥ 5),
// so the example network assumes at most a tenth of a committee faulty
// during a transition.
var transitionFaulty = transepoch.Fraction{Num: 1, Den: 10}

// segments computes shard s's committees for epoch e: from the previous
// epoch's members to this epoch's, in transepoch's batches, one batch every
// Δ heights. Every node computes the same schedule from the same
// randomness. Newcomers count as synced at once: every node of the example
// network already follows every shard (a network where validators hold
// only their shards' state would report them synced once they bootstrapped
// from the shard's last Micro State Block).
func (n *Node) segments(e uint64, s uint32) ([]segment, error) {
	L := n.cfg.EpochBlocks
	start, end := e*L+1, (e+1)*L
	rnd, err := n.randomness(e)
	if err != nil {
		return nil, err
	}
	assign := func(epoch uint64, rnd []byte) (transepoch.Assignment, error) {
		out := transepoch.Assignment{Epoch: epoch}
		for sh := uint32(0); sh < n.cfg.Shards; sh++ {
			ms, err := shardMembers(n.validators, rnd, epoch, n.cfg.Shards, sh)
			if err != nil {
				return out, err
			}
			var tm []transepoch.Member
			for _, v := range ms {
				tm = append(tm, transepoch.Member{ID: v.ID, Weight: 1})
			}
			out.Shards = append(out.Shards, tm)
		}
		return out, nil
	}
	newA, err := assign(e, rnd)
	if err != nil {
		return nil, err
	}
	whole := []segment{{start: start, end: end, members: n.byIDs(newA.Shards[s])}}
	if e == 0 || len(n.validators) < int(n.cfg.Shards)*MinShardSize {
		return whole, nil // nothing moves
	}
	prevRnd, err := n.randomness(e - 1)
	if err != nil {
		return nil, err
	}
	oldA, err := assign(e-1, prevRnd)
	if err != nil {
		return nil, err
	}
	cfg := transepoch.Config{Faulty: transitionFaulty, Delta: max(8, L/16)}
	plan, err := transepoch.NewPlan(oldA, newA, rnd, cfg)
	if err != nil {
		n.log.Warn("transepoch: no safe plan, swapping the whole committee at the boundary", "epoch", e, "err", err)
		return whole, nil
	}
	m, err := transepoch.NewMachine(plan.Shards[s], cfg)
	if err != nil {
		return nil, err
	}
	var segs []segment
	open := func(h uint64, c transepoch.Committee) {
		if len(segs) > 0 {
			segs[len(segs)-1].end = h - 1
		}
		segs = append(segs, segment{version: c.Version, start: h, end: end, members: n.byIDs(c.Members)})
	}
	for h := start; h <= end; h++ {
		rd := m.Ready()
		for _, id := range rd.Bootstrap {
			if err := m.Step(transepoch.Event{Kind: transepoch.Synced, Epoch: e, Shard: s, Validator: id}); err != nil {
				return nil, fmt.Errorf("transepoch: %w", err)
			}
		}
		if rd.Committee != nil {
			open(h, *rd.Committee)
		}
		if rest := m.Ready(); rest.Committee != nil {
			open(h, *rest.Committee)
		}
		m.Tick()
	}
	// A segment too short to finalize anything would only stall the shard.
	kept := segs[:0]
	for _, sg := range segs {
		if len(kept) > 0 && sg.start == kept[len(kept)-1].start {
			kept[len(kept)-1] = sg
			continue
		}
		kept = append(kept, sg)
	}
	return kept, nil
}

func (n *Node) byIDs(ms []transepoch.Member) []Validator {
	out := make([]Validator, 0, len(ms))
	for _, m := range ms {
		var i int
		if _, err := fmt.Sscanf(m.ID, "v%d", &i); err == nil && i < len(n.validators) {
			out = append(out, n.validators[i])
		}
	}
	return out
}
