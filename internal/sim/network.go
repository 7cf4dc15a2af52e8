package sim

import (
	"container/heap"
	"math/rand/v2"
	"slices"
)

// NodeID names a node in the simulated network.
type NodeID int

// Envelope is one message in flight from From to To, delivered at tick At.
type Envelope[M any] struct {
	From, To NodeID
	At       uint64
	Msg      M
	seq      uint64
}

// Config sets the behaviour of the simulated links. The zero value is a
// perfect network: every message arrives exactly one tick after it is sent,
// in order, exactly once.
type Config struct {
	// Seed fixes every random choice of the network.
	Seed uint64
	// MinDelay and MaxDelay bound a message's delay in ticks; each message
	// draws a delay uniformly from [MinDelay, MaxDelay]. Zero MinDelay means
	// one tick. Different delays reorder messages.
	MinDelay, MaxDelay uint64
	// DropPerMille is the chance, in thousandths, that a message is lost.
	DropPerMille uint32
	// DupPerMille is the chance, in thousandths, that a message is delivered
	// twice (with independent delays).
	DupPerMille uint32
}

// Network is a seeded, deterministic message scheduler. It is not safe for
// concurrent use: one goroutine drives a simulation.
type Network[M any] struct {
	cfg       Config
	rng       *rand.Rand
	now       uint64
	seq       uint64
	queue     envHeap[M]
	crashed   map[NodeID]bool
	group     map[NodeID]int // partition group; absent means group 0
	delivered uint64
	dropped   uint64
}

// New returns an empty network configured by cfg.
func New[M any](cfg Config) *Network[M] {
	if cfg.MinDelay == 0 {
		cfg.MinDelay = 1
	}
	if cfg.MaxDelay < cfg.MinDelay {
		cfg.MaxDelay = cfg.MinDelay
	}
	return &Network[M]{
		cfg:     cfg,
		rng:     rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		crashed: map[NodeID]bool{},
		group:   map[NodeID]int{},
	}
}

// Rand returns the network's seeded generator, for drivers that need more
// random choices (which node to crash, which fault to inject) drawn from the
// same seed.
func (n *Network[M]) Rand() *rand.Rand { return n.rng }

// Now is the current tick: the time of the last delivery batch.
func (n *Network[M]) Now() uint64 { return n.now }

// Stats reports how many messages were delivered and dropped so far.
func (n *Network[M]) Stats() (delivered, dropped uint64) { return n.delivered, n.dropped }

// Pending is the number of messages in flight.
func (n *Network[M]) Pending() int { return n.queue.Len() }

// Send schedules msg from one node to another. Messages from or to a crashed
// node, or across a partition, are dropped; others may be lost, delayed or
// duplicated as the Config says.
func (n *Network[M]) Send(from, to NodeID, msg M) {
	copies := 1
	if n.cfg.DupPerMille > 0 && n.rng.Uint32N(1000) < n.cfg.DupPerMille {
		copies = 2
	}
	for range copies {
		if !n.linkUp(from, to) || (n.cfg.DropPerMille > 0 && n.rng.Uint32N(1000) < n.cfg.DropPerMille) {
			n.dropped++
			continue
		}
		delay := n.cfg.MinDelay
		if span := n.cfg.MaxDelay - n.cfg.MinDelay; span > 0 {
			delay += n.rng.Uint64N(span + 1)
		}
		n.seq++
		heap.Push(&n.queue, Envelope[M]{From: from, To: to, At: n.now + delay, Msg: msg, seq: n.seq})
	}
}

// Broadcast sends msg from one node to each of the others in to (skipping
// from itself).
func (n *Network[M]) Broadcast(from NodeID, to []NodeID, msg M) {
	for _, id := range to {
		if id != from {
			n.Send(from, id, msg)
		}
	}
}

// DeliverUntil advances the clock to tick t and returns, in delivery order,
// every message due at or before t whose link is still up. Messages whose
// destination crashed or was partitioned away meanwhile are dropped.
func (n *Network[M]) DeliverUntil(t uint64) []Envelope[M] {
	var out []Envelope[M]
	for n.queue.Len() > 0 && n.queue[0].At <= t {
		env := heap.Pop(&n.queue).(Envelope[M])
		if !n.linkUp(env.From, env.To) {
			n.dropped++
			continue
		}
		n.delivered++
		out = append(out, env)
	}
	if t > n.now {
		n.now = t
	}
	return out
}

// Partition splits the nodes into groups that cannot reach each other.
// Nodes not named stay in group 0 together with the first group.
func (n *Network[M]) Partition(groups ...[]NodeID) {
	clear(n.group)
	for i, g := range groups {
		for _, id := range g {
			n.group[id] = i
		}
	}
}

// Heal removes every partition.
func (n *Network[M]) Heal() { clear(n.group) }

// Crash stops a node: it sends and receives nothing until Restart.
func (n *Network[M]) Crash(id NodeID) { n.crashed[id] = true }

// Restart brings a crashed node back. What it remembers is the driver's
// business (typically the state the engine asked it to persist).
func (n *Network[M]) Restart(id NodeID) { delete(n.crashed, id) }

// Crashed reports whether id is currently crashed.
func (n *Network[M]) Crashed(id NodeID) bool { return n.crashed[id] }

// CrashedNodes lists the crashed nodes in ascending order.
func (n *Network[M]) CrashedNodes() []NodeID {
	out := make([]NodeID, 0, len(n.crashed))
	for id := range n.crashed {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func (n *Network[M]) linkUp(from, to NodeID) bool {
	return !n.crashed[from] && !n.crashed[to] && n.group[from] == n.group[to]
}

type envHeap[M any] []Envelope[M]

func (h envHeap[M]) Len() int { return len(h) }
func (h envHeap[M]) Less(i, j int) bool {
	if h[i].At != h[j].At {
		return h[i].At < h[j].At
	}
	return h[i].seq < h[j].seq
}
func (h envHeap[M]) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *envHeap[M]) Push(x any)   { *h = append(*h, x.(Envelope[M])) }
func (h *envHeap[M]) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
