package transepoch

import (
	"cmp"
	"fmt"
	"slices"
)

// Member is a validator as a committee sees it: an opaque unique ID (the
// node uses the hex of the validator's public key) and a positive voting
// weight (stake or believability).
type Member struct {
	ID     string
	Weight uint64
}

// Assignment is plain validator→shard data for one epoch: Shards[s] lists
// the members of shard s. eds produces it; transepoch only reads it, so the
// node converts eds.Assignment with a loop.
type Assignment struct {
	Epoch  uint64
	Shards [][]Member
}

// Committee is what consensus runs with: the members of one shard at one
// step of a transition, sorted by ID. Version increases by one with every
// change within the epoch, so consumers can drop stale handovers.
type Committee struct {
	Shard   uint32
	Epoch   uint64
	Version uint64
	Members []Member
}

// Weight is the committee's total weight.
func (c Committee) Weight() uint64 { return totalWeight(c.Members) }

// Contains reports whether id is a member.
func (c Committee) Contains(id string) bool {
	_, ok := slices.BinarySearchFunc(c.Members, id, func(m Member, id string) int { return cmp.Compare(m.ID, id) })
	return ok
}

// IDs lists the member ids in committee order.
func (c Committee) IDs() []string {
	out := make([]string, len(c.Members))
	for i, m := range c.Members {
		out[i] = m.ID
	}
	return out
}

func totalWeight(ms []Member) uint64 {
	var w uint64
	for _, m := range ms {
		w += m.Weight // total stake is bounded by the token cap: no overflow
	}
	return w
}

func sortMembers(ms []Member) {
	slices.SortFunc(ms, func(a, b Member) int { return cmp.Compare(a.ID, b.ID) })
}

// Fraction is a rational number Num/Den, used for the faulty bound so that
// no float enters a consensus decision.
type Fraction struct {
	Num, Den uint64
}

// String formats f as Num/Den.
func (f Fraction) String() string { return fmt.Sprintf("%d/%d", f.Num, f.Den) }

// Config parametrises planning and execution. The zero value is usable:
// every zero field takes the documented default.
type Config struct {
	// Faulty is β, the per-shard faulty bound: the largest fraction of a
	// running committee's weight that may be Byzantine, crashed or departed
	// at any time. Must be below 1/3. Zero means 1/5.
	Faulty Fraction
	// MaxBatch caps the number of newcomers (and of leavers) per batch.
	// Zero means the whitepaper's k = ⌊log₂ s⌋ (at least 1), s the shard's
	// current committee size. The committee bound caps it further.
	MaxBatch int
	// Delta is Δ, the minimum number of ticks between two batch starts in
	// a shard. Zero means 1. Drive ticks by finalized block height so that
	// every member switches committee at the same block.
	Delta uint64
	// SyncTimeout is how many ticks a batch's newcomers get to report that
	// they bootstrapped from the last Micro State Block and caught up;
	// late newcomers leave the committee and are retried. Zero means 8·Δ.
	SyncTimeout uint64
	// MaxRetries is how many more batches a newcomer that missed its sync
	// deadline gets before it is abandoned for the epoch. Zero means 2;
	// a negative value means no retry.
	MaxRetries int

	// overBound lets batches carry this much more unsynced weight than the
	// committee bound allows, in planning and execution. Only this package's
	// tests set it, to show that the simulation fails as soon as batches
	// exceed the bound, even by one unit of weight.
	overBound uint64
}

// admits is the bound as planner and machine apply it: a committee of
// weight after, of which u is unsynced and down is known to be down, keeps
// 3·(u + max(⌊β·after⌋, down)) < after.
func (c Config) admits(after, u, down uint64) bool {
	if after == 0 {
		return false
	}
	f := max(FaultyWeight(after, c.faulty()), down)
	limit := (after - 1) / 3
	if f > limit {
		return false
	}
	room := limit - f
	if room+c.overBound >= room { // no overflow
		room += c.overBound
	} else {
		room = ^uint64(0)
	}
	return u <= room
}

// DefaultFaulty is β when Config.Faulty is zero.
var DefaultFaulty = Fraction{Num: 1, Den: 5}

// Validate reports an invalid configuration.
func (c Config) Validate() error {
	f := c.faulty()
	if f.Den == 0 {
		return fmt.Errorf("%w: faulty fraction %s has a zero denominator", ErrBadConfig, f)
	}
	if 3*f.Num >= f.Den || f.Den > 1<<32 {
		return fmt.Errorf("%w: faulty fraction %s must be below 1/3 (denominator ≤ 2^32)", ErrBadConfig, f)
	}
	if c.MaxBatch < 0 {
		return fmt.Errorf("%w: negative MaxBatch %d", ErrBadConfig, c.MaxBatch)
	}
	return nil
}

func (c Config) faulty() Fraction {
	if c.Faulty == (Fraction{}) {
		return DefaultFaulty
	}
	return c.Faulty
}

func (c Config) delta() uint64 {
	if c.Delta == 0 {
		return 1
	}
	return c.Delta
}

func (c Config) syncTimeout() uint64 {
	if c.SyncTimeout == 0 {
		return 8 * c.delta()
	}
	return c.SyncTimeout
}

func (c Config) maxRetries() int {
	switch {
	case c.MaxRetries == 0:
		return 2
	case c.MaxRetries < 0:
		return 0
	}
	return c.MaxRetries
}
