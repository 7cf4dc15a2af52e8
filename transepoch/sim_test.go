package transepoch

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/iostkit/iostkit/internal/sim"
	"github.com/stretchr/testify/require"
)

// The simulation: several shards, each with a Machine, go through epoch
// after epoch of transitions. Each shard's consensus is modelled as a
// finalizer that finalizes a block in a tick iff the committee the machine
// handed over has more than 2/3 of its weight live, honest and synced.
//
// Faults, all within the per-shard faulty bound β of the running committee:
//   - a mobile Byzantine adversary that, every tick, silences as much weight
//     of every committee as β allows (the worst case for the bound);
//   - crashes (with restarts) and validators that leave mid-transition,
//     which use up part of that same budget while they are in a committee;
//   - newcomers that never finish syncing (they are not faulty: they are
//     the unsynced weight the bound provisions for, until the machine drops
//     them at the sync deadline).
//
// Sync reports and Left/Down/Up notices travel over internal/sim's seeded
// network with delay and loss.

type simParams struct {
	seed                          uint64
	shards, perShard, epochs      int
	maxWeight                     uint64
	movePct, departPct, arrivePct int
	stuckPct                      int    // newcomers that never sync
	maxSync                       uint64 // sync takes 1..maxSync ticks
	crashPerMille, leavePerMille  int    // per tick
	cfg                           Config
}

type simStats struct {
	transitions, shardEpochs, stalledShardEpochs, stalledTicks int
	ticks, blocks, batches, unsafeStarts, abandoned            int
	invariantBroken                                            int
	crashes, leaves, incomplete, maxTicks                      int
}

func (s *simStats) add(o simStats) {
	s.transitions += o.transitions
	s.shardEpochs += o.shardEpochs
	s.stalledShardEpochs += o.stalledShardEpochs
	s.stalledTicks += o.stalledTicks
	s.ticks += o.ticks
	s.blocks += o.blocks
	s.batches += o.batches
	s.unsafeStarts += o.unsafeStarts
	s.invariantBroken += o.invariantBroken
	s.abandoned += o.abandoned
	s.crashes += o.crashes
	s.leaves += o.leaves
	s.incomplete += o.incomplete
	s.maxTicks = max(s.maxTicks, o.maxTicks)
}

type syncJob struct {
	shard     int
	remaining uint64
	stuck     bool
}

type simWorld struct {
	p        simParams
	t        *testing.T
	weight   map[string]uint64
	departed map[string]bool
	crashed  map[string]uint64 // id → restart tick
	synced   []map[string]bool // per shard
	jobs     map[string]*syncJob
	advOrder map[string]uint64 // the adversary's fixed preference order
	advCache map[[2]uint64][]Member
	assign   Assignment
	pool     []string // validators without a shard (abandoned newcomers)
	nextID   int
}

// simDebug logs every stalled tick with the shard's accounting.
const simDebug = false

const oracle = sim.NodeID(1 << 30) // the node that announces Left/Down/Up

func newSimWorld(t *testing.T, p simParams) *simWorld {
	w := &simWorld{p: p, t: t, weight: map[string]uint64{}, departed: map[string]bool{},
		crashed: map[string]uint64{}, jobs: map[string]*syncJob{}, advOrder: map[string]uint64{}, advCache: map[[2]uint64][]Member{}}
	w.assign = Assignment{Epoch: 0, Shards: make([][]Member, p.shards)}
	return w
}

