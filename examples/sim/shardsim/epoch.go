package shardsim

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iostkit/iostkit/examples/sim/des"
	"github.com/iostkit/iostkit/transepoch"
)

// An epoch change, run (Config.Epoch): every shard starts with its old
// committee; at EpochChange.At the new assignment is known and each shard
// runs its transepoch.ShardPlan through a real transepoch.Machine, ticked by
// the shard's finalized heights (Δ = one block, as transepoch's default).
// When the machine hands over a committee after height h, every member
// switches when it finalizes h: its engine for the old committee stops, and
// members of the new committee start a new engine (Rebuilder) at height
// h+1 on top of block h, in a new pob domain epoch. A newcomer first
// bootstraps (EpochChange.Sync: fetching the shard's last Micro State Block
// and the blocks after it, modelled as a delay), then starts its engine at
// the shard's latest height and reports Synced, which the machine takes in
// the shard's next finalized block. The change ends when every shard's
// machine is done.

// Rebuilder is an optional Protocol capability that Config.Epoch needs: the
// engine of validator committee[self] (validators named by global index) in
// a committee that takes over mid-chain, at height start on top of block
// parent, in consensus domain epoch domain (one per committee, so that
// messages of another committee are refused).
type Rebuilder interface {
	NewEngineFor(shard int, committee []int, self int, seed, domain, start uint64, parent [32]byte) (Engine, error)
}

// EpochChange is the epoch change a run crosses.
type EpochChange struct {
	// Old is each shard's committee before the change (validator indices,
	// in member order). Config.Committee must be the size of each.
	Old [][]int
	// Plans are the shards' transitions (transepoch.NewPlan), whose member
	// IDs are ValidatorID of the indices.
	Plans []transepoch.ShardPlan
	// Transepoch configures the machines.
	Transepoch transepoch.Config
	// At is when the new assignment is known (the epoch's end plus the
	// beacon round that gave its randomness).
	At time.Duration
	// Sync is how long a newcomer takes to bootstrap from the shard's
	// last Micro State Block.
	Sync time.Duration
}

// ValidatorID is the transepoch (and eds) ID of validator v.
func ValidatorID(v int) string { return fmt.Sprintf("v%05d", v) }

func validatorIndex(id string) (int, error) {
	v, err := strconv.Atoi(strings.TrimPrefix(id, "v"))
	if err != nil || !strings.HasPrefix(id, "v") {
		return 0, fmt.Errorf("shardsim: validator id %q is not ValidatorID's", id)
	}
	return v, nil
}

// EpochResult is what a run that crossed an epoch change measured.
type EpochResult struct {
	// StartMS is EpochChange.At; DoneMS when the last shard's machine was
	// done; ChangeMS the difference (zero if not done by the end).
	StartMS  float64 `json:"start_ms"`
	DoneMS   float64 `json:"done_ms"`
	ChangeMS float64 `json:"change_ms"`
	// ShardChangeMS is each shard's change time.
	ShardChangeMS []float64 `json:"shard_change_ms"`
	// Done reports whether every shard finished.
	Done bool `json:"done"`
	// Batches is the number of batches run, all shards; Switches the
	// committees handed to consensus (batch starts and completions).
	Batches  int `json:"batches"`
	Switches int `json:"committee_switches"`
	// Engines is the number of engines built for new committees.
	Engines int `json:"engines_rebuilt"`
	// Synced counts newcomers that bootstrapped and reported.
	Synced int `json:"newcomers_synced"`
	// BlocksDuring is the number of heights finalized during the change,
	// all shards: the chain kept finalizing.
	BlocksDuring uint64 `json:"blocks_during_change"`
	// MaxGapMS is the longest time between two finalized heights of a
	// shard during the change.
	MaxGapMS float64 `json:"max_block_gap_ms"`
}

// switchAt is a committee a shard hands over after height (its members in
// order, its domain epoch, the block it starts on).
type switchAt struct {
	committee []int
	domain    uint64
	parent    [32]byte
}

type epochShard struct {
	m        *transepoch.Machine
	cur      []int // running committee
	domain   uint64
	height   uint64              // highest height finalized (first finalizer)
	lastID   [32]byte            // its block
	lastAt   time.Duration       // when
	switches map[uint64]switchAt // by the height after which it applies
	events   []transepoch.Event  // reports waiting for the next block
	synced   map[int]bool        // newcomers that finished bootstrapping
	doneAt   time.Duration
	done     bool
}

