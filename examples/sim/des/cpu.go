package des

import "time"

// CPU models one node's processor: a number of cores, each running one job
// at a time. A job occupies the earliest-free core for its cost, so work
// queues up when a node is saturated — which is what bounds throughput.
type CPU struct {
	sim     *Sim
	free    []time.Duration
	busy    time.Duration
	stretch float64 // > 1: a shared CPU (NewSharedCPU)
}

// NewCPU returns a CPU with the given number of cores (at least one).
func NewCPU(s *Sim, cores int) *CPU {
	return &CPU{sim: s, free: make([]time.Duration, max(cores, 1))}
}

// NewSharedCPU returns a CPU of the given cores of which the simulated
// process gets only share cores' worth of time (0 < share < cores), the
// rest going to other processes of the machine: every job takes
// cores/share times its cost. A share of zero or at least cores is a
// dedicated CPU.
func NewSharedCPU(s *Sim, cores int, share float64) *CPU {
	c := NewCPU(s, cores)
	if share > 0 && share < float64(len(c.free)) {
		c.stretch = float64(len(c.free)) / share
	}
	return c
}

// Run charges cost to the earliest-free core and calls done (if not nil)
// when the job completes. It returns the completion time.
func (c *CPU) Run(cost time.Duration, done func()) time.Duration {
	core := 0
	for i, f := range c.free {
		if f < c.free[core] {
			core = i
		}
	}
	if c.stretch > 1 {
		cost = time.Duration(float64(cost) * c.stretch)
	}
	end := max(c.sim.Now(), c.free[core]) + max(cost, 0)
	c.free[core] = end
	c.busy += max(cost, 0)
	if done != nil {
		c.sim.At(end, done)
	}
	return end
}

// Backlog is how long a job submitted now would wait before it starts.
func (c *CPU) Backlog() time.Duration {
	best := c.free[0]
	for _, f := range c.free[1:] {
		best = min(best, f)
	}
	return max(best-c.sim.Now(), 0)
}

// Busy is the total core time charged so far.
func (c *CPU) Busy() time.Duration { return c.busy }

// Cores is the number of cores.
func (c *CPU) Cores() int { return len(c.free) }