func (w *simWorld) newValidator(weight uint64) Member {
	id := fmt.Sprintf("v%06d", w.nextID)
	w.nextID++
	w.weight[id] = weight
	var seed [16]byte
	binary.BigEndian.PutUint64(seed[:8], w.p.seed)
	h := sha256.Sum256(append(seed[:], id...))
	w.advOrder[id] = binary.BigEndian.Uint64(h[:8])
	return Member{ID: id, Weight: weight}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// run drives p.epochs transitions and returns the statistics.
func (w *simWorld) run() simStats {
	var total simStats
	net := sim.New[Event](sim.Config{Seed: w.p.seed, MinDelay: 1, MaxDelay: 3, DropPerMille: 50})
	r := net.Rand()
	for s := range w.p.shards {
		for range w.p.perShard {
			w.assign.Shards[s] = append(w.assign.Shards[s], w.newValidator(1+r.Uint64N(w.p.maxWeight)))
		}
	}
	for e := 1; e <= w.p.epochs; e++ {
		total.add(w.epoch(net, uint64(e)))
	}
	return total
}

func (w *simWorld) nextAssignment(net *sim.Network[Event], epoch uint64) Assignment {
	r := net.Rand()
	nw := Assignment{Epoch: epoch, Shards: make([][]Member, w.p.shards)}
	for s, ms := range w.assign.Shards {
		for _, m := range ms {
			switch {
			case r.IntN(100) < w.p.departPct:
				continue
			case r.IntN(100) < w.p.movePct:
				to := (s + 1 + r.IntN(w.p.shards-1)) % w.p.shards
				nw.Shards[to] = append(nw.Shards[to], m)
			default:
				nw.Shards[s] = append(nw.Shards[s], m)
			}
		}
	}
	for _, id := range w.pool {
		s := r.IntN(w.p.shards)
		nw.Shards[s] = append(nw.Shards[s], Member{ID: id, Weight: w.weight[id]})
	}
	w.pool = nil
	for range w.p.shards * w.p.perShard * w.p.arrivePct / 100 {
		s := r.IntN(w.p.shards)
		nw.Shards[s] = append(nw.Shards[s], w.newValidator(1+r.Uint64N(w.p.maxWeight)))
	}
	// Keep shard sizes balanced: move random members from the largest
	// shard to the smallest, as eds's balanced assignment would.
	for {
		lo, hi := 0, 0
		for s := range nw.Shards {
			if len(nw.Shards[s]) < len(nw.Shards[lo]) {
				lo = s
			}
			if len(nw.Shards[s]) > len(nw.Shards[hi]) {
				hi = s
			}
		}
		if len(nw.Shards[hi])-len(nw.Shards[lo]) <= 2 {
			break
		}
		i := r.IntN(len(nw.Shards[hi]))
		m := nw.Shards[hi][i]
		nw.Shards[hi] = slices.Delete(nw.Shards[hi], i, i+1)
		nw.Shards[lo] = append(nw.Shards[lo], m)
	}
	return nw
}

func (w *simWorld) epoch(net *sim.Network[Event], epoch uint64) simStats {
	t, p := w.t, w.p
	r := net.Rand()
	var st simStats
	st.transitions = 1
	st.shardEpochs = p.shards
	nw := w.nextAssignment(net, epoch)
	rnd := fmt.Appendf(nil, "rnd/%d/%d", p.seed, epoch)
	plan, err := NewPlan(w.assign, nw, rnd, p.cfg)
	require.NoError(t, err, "seed %d epoch %d", p.seed, epoch)
	beta := p.cfg.faulty()

	machines := make([]*Machine, p.shards)
	committees := make([]Committee, p.shards)
	stayers := make([]map[string]bool, p.shards) // in every committee of the shard
	involved := map[string][]int{}               // shards whose plan names the validator
	w.synced = make([]map[string]bool, p.shards)
	for s := range p.shards {
		sp := plan.Shards[s]
		machines[s], err = NewMachine(sp, p.cfg)
		require.NoError(t, err)
		committees[s] = *machines[s].Ready().Committee
		w.synced[s] = map[string]bool{}
		stayers[s] = map[string]bool{}
		final := map[string]bool{}
		for _, m := range sp.Final {
			final[m.ID] = true
			involved[m.ID] = append(involved[m.ID], s)
		}
		for _, m := range sp.Start {
			w.synced[s][m.ID] = true
			if final[m.ID] {
				stayers[s][m.ID] = true
			} else {
				involved[m.ID] = append(involved[m.ID], s)
			}
		}
	}
	shardNode := func(s int) sim.NodeID { return sim.NodeID(s) }
	validatorNode := func(id string) sim.NodeID {
		var n int
		_, _ = fmt.Sscanf(id, "v%d", &n)
		return sim.NodeID(p.shards + n)
	}
	stalled := make([]bool, p.shards)
	abandoned := map[string]bool{}
	maxTicks := 2000
	tick := 0
	for ; tick < maxTicks; tick++ {
		now := net.Now() + 1
		// 1. Deliver reports and notices, in the order the blocks carry them.
		for _, env := range net.DeliverUntil(now) {
			m := machines[int(env.To)]
			err := m.Step(env.Msg)
			if err != nil && !errors.Is(err, ErrNotNewcomer) && !errors.Is(err, ErrUnknownValidator) {
				require.NoError(t, err)
			}
			if !holds(m, beta) {
				st.invariantBroken++
			}
		}
		// 2. Churn: crashes, restarts, leaves mid-transition.
		for _, id := range sortedKeys(w.crashed) {
			if w.crashed[id] <= now {
				delete(w.crashed, id)
				net.Restart(validatorNode(id))
				for _, s := range involved[id] {
					net.Send(oracle, shardNode(s), Event{Kind: Up, Epoch: epoch, Shard: uint32(s), Validator: id})
				}
			}
		}
		if r.IntN(1000) < p.crashPerMille {
			if id, ok := w.pickFaultable(r.IntN, committees, stayers, involved, beta); ok {
				st.crashes++
				w.crashed[id] = now + 1 + r.Uint64N(10)
				net.Crash(validatorNode(id))
				for _, s := range involved[id] {
					net.Send(oracle, shardNode(s), Event{Kind: Down, Epoch: epoch, Shard: uint32(s), Validator: id})
				}
			}
		}
		if r.IntN(1000) < p.leavePerMille {
			if id, ok := w.pickFaultable(r.IntN, committees, stayers, involved, beta); ok {
				st.leaves++
				w.departed[id] = true
				for _, s := range involved[id] {
					net.Send(oracle, shardNode(s), Event{Kind: Left, Epoch: epoch, Shard: uint32(s), Validator: id})
				}
			}
		}
		// 3. Tick the machines and carry out their Ready.
		allDone := true
		for s, m := range machines {
			m.Tick()
			rd := m.Ready()
			if rd.Committee != nil {
				committees[s] = *rd.Committee
				w.checkCommittee(plan.Shards[s], committees[s])
			}
			if len(rd.Bootstrap) > 0 {
				st.batches++
				if !Safe(committees[s].Weight(), m.UnsyncedWeight(), beta) {
					st.unsafeStarts++
				}
			}
			for _, id := range rd.Bootstrap {
				if w.synced[s][id] {
					// A retried newcomer that finished syncing after its
					// deadline is synced: it only replays a few blocks.
					continue
				}
				w.jobs[id] = &syncJob{shard: s, remaining: 1 + r.Uint64N(p.maxSync), stuck: r.IntN(100) < p.stuckPct}
			}
			for _, id := range rd.Abandoned {
				abandoned[id] = true
				delete(w.jobs, id)
			}
			if rd.Reshare != nil {
				for _, mb := range rd.Reshare.To.Members {
					require.True(t, w.synced[s][mb.ID], "reshare to a member that is not synced: %s shard %d tick %d job %+v ready %+v", mb.ID, s, now, w.jobs[mb.ID], rd)
				}
			}
			allDone = allDone && m.Done()
			if !holds(m, beta) {
				st.invariantBroken++
			}
		}
		// 4. Newcomers make progress and report.
		for _, id := range sortedKeys(w.jobs) {
			j := w.jobs[id]
			if w.departed[id] || j.stuck {
				continue
			}
			if _, down := w.crashed[id]; down {
				continue
			}
			if j.remaining > 0 {
				j.remaining--
				if j.remaining == 0 {
					w.synced[j.shard][id] = true
				}
				continue
			}
			if machines[j.shard].Awaits(id) {
				rep := SyncReport{Epoch: epoch, Shard: uint32(j.shard), Validator: id, MSBHeight: now / 10 * 10, Height: now}
				dec, err := DecodeSyncReport(rep.Encode())
				require.NoError(t, err)
				net.Send(validatorNode(id), shardNode(j.shard), dec.Event())
			} else {
				delete(w.jobs, id)
			}
		}
		// 5. Consensus: each shard finalizes iff > 2/3 of its committee's
		// weight is live, honest and synced, against the worst-case
		// adversary.
		for s := range machines {
			c := committees[s]
			if len(c.Members) == 0 {
				continue
			}
			if w.finalizes(s, c, beta) {
				st.blocks++
			} else {
				st.stalledTicks++
				stalled[s] = true
				if simDebug {
					var unsynced, lost uint64
					for _, m := range c.Members {
						if !w.synced[s][m.ID] {
							unsynced += m.Weight
						} else if !w.voting(s, m.ID) {
							lost += m.Weight
						}
					}
					t.Logf("stall seed %d epoch %d tick %d shard %d: W=%d unsynced=%d (machine %d) crashed/left=%d βW=%d status=%+v",
						p.seed, epoch, now, s, c.Weight(), unsynced, machines[s].UnsyncedWeight(), lost, FaultyWeight(c.Weight(), beta), machines[s].Status())
				}
			}
		}
		if allDone {
			break
		}
	}
	st.ticks = tick + 1
	st.maxTicks = st.ticks
	if tick == maxTicks {
		st.incomplete++
	}
	for _, b := range stalled {
		if b {
			st.stalledShardEpochs++
		}
	}
	st.abandoned = len(abandoned)
	// The next epoch starts from the committees actually reached. A
	// validator that left is gone; an abandoned newcomer waits for the next
	// assignment; crashed validators restart.
	w.assign = Assignment{Epoch: epoch, Shards: make([][]Member, p.shards)}
	for s, c := range committees {
		for _, m := range c.Members {
			if !w.departed[m.ID] {
				w.assign.Shards[s] = append(w.assign.Shards[s], m)
			}
		}
	}
	for _, id := range sortedKeys(abandoned) {
		if !w.departed[id] {
			w.pool = append(w.pool, id)
		}
	}
	for _, id := range sortedKeys(w.crashed) {
		net.Restart(validatorNode(id))
	}
	clear(w.crashed)
	clear(w.jobs)
	clear(w.advCache)
	// Drain notices of this epoch: the next epoch's machines reject them.
	net.DeliverUntil(net.Now() + 10)
	return st
}

// holds is the committee invariant, checked after every step: the
// committee the machine runs with satisfies 3·(U + ⌊β·W⌋) < W for the
// newcomers it still waits for.
func holds(m *Machine, beta Fraction) bool {
	w := m.weight()
	return w == 0 || Safe(w, m.UnsyncedWeight(), beta)
}

// voting reports whether a member votes this tick before the adversary
// silences anyone: synced, up and still a validator.
func (w *simWorld) voting(s int, id string) bool {
	_, down := w.crashed[id]
	return w.synced[s][id] && !down && !w.departed[id]
}

// finalizes is the finalizer: the adversary silences voting members (in its
// fixed order) up to ⌊β·W⌋ minus the weight already lost to synced members
// that crashed or left; the block is final iff what is left is > 2/3·W.
func (w *simWorld) finalizes(s int, c Committee, beta Fraction) bool {
	total := c.Weight()
	budget := FaultyWeight(total, beta)
	var live uint64
	var voters []Member
	for _, m := range w.byAdversary(c) {
		switch {
		case w.voting(s, m.ID):
			live += m.Weight
			voters = append(voters, m)
		case w.synced[s][m.ID]: // crashed or left: already faulty
			budget -= min(budget, m.Weight)
		}
	}
	for _, m := range voters {
		if m.Weight <= budget {
			budget -= m.Weight
			live -= m.Weight
		}
	}
	return Live(live, total)
}

// byAdversary returns c's members in the adversary's preference order,
// cached per committee version.
func (w *simWorld) byAdversary(c Committee) []Member {
	key := [2]uint64{uint64(c.Shard), c.Version}
	if ms, ok := w.advCache[key]; ok {
		return ms
	}
	ms := slices.Clone(c.Members)
	slices.SortFunc(ms, func(a, b Member) int { return cmp.Compare(w.advOrder[a.ID], w.advOrder[b.ID]) })
	w.advCache[key] = ms
	return ms
}

// pickFaultable picks a validator to crash or leave such that every shard
// committee it belongs to keeps its crashed-or-left weight within half of
// ⌊β·W⌋ even at that shard's lightest possible committee (its stayers
// minus everyone who may leave). The adversary fills the rest.
func (w *simWorld) pickFaultable(intN func(int) int, committees []Committee, stayers []map[string]bool, involved map[string][]int, beta Fraction) (string, bool) {
	var cands []string
	for _, c := range committees {
		for _, m := range c.Members {
			if _, down := w.crashed[m.ID]; !down && !w.departed[m.ID] {
				cands = append(cands, m.ID)
			}
		}
	}
	if len(cands) == 0 {
		return "", false
	}
	id := cands[intN(len(cands))]
	for _, s := range involved[id] {
		var lb, lost uint64
		for sid := range stayers[s] {
			if !w.departed[sid] && sid != id {
				lb += w.weight[sid]
			}
		}
		for _, m := range committees[s].Members {
			_, down := w.crashed[m.ID]
			if down || w.departed[m.ID] {
				lost += m.Weight
			}
		}
		if 2*(lost+w.weight[id]) > FaultyWeight(lb, beta) {
			return "", false
		}
	}
	return id, true
}

// checkCommittee: every handed-over committee is sorted, holds only
// validators of the shard's plan, and no one who left.
func (w *simWorld) checkCommittee(sp ShardPlan, c Committee) {
	t := w.t
	require.True(t, slices.IsSortedFunc(c.Members, func(a, b Member) int { return cmp.Compare(a.ID, b.ID) }))
	known := map[string]bool{}
	for _, m := range sp.Start {
		known[m.ID] = true
	}
	for _, m := range sp.Final {
		known[m.ID] = true
	}
	for _, m := range c.Members {
		require.True(t, known[m.ID], "committee member %s outside the plan", m.ID)
	}
}

func simDefaults(seed uint64) simParams {
	return simParams{
		seed: seed, shards: 4, perShard: 40, epochs: 4, maxWeight: 3,
		movePct: 25, departPct: 5, arrivePct: 6, stuckPct: 6, maxSync: 6,
		crashPerMille: 150, leavePerMille: 60,
		cfg: Config{Delta: 2, SyncTimeout: 12},
	}
}

func runSims(t *testing.T, seeds int, mod func(*simParams)) simStats {
	var total simStats
	for seed := range uint64(seeds) {
		p := simDefaults(seed + 1)
		if mod != nil {
			mod(&p)
		}
		total.add(newSimWorld(t, p).run())
	}
	return total
}

// TestSimulationKeepsEveryShardLive is the acceptance test: ≥ 200 seeded
// transitions with churn, zero stalled shard-epochs, every batch start
// within the bound.
func TestSimulationKeepsEveryShardLive(t *testing.T) {
	for _, tc := range []struct {
		name  string
		seeds int
		mod   func(*simParams)
	}{
		{"default k", simSeeds, nil},
		{"bound only", simSeeds, func(p *simParams) { p.cfg.MaxBatch = 64 }},
		{"eight shards of 64, unit weights, β = 1/4", simSeedsLarge, func(p *simParams) {
			p.shards, p.perShard, p.maxWeight = 8, 64, 1
			p.cfg.Faulty = Fraction{1, 4}
			p.cfg.Delta = 3
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := runSims(t, tc.seeds, tc.mod)
			t.Logf("%+v", st)
			require.GreaterOrEqual(t, st.transitions, 4*tc.seeds)
			require.Zero(t, st.stalledShardEpochs, "stalled shard-epochs")
			require.Zero(t, st.stalledTicks)
			require.Zero(t, st.unsafeStarts)
			require.Zero(t, st.invariantBroken, "steps after which the committee broke the bound")
			require.Zero(t, st.incomplete, "transitions that never finished")
			require.Positive(t, st.crashes)
			require.Positive(t, st.leaves)
			require.Positive(t, st.abandoned)
			require.Greater(t, st.batches, 2*st.shardEpochs)
		})
	}
}

// TestSimulationFailsAboveTheBound runs the same simulation with batches
// allowed one unit of weight over the bound: shards stall.
func TestSimulationFailsAboveTheBound(t *testing.T) {
	for _, tc := range []struct {
		name string
		over uint64
	}{
		{"one unit above", 1},
		{"far above", 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := runSims(t, simSeeds, func(p *simParams) {
				p.cfg.MaxBatch = 64
				p.cfg.overBound = tc.over
			})
			t.Logf("%+v", st)
			require.Positive(t, st.unsafeStarts, "batches above the bound")
			require.Positive(t, st.invariantBroken)
			require.Positive(t, st.stalledShardEpochs, "the simulation must stall above the bound")
		})
	}
}