type epochRun struct {
	r      *runner
	cfg    EpochChange
	reb    Rebuilder
	shards []*epochShard
	cpus   map[int]*des.CPU
	res    EpochResult
	began  bool
}

func (c *EpochChange) validate(cfg Config) error {
	switch {
	case len(c.Old) != cfg.Shards || len(c.Plans) != cfg.Shards:
		return errors.New("shardsim: an epoch change needs an old committee and a plan per shard")
	case cfg.NodeLoop || cfg.Faulty > 0:
		return errors.New("shardsim: epoch changes run without NodeLoop and faults")
	case cfg.Shards > 1 && cfg.Workload.CrossShare > 0:
		return errors.New("shardsim: epoch changes run without cross-shard load")
	}
	for s, c := range c.Old {
		if len(c) != cfg.Committee {
			return fmt.Errorf("shardsim: shard %d's old committee has %d members, not %d", s, len(c), cfg.Committee)
		}
	}
	if _, ok := cfg.Protocol.(Rebuilder); !ok {
		return fmt.Errorf("shardsim: protocol %s cannot rebuild engines for a new committee", cfg.Protocol.Name())
	}
	return c.Transepoch.Validate()
}

// buildEpoch builds the old committees' engines, one network node and one
// CPU per validator.
func (r *runner) buildEpoch() error {
	cfg := r.cfg
	e := &epochRun{r: r, cfg: *cfg.Epoch, reb: cfg.Protocol.(Rebuilder), cpus: map[int]*des.CPU{}}
	r.ep = e
	nodes := 0
	note := func(v int) { nodes = max(nodes, v+1) }
	for _, c := range e.cfg.Old {
		for _, v := range c {
			note(v)
		}
	}
	for _, p := range e.cfg.Plans {
		for _, b := range p.Batches {
			for _, m := range b.Join {
				v, err := validatorIndex(m.ID)
				if err != nil {
					return err
				}
				note(v)
			}
		}
	}
	for s := range cfg.Shards {
		es := &epochShard{cur: slices.Clone(e.cfg.Old[s]), domain: 1, switches: map[uint64]switchAt{}, synced: map[int]bool{}}
		e.shards = append(e.shards, es)
		st := &shardState{finalAt: map[uint64][32]byte{}, conflicted: map[uint64]bool{}, domains: map[uint64][][]*instance{1: make([][]*instance, len(es.cur))}}
		r.shards = append(r.shards, st)
		for i := range es.cur {
			in, err := e.engine(s, es.cur, i, 1, 1, [32]byte{})
			if err != nil {
				return err
			}
			e.place(s, i, in)
		}
	}
	var err error
	r.net, err = des.NewNetwork(r.sim, nodes, cfg.Net)
	if err != nil {
		return err
	}
	r.sim.At(e.cfg.At, e.begin)
	return nil
}

// engine builds validator committee[i]'s instance for shard s.
func (e *epochRun) engine(s int, committee []int, i int, domain, start uint64, parent [32]byte) (*instance, error) {
	r := e.r
	v := committee[i]
	eng, err := e.reb.NewEngineFor(s, committee, i, r.cfg.Seed, domain, start, parent)
	if err != nil {
		return nil, fmt.Errorf("shardsim: engine of validator %d in shard %d: %w", v, s, err)
	}
	cpu := e.cpus[v]
	if cpu == nil {
		cpu = des.NewCPU(r.sim, r.cfg.Cores)
		e.cpus[v] = cpu
	}
	in := &instance{net: v, shard: s, member: i, honest: true, eng: eng, cpu: cpu, domain: domain}
	if p, ok := eng.(Puller); ok {
		in.puller = true
		p.SetSource(func() []byte { return r.pull(in) })
	}
	r.all = append(r.all, in)
	if r.ticking {
		r.tickEvery(in)
	}
	return in, nil
}

// begin starts every shard's machine: the new assignment is known.
func (e *epochRun) begin() {
	e.began = true
	for s, es := range e.shards {
		m, err := transepoch.NewMachine(e.cfg.Plans[s], e.cfg.Transepoch)
		if err != nil {
			panic(fmt.Sprintf("shardsim: shard %d's plan: %v", s, err)) // checked by transepoch.NewPlan
		}
		es.m = m
		es.lastAt = e.r.sim.Now()
		e.ready(s)
	}
}

