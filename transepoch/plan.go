package transepoch

import (
	"fmt"
)

// Batch is one step of a shard's transition: Leave goes out of the
// committee and Join comes in, together, and the next batch waits until
// every member of Join has bootstrapped and caught up.
type Batch struct {
	Leave []Member
	Join  []Member
}

// ShardPlan is the transition of one shard: the committee it starts from,
// the ordered batches, and the committee it ends with.
type ShardPlan struct {
	Shard uint32
	Epoch uint64
	// Start is the old committee with the new epoch's weights for members
	// that stay, sorted by ID. It is what consensus runs before batch one.
	Start []Member
	// Batches are in execution order. Leavers of a batch come from the
	// shard's leave permutation, newcomers from its join permutation.
	Batches []Batch
	// Final is the new committee, sorted by ID.
	Final []Member
	// Fresh marks a shard without an old committee (a shard added this
	// epoch): it has nothing to keep live, so its newcomers join in one
	// batch and the shard starts once they are synced.
	Fresh bool
}

// Plan is the transition of every shard from one epoch to the next.
type Plan struct {
	Epoch  uint64
	Faulty Fraction
	Shards []ShardPlan
	// Arriving lists validators new to the validator set; Departing those
	// leaving it. Both sorted.
	Arriving, Departing []string
}

// NewPlan computes the batches of every shard for the transition from old
// to new (new.Epoch is the epoch being entered) under the epoch randomness
// rnd. Joining and leaving validators are the differences of the two
// assignments: a validator in new but in no shard of old arrives, one in
// old but in no shard of new departs, one in different shards moves.
//
// Per shard, leavers and newcomers are each ordered by their own
// permutation drawn from SHAKE256(domain ‖ epoch ‖ shard ‖ rnd), then cut
// into batches of at most k (Config.MaxBatch, default ⌊log₂ s⌋) newcomers
// paired with as many leavers, each batch shrunk until the committee it
// produces satisfies Safe(weight, newcomer weight, β). A shard in which no
// single newcomer can join safely fails with ErrNoSafeBatch.
func NewPlan(old, new Assignment, rnd []byte, cfg Config) (*Plan, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(rnd) == 0 {
		return nil, ErrNoRandomness
	}
	oldShard, err := index(old, "old")
	if err != nil {
		return nil, err
	}
	newShard, err := index(new, "new")
	if err != nil {
		return nil, err
	}
	p := &Plan{Epoch: new.Epoch, Faulty: cfg.faulty()}
	for id := range newShard {
		if _, ok := oldShard[id]; !ok {
			p.Arriving = append(p.Arriving, id)
		}
	}
	for id := range oldShard {
		if _, ok := newShard[id]; !ok {
			p.Departing = append(p.Departing, id)
		}
	}
	sortStrings(p.Arriving)
	sortStrings(p.Departing)

	shards := max(len(old.Shards), len(new.Shards))
	p.Shards = make([]ShardPlan, shards)
	for s := range shards {
		var o, n []Member
		if s < len(old.Shards) {
			o = old.Shards[s]
		}
		if s < len(new.Shards) {
			n = new.Shards[s]
		}
		sp, err := planShard(uint32(s), new.Epoch, o, n, rnd, cfg)
		if err != nil {
			return nil, fmt.Errorf("shard %d: %w", s, err)
		}
		p.Shards[s] = sp
	}
	return p, nil
}

// index checks that a is a partition of distinct, named, weighted members
// and maps each id to its shard.
func index(a Assignment, which string) (map[string]int, error) {
	n := 0
	for _, ms := range a.Shards {
		n += len(ms)
	}
	at := make(map[string]int, n)
	for s, ms := range a.Shards {
		for _, m := range ms {
			if m.ID == "" || m.Weight == 0 {
				return nil, fmt.Errorf("%w: %s shard %d has a member with empty id or zero weight", ErrBadAssignment, which, s)
			}
			if prev, dup := at[m.ID]; dup {
				return nil, fmt.Errorf("%w: %s assignment has %q in shards %d and %d", ErrBadAssignment, which, m.ID, prev, s)
			}
			at[m.ID] = s
		}
	}
	return at, nil
}

