package transepoch

import (
	"fmt"
	"slices"
)

// EventKind says what an Event reports.
type EventKind uint8

// The events a Machine accepts.
const (
	// Synced: a newcomer bootstrapped from the shard's last Micro State
	// Block and replayed the blocks after it (a SyncReport).
	Synced EventKind = iota + 1
	// Left: a validator left the validator set (or is known to be gone for
	// the rest of the epoch). It leaves the committee at once.
	Left
	// Down: a member stopped voting (crashed, unreachable). The machine
	// stops growing batches into the headroom that member now uses.
	Down
	// Up: a member that was Down votes again.
	Up
)

// String names the kind.
func (k EventKind) String() string {
	switch k {
	case Synced:
		return "synced"
	case Left:
		return "left"
	case Down:
		return "down"
	case Up:
		return "up"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is an input of a Machine. Feed events in the order the shard's
// finalized blocks carry them, so that every member's machine takes the
// same steps.
type Event struct {
	Kind      EventKind
	Epoch     uint64
	Shard     uint32
	Validator string
}

// Reshare asks the DRP to move the shard's key shares from one committee to
// another (the group key stays the same).
type Reshare struct {
	From, To Committee
}

// Ready is what the Machine asks its caller to do after a Step or a Tick,
// in the style of etcd-io/raft's Ready: the caller owns I/O.
type Ready struct {
	// Committee, when non-nil, is the committee consensus must run with
	// from now on. Hand it to the CommitteeSink.
	Committee *Committee
	// Bootstrap lists newcomers that must start bootstrapping from the
	// shard's last Micro State Block now (Bootstrapper).
	Bootstrap []string
	// Reshare, when non-nil, is a DRP key reshare to trigger (Resharer).
	// It is issued when a batch completes, towards a committee whose
	// members are all synced.
	Reshare *Reshare
	// Released lists leavers that are out of the committee and free to
	// serve their next shard or leave.
	Released []string
	// Abandoned lists newcomers dropped for this epoch: they missed their
	// sync deadline more than Config.MaxRetries times, or left.
	Abandoned []string
	// Done is set once, when the last batch completed.
	Done bool
}

// Empty reports whether r asks for nothing.
func (r Ready) Empty() bool {
	return r.Committee == nil && r.Reshare == nil && !r.Done &&
		len(r.Bootstrap)+len(r.Released)+len(r.Abandoned) == 0
}

// Status is a snapshot of a Machine, for monitoring and tests.
type Status struct {
	// Committee is the committee consensus currently runs with.
	Committee Committee
	// Unsynced lists current-batch newcomers that have not reported.
	Unsynced []string
	// Down lists committee members reported Down.
	Down []string
	// Leaving lists members that left while a batch was running and whose
	// removal would have broken the bound: they stay, not voting, until the
	// batch completes.
	Leaving []string
	// Batches counts batches started; Remaining those still queued.
	Batches, Remaining int
	// Paused is set while the next batch would break the bound given the
	// members known to be down; the machine waits for them to come back.
	Paused bool
	// Done is set once the last batch completed.
	Done bool
}

type active struct {
	start   uint64
	pending map[string]bool // newcomers that have not reported
	joined  []string
}

// Machine executes one shard's transition. It is a deterministic state
// machine without I/O: Tick advances time by one (drive it by finalized
// block height), Step feeds an event, Ready returns what to do. It is not
// safe for concurrent use.
type Machine struct {
	cfg   Config
	beta  Fraction
	shard uint32
	epoch uint64
	fresh bool // nothing to keep live: a new shard, or one that retires

	members  map[string]uint64 // current committee
	total    uint64            // its weight
	queue    []Batch
	cur      *active
	now      uint64
	last     uint64 // tick of the last batch start
	started  int
	paused   bool
	done     bool
	known    map[string]bool // every validator of the shard's plan
	departed map[string]bool
	leaving  []string // left mid-batch, removed when the batch completes
	down     map[string]bool
	retries  map[string]int
	version  uint64
	reshared Committee
	ready    Ready
}

// NewMachine prepares the execution of sp under cfg. The plan is checked
// against the bound (ErrUnsafePlan). The first Ready carries the starting
// committee (version 0).
func NewMachine(sp ShardPlan, cfg Config) (*Machine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.overBound == 0 {
		if err := sp.Check(cfg.faulty()); err != nil {
			return nil, err
		}
	}
	m := &Machine{
		cfg:      cfg,
		beta:     cfg.faulty(),
		shard:    sp.Shard,
		epoch:    sp.Epoch,
		fresh:    sp.Fresh || len(sp.Final) == 0,
		members:  make(map[string]uint64, len(sp.Start)),
		known:    make(map[string]bool),
		departed: make(map[string]bool),
		down:     make(map[string]bool),
		retries:  make(map[string]int),
	}
	for _, mb := range sp.Start {
		m.add(mb.ID, mb.Weight)
		m.known[mb.ID] = true
	}
	for _, b := range sp.Batches {
		m.queue = append(m.queue, Batch{Leave: slices.Clone(b.Leave), Join: slices.Clone(b.Join)})
		for _, mb := range b.Join {
			m.known[mb.ID] = true
		}
	}
	c := m.committee()
	m.reshared = c
	m.ready.Committee = &c
	if len(m.queue) == 0 {
		m.done = true
		m.ready.Done = true
	}
	return m, nil
}

// Ready returns the pending work and clears it.
func (m *Machine) Ready() Ready {
	r := m.ready
	m.ready = Ready{}
	return r
}

// HasReady reports whether Ready would return work.
func (m *Machine) HasReady() bool { return !m.ready.Empty() }

// Done reports whether the transition finished.
func (m *Machine) Done() bool { return m.done }

// Committee is the committee consensus currently runs with.
func (m *Machine) Committee() Committee { return m.committee() }

// Status returns a snapshot of the machine.
func (m *Machine) Status() Status {
	st := Status{Committee: m.committee(), Batches: m.started, Remaining: len(m.queue), Paused: m.paused, Done: m.done}
	st.Unsynced = m.unsynced()
	for _, mb := range st.Committee.Members {
		if m.down[mb.ID] {
			st.Down = append(st.Down, mb.ID)
		}
	}
	st.Leaving = slices.Clone(m.leaving)
	return st
}

// Awaits reports whether the machine waits for a sync report from id: a
// newcomer of the running batch that has not reported. A newcomer's node
// keeps announcing its SyncReport while this holds.
func (m *Machine) Awaits(id string) bool {
	return m.cur != nil && m.cur.pending[id]
}

func (m *Machine) unsynced() []string {
	var out []string
	if m.cur != nil {
		for _, id := range m.cur.joined {
			if m.cur.pending[id] {
				out = append(out, id)
			}
		}
	}
	return out
}

// UnsyncedWeight is the committee weight of newcomers that have not
// reported yet: the weight that cannot vote because of the transition.
func (m *Machine) UnsyncedWeight() uint64 {
	var u uint64
	if m.cur != nil {
		for id, p := range m.cur.pending {
			if p {
				u += m.members[id]
			}
		}
	}
	return u
}

// Step feeds one event. Events for another epoch or shard are rejected with
// ErrWrongEpoch; a Synced from a validator that is not a pending newcomer
// with ErrNotNewcomer (a duplicate report is not an error); an event about
// a validator the plan does not know with ErrUnknownValidator.
func (m *Machine) Step(e Event) error {
	if e.Epoch != m.epoch || e.Shard != m.shard {
		return fmt.Errorf("%w: %s for epoch %d shard %d, machine at epoch %d shard %d",
			ErrWrongEpoch, e.Kind, e.Epoch, e.Shard, m.epoch, m.shard)
	}
	if !m.known[e.Validator] {
		return fmt.Errorf("%w: %q (%s)", ErrUnknownValidator, e.Validator, e.Kind)
	}
	switch e.Kind {
	case Synced:
		if m.cur == nil {
			return fmt.Errorf("%w: %q, no batch running", ErrNotNewcomer, e.Validator)
		}
		p, ok := m.cur.pending[e.Validator]
		if !ok {
			return fmt.Errorf("%w: %q", ErrNotNewcomer, e.Validator)
		}
		if p {
			m.cur.pending[e.Validator] = false
		}
		return nil
	case Left:
		m.leave(e.Validator)
		return nil
	case Down:
		m.down[e.Validator] = true
		return nil
	case Up:
		delete(m.down, e.Validator)
		return nil
	}
	return fmt.Errorf("%w: unknown event kind %d", ErrDecode, e.Kind)
}

// Tick advances time by one unit: it completes the running batch when its
// newcomers are synced and Δ has passed (or drops late newcomers at the
// sync deadline), and starts the next batch when one fits.
func (m *Machine) Tick() {
	m.now++
	if m.done {
		return
	}
	if c := m.cur; c != nil {
		elapsed := m.now - c.start
		switch {
		case m.allSynced() && elapsed >= m.cfg.delta():
			m.complete()
		case elapsed >= m.cfg.syncTimeout():
			m.expire()
			m.complete()
		}
	}
	if m.cur == nil && (m.started == 0 || m.now-m.last >= m.cfg.delta()) {
		m.startNext()
	}
}

func (m *Machine) allSynced() bool {
	for _, p := range m.cur.pending {
		if p {
			return false
		}
	}
	return true
}

func (m *Machine) leave(id string) {
	if m.departed[id] {
		return
	}
	m.departed[id] = true
	delete(m.down, id)
	if m.cur != nil {
		if _, ok := m.cur.pending[id]; ok {
			delete(m.cur.pending, id)
			m.ready.Abandoned = append(m.ready.Abandoned, id)
		}
	}
	w, ok := m.members[id]
	if !ok {
		return
	}
	// Removing a member mid-batch lowers the committee's weight, and with it
	// the headroom the running batch's newcomers use. A member whose removal
	// would break the bound stays, as a member that does not vote (it counts
	// against β), until the batch completes.
	if m.cur != nil && !m.fresh && !m.cfg.admits(m.weight()-w, m.UnsyncedWeight(), m.downWeight()) {
		m.leaving = append(m.leaving, id)
		return
	}
	m.remove(id)
	m.handOver()
}

func (m *Machine) downWeight() uint64 {
	var down uint64
	for id := range m.down {
		down += m.members[id]
	}
	return down
}

// expire drops the newcomers of the running batch that missed the sync
// deadline: out of the committee, and back in the queue for a retry.
func (m *Machine) expire() {
	changed := false
	for _, id := range m.cur.joined {
		if !m.cur.pending[id] {
			continue
		}
		w := m.members[id]
		m.remove(id)
		delete(m.cur.pending, id)
		changed = true
		m.retries[id]++
		if m.retries[id] > m.cfg.maxRetries() {
			m.ready.Abandoned = append(m.ready.Abandoned, id)
			continue
		}
		m.queue = append(m.queue, Batch{Join: []Member{{ID: id, Weight: w}}})
	}
	if changed {
		m.handOver()
	}
}

func (m *Machine) complete() {
	m.cur = nil
	if len(m.leaving) > 0 {
		for _, id := range m.leaving {
			m.remove(id)
		}
		m.leaving = nil
		m.handOver()
	}
	c := m.committee()
	if !slices.Equal(c.Members, m.reshared.Members) {
		m.ready.Reshare = &Reshare{From: m.reshared, To: c}
		m.reshared = c
	}
	if len(m.queue) == 0 {
		m.done = true
		m.ready.Done = true
	}
}

// startNext starts the first queued batch, shrunk if the members known to
// be down eat into the headroom; it pauses when not even one newcomer fits.
func (m *Machine) startNext() {
	for len(m.queue) > 0 {
		b := m.queue[0]
		b.Leave = slices.DeleteFunc(b.Leave, func(x Member) bool { return m.departed[x.ID] || !m.hasMember(x.ID) })
		b.Join = slices.DeleteFunc(b.Join, func(x Member) bool {
			if m.departed[x.ID] {
				m.ready.Abandoned = append(m.ready.Abandoned, x.ID)
				return true
			}
			return false
		})
		m.queue[0] = b
		if len(b.Leave)+len(b.Join) == 0 {
			m.queue = m.queue[1:]
			continue
		}
		take, ok := m.fit(b, m.downWeight())
		if !ok {
			if _, fits := m.fit(b, 0); fits || len(b.Join) == 0 {
				m.paused = true // members reported Down use the headroom: wait for them
				return
			}
			// Not even with every member up: the committee shrank (members
			// left) below what this newcomer needs. Waiting cannot help.
			m.ready.Abandoned = append(m.ready.Abandoned, b.Join[0].ID)
			m.queue[0].Join = b.Join[1:]
			continue
		}
		m.paused = false
		rest := Batch{Leave: b.Leave[len(take.Leave):], Join: b.Join[len(take.Join):]}
		if len(rest.Leave)+len(rest.Join) == 0 {
			m.queue = m.queue[1:]
		} else {
			m.queue[0] = rest
		}
		m.begin(take)
		return
	}
	if m.cur == nil && !m.done {
		m.done = true
		m.ready.Done = true
	}
}

func (m *Machine) hasMember(id string) bool {
	_, ok := m.members[id]
	return ok
}

// fit returns the largest prefix of b that is safe to start now: the
// committee after the swap must keep 3·(unsynced + max(⌊β·W⌋, down)) < W.
func (m *Machine) fit(b Batch, down uint64) (Batch, bool) {
	w := m.weight()
	ok := func(after, u, down uint64) bool {
		return m.fresh || m.cfg.admits(after, u, down)
	}
	if len(b.Join) == 0 {
		var lw, ldown uint64
		for _, x := range b.Leave {
			lw += x.Weight
			if m.down[x.ID] {
				ldown += x.Weight
			}
		}
		if lw > w || !ok(w-lw, 0, down-ldown) {
			return Batch{}, false
		}
		return b, true
	}
	k := m.cfg.MaxBatch
	if k == 0 || m.fresh {
		k = len(b.Join)
	}
	// Leavers that are down stop counting as down once removed; counting
	// them anyway is conservative.
	mj, pl := fitPrefix(w, b.Leave, b.Join, k, down, ok)
	if mj == 0 {
		return Batch{}, false
	}
	return Batch{Leave: b.Leave[:pl], Join: b.Join[:mj]}, true
}

func (m *Machine) begin(b Batch) {
	m.started++
	m.last = m.now
	c := &active{start: m.now, pending: make(map[string]bool, len(b.Join))}
	for _, x := range b.Leave {
		m.remove(x.ID)
		delete(m.down, x.ID)
		m.ready.Released = append(m.ready.Released, x.ID)
	}
	for _, x := range b.Join {
		m.add(x.ID, x.Weight)
		c.pending[x.ID] = true
		c.joined = append(c.joined, x.ID)
		m.ready.Bootstrap = append(m.ready.Bootstrap, x.ID)
	}
	m.cur = c
	m.handOver()
}

func (m *Machine) handOver() {
	m.version++
	c := m.committee()
	m.ready.Committee = &c
}

func (m *Machine) weight() uint64 { return m.total }

func (m *Machine) add(id string, w uint64) {
	m.members[id] = w
	m.total += w
}

func (m *Machine) remove(id string) {
	if w, ok := m.members[id]; ok {
		m.total -= w
		delete(m.members, id)
	}
}

func (m *Machine) committee() Committee {
	c := Committee{Shard: m.shard, Epoch: m.epoch, Version: m.version, Members: make([]Member, 0, len(m.members))}
	for id, w := range m.members {
		c.Members = append(c.Members, Member{ID: id, Weight: w})
	}
	sortMembers(c.Members)
	return c
}
