package des

import (
	"errors"
	"time"
)

// NetConfig describes the links between the simulated nodes.
type NetConfig struct {
	// Latency is the one-way propagation delay of a message, drawn per
	// message. Nil means zero.
	Latency Dist
	// Bandwidth is each node's uplink in bytes per second: a message of n
	// bytes occupies the sender's uplink for n/Bandwidth, and messages from
	// one sender queue behind each other. Zero means unlimited.
	Bandwidth float64
	// Loss is the probability in [0, 1) that a message is lost.
	Loss float64
}

// Validate reports a configuration that cannot be simulated.
func (c NetConfig) Validate() error {
	if c.Bandwidth < 0 {
		return errors.New("des: negative bandwidth")
	}
	if c.Loss < 0 || c.Loss >= 1 {
		return errors.New("des: loss must be in [0, 1)")
	}
	return nil
}

// NetStats counts what a Network carried.
type NetStats struct {
	// Sent counts Send calls; Delivered the messages that arrived; Lost
	// those the loss draw dropped; Cut those a partition or a down node
	// stopped.
	Sent, Delivered, Lost, Cut uint64
	// Bytes is the total size of the messages put on the wire.
	Bytes uint64
}

// Network carries messages between nodes 0…n−1 of a Sim.
type Network struct {
	sim    *Sim
	cfg    NetConfig
	uplink []time.Duration // when each node's uplink is next free
	group  []int           // partition group per node; equal groups can talk
	down   []bool
	stats  NetStats
}

// NewNetwork returns a network of n nodes on s, all connected.
func NewNetwork(s *Sim, n int, cfg NetConfig) (*Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Network{sim: s, cfg: cfg, uplink: make([]time.Duration, n), group: make([]int, n), down: make([]bool, n)}, nil
}

// Nodes is the number of nodes.
func (n *Network) Nodes() int { return len(n.uplink) }

// Send queues a message of size bytes from one node to another; deliver runs
// at the receiver when it arrives. A message is silently lost (deliver never
// runs) when the loss draw says so, when a partition separates the two
// nodes at send or at arrival time, or when either end is down.
func (n *Network) Send(from, to, size int, deliver func()) {
	n.stats.Sent++
	if n.down[from] || n.down[to] || n.group[from] != n.group[to] {
		n.stats.Cut++
		return
	}
	start := max(n.sim.Now(), n.uplink[from])
	if n.cfg.Bandwidth > 0 && size > 0 {
		start += time.Duration(float64(size) / n.cfg.Bandwidth * float64(time.Second))
	}
	n.uplink[from] = start
	n.stats.Bytes += uint64(max(size, 0))
	// Draw in a fixed order whatever the outcome, so the stream of random
	// numbers does not depend on which messages get lost.
	lost := n.cfg.Loss > 0 && n.sim.rng.Float64() < n.cfg.Loss
	var lat time.Duration
	if n.cfg.Latency != nil {
		lat = n.cfg.Latency.Sample(n.sim.rng)
	}
	if lost {
		n.stats.Lost++
		return
	}
	n.sim.At(start+lat, func() {
		if n.down[to] || n.group[from] != n.group[to] {
			n.stats.Cut++
			return
		}
		n.stats.Delivered++
		deliver()
	})
}

// Partition splits the nodes: nodes listed in groups[i] form group i+1 and
// every node not listed stays in group 0. Only nodes of one group can talk.
func (n *Network) Partition(groups ...[]int) {
	for i := range n.group {
		n.group[i] = 0
	}
	for g, members := range groups {
		for _, id := range members {
			n.group[id] = g + 1
		}
	}
}

// Heal removes every partition.
func (n *Network) Heal() { n.Partition() }

// SetDown takes a node off the network (crash) or puts it back.
func (n *Network) SetDown(id int, down bool) { n.down[id] = down }

// Stats returns the counters so far.
func (n *Network) Stats() NetStats { return n.stats }