// planShard builds one shard's batches. It is the planner proper; NewPlan
// only checks inputs and loops over shards.
func planShard(shard uint32, epoch uint64, old, new []Member, rnd []byte, cfg Config) (ShardPlan, error) {
	sp := ShardPlan{Shard: shard, Epoch: epoch}
	newW := make(map[string]uint64, len(new))
	for _, m := range new {
		newW[m.ID] = m.Weight
	}
	inOld := make(map[string]bool, len(old))
	var leavers, joiners []Member
	sp.Start = make([]Member, 0, len(old))
	for _, m := range old {
		inOld[m.ID] = true
		if w, stays := newW[m.ID]; stays {
			sp.Start = append(sp.Start, Member{ID: m.ID, Weight: w})
		} else {
			sp.Start = append(sp.Start, m)
			leavers = append(leavers, m)
		}
	}
	for _, m := range new {
		if !inOld[m.ID] {
			joiners = append(joiners, m)
		}
	}
	sortMembers(sp.Start)
	sortMembers(leavers)
	sortMembers(joiners)
	sp.Final = append([]Member(nil), new...)
	sortMembers(sp.Final)
	leavers = order(leavers, leaveDomain, epoch, shard, rnd)
	joiners = order(joiners, joinDomain, epoch, shard, rnd)

	switch {
	case len(leavers) == 0 && len(joiners) == 0:
		return sp, nil
	case len(old) == 0:
		sp.Fresh = true
		sp.Batches = []Batch{{Join: joiners}}
		return sp, nil
	case len(new) == 0:
		sp.Batches = []Batch{{Leave: leavers}}
		return sp, nil
	}

	k := cfg.MaxBatch
	if k == 0 {
		k = BatchSize(len(old))
	}
	beta := cfg.faulty()
	w := totalWeight(sp.Start)
	li, ji := 0, 0
	for li < len(leavers) || ji < len(joiners) {
		var b Batch
		if ji == len(joiners) {
			p := min(k, len(leavers)-li)
			b.Leave = leavers[li : li+p]
			after := w - totalWeight(b.Leave)
			if !cfg.admits(after, 0, 0) {
				return sp, fmt.Errorf("%w: removing %d leavers leaves weight %d", ErrNoSafeBatch, p, after)
			}
		} else {
			m, p := fitPrefix(w, leavers[li:], joiners[ji:], k, 0, cfg.admits)
			if m == 0 {
				return sp, fmt.Errorf("%w: newcomer %q (weight %d) cannot join a committee of weight %d with β = %s",
					ErrNoSafeBatch, joiners[ji].ID, joiners[ji].Weight, w, beta)
			}
			b.Leave, b.Join = leavers[li:li+p], joiners[ji:ji+m]
		}
		w = w - totalWeight(b.Leave) + totalWeight(b.Join)
		li += len(b.Leave)
		ji += len(b.Join)
		sp.Batches = append(sp.Batches, b)
	}
	return sp, nil
}

// fitPrefix picks the largest m ≤ k newcomers (taken in order, paired with
// p = min(m, leavers left) leavers) such that ok(weight after the swap, newcomer weight,
// down weight) holds for every prefix up to m. If no paired swap fits it
// tries one newcomer joining without a leaver, since a heavier committee
// has more headroom. down is the weight of known-failed members that stay.
func fitPrefix(w uint64, leavers, joiners []Member, k int, down uint64, ok func(after, u, down uint64) bool) (m, p int) {
	var lw, jw uint64
	for i := 1; i <= min(k, len(joiners)); i++ {
		jw += joiners[i-1].Weight
		pi := min(i, len(leavers))
		for j := min(i-1, len(leavers)); j < pi; j++ {
			lw += leavers[j].Weight
		}
		if w+jw < lw || !ok(w+jw-lw, jw, down) {
			break
		}
		m, p = i, pi
	}
	if m == 0 && len(joiners) > 0 && ok(w+joiners[0].Weight, joiners[0].Weight, down) {
		return 1, 0
	}
	return m, p
}

// Check verifies that every committee of the shard's transition keeps more
// than 2/3 of its weight honest and synced under β: while batch i's
// newcomers sync, 3·(their weight + ⌊β·W_i⌋) < W_i. It returns
// ErrUnsafePlan naming the first batch that breaks the bound.
func (sp ShardPlan) Check(beta Fraction) error {
	if sp.Fresh || len(sp.Final) == 0 {
		return nil // nothing to keep live: a shard that starts or retires
	}
	w := totalWeight(sp.Start)
	for i, b := range sp.Batches {
		lw, jw := totalWeight(b.Leave), totalWeight(b.Join)
		if w+jw < lw {
			return fmt.Errorf("%w: shard %d batch %d removes more weight than the committee has", ErrUnsafePlan, sp.Shard, i)
		}
		w = w + jw - lw
		if !Safe(w, jw, beta) {
			return fmt.Errorf("%w: shard %d batch %d: weight %d, unsynced %d, β = %s", ErrUnsafePlan, sp.Shard, i, w, jw, beta)
		}
	}
	return nil
}

// Check runs ShardPlan.Check on every shard with the plan's β.
func (p *Plan) Check() error {
	for _, sp := range p.Shards {
		if err := sp.Check(p.Faulty); err != nil {
			return err
		}
	}
	return nil
}