// ready carries out what shard s's machine asks.
func (e *epochRun) ready(s int) {
	es := e.shards[s]
	r := e.r
	rd := es.m.Ready()
	if rd.Committee != nil {
		var c []int
		for _, m := range rd.Committee.Members {
			v, err := validatorIndex(m.ID)
			if err != nil {
				panic(err.Error()) // the plan's IDs are ValidatorID's
			}
			c = append(c, v)
		}
		if !slices.Equal(c, es.cur) {
			es.domain++
			es.switches[es.height] = switchAt{committee: c, domain: es.domain, parent: es.lastID}
			r.shards[s].domains[es.domain] = make([][]*instance, len(c))
			es.cur = c
			e.res.Switches++
		}
	}
	for _, id := range rd.Bootstrap {
		v, err := validatorIndex(id)
		if err != nil {
			panic(err.Error())
		}
		r.sim.After(e.cfg.Sync, func() { e.synced(s, v, id) })
	}
	if rd.Done && !es.done {
		es.done, es.doneAt = true, r.sim.Now()
	}
}

// synced is newcomer v of shard s having bootstrapped: it starts its
// engine at the shard's latest height, if it is still in the committee,
// and reports (the report reaches the shard's next block).
func (e *epochRun) synced(s, v int, id string) {
	es := e.shards[s]
	es.synced[v] = true
	e.res.Synced++
	if i := slices.Index(es.cur, v); i >= 0 {
		e.start(s, i)
	}
	es.events = append(es.events, transepoch.Event{Kind: transepoch.Synced, Epoch: e.cfg.Plans[s].Epoch, Shard: uint32(s), Validator: id})
}

// start runs member i of shard s's current committee from the shard's
// latest height.
func (e *epochRun) start(s, i int) {
	r := e.r
	es := e.shards[s]
	in, err := e.engine(s, es.cur, i, es.domain, es.height+1, es.lastID)
	if err != nil {
		panic(err.Error()) // the protocol built this committee's other engines
	}
	e.res.Engines++
	e.place(s, i, in)
	r.drain(in)
}

// place puts in as member i of its committee in shard s.
func (e *epochRun) place(s, i int, in *instance) {
	d := e.r.shards[s].domains[in.domain]
	d[i] = append(d[i], in)
}

// onFinal is honest member in having finalized blk: the first finalizer
// of a height drives the shard's machine, and every member switches to the
// committee handed over after blk.
func (e *epochRun) onFinal(in *instance, blk Block) {
	if in.stopped {
		return
	}
	r := e.r
	s := in.shard
	es := e.shards[s]
	if blk.Height > es.height {
		now := r.sim.Now()
		if e.began && !e.allDone() {
			e.res.BlocksDuring++
			e.res.MaxGapMS = max(e.res.MaxGapMS, ms(now-es.lastAt))
		}
		es.height, es.lastID, es.lastAt = blk.Height, blk.ID, now
		if es.m != nil && !es.done {
			for _, ev := range es.events {
				_ = es.m.Step(ev) // a report for a dropped newcomer is refused, as in a block
			}
			es.events = nil
			es.m.Tick()
			e.ready(s)
		}
	}
	sw, ok := es.switches[blk.Height]
	if !ok || in.domain >= sw.domain {
		return
	}
	// This member's engine ran the old committee: it stops, and starts
	// again in the new one if it belongs to it (a newcomer has no engine
	// here yet: it starts once it has bootstrapped).
	in.stopped, in.down = true, true
	i := slices.Index(sw.committee, in.net)
	if i < 0 {
		return
	}
	nin, err := e.engine(s, sw.committee, i, sw.domain, blk.Height+1, sw.parent)
	if err != nil {
		panic(err.Error())
	}
	e.res.Engines++
	e.place(s, i, nin)
	r.drain(nin)
}

func (e *epochRun) allDone() bool {
	for _, es := range e.shards {
		if !es.done {
			return false
		}
	}
	return true
}

func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

func (e *epochRun) result() *EpochResult {
	res := e.res
	res.StartMS = ms(e.cfg.At)
	res.Done = e.began && e.allDone()
	for _, es := range e.shards {
		if es.m != nil {
			res.Batches += es.m.Status().Batches
		}
		if es.done {
			res.ShardChangeMS = append(res.ShardChangeMS, ms(es.doneAt-e.cfg.At))
			res.DoneMS = max(res.DoneMS, ms(es.doneAt))
		} else {
			res.ShardChangeMS = append(res.ShardChangeMS, 0)
		}
	}
	if res.Done {
		res.ChangeMS = round3(res.DoneMS - res.StartMS)
	}
	return &res
}
