package shardsim

import (
	"errors"
	"fmt"
	"time"

	"github.com/iostkit/iostkit/examples/sim/calib"
	"github.com/iostkit/iostkit/examples/sim/des"
)

// Behaviour is what the faulty members of a committee do.
type Behaviour int

const (
	// Crash: faulty members are down from the start (silent).
	Crash Behaviour = iota
	// Twins: each faulty member runs as two instances with the same keys
	// (Twins, as DiemBFT tests equivocation), and during the partition
	// window each instance talks to one half of the honest members only.
	// Whatever double-signing the engine allows, this provokes.
	Twins
)

// String names the behaviour.
func (b Behaviour) String() string {
	switch b {
	case Crash:
		return "crash"
	case Twins:
		return "twins"
	}
	return fmt.Sprintf("Behaviour(%d)", int(b))
}

// Config describes one simulation run.
type Config struct {
	// Protocol builds the consensus engines.
	Protocol Protocol
	// Shards is the number of shards; Committee the validators per shard.
	Shards, Committee int
	// Cores is each validator's CPU cores; zero means 2 (this project's
	// machine class).
	Cores int
	// HostCores, when positive, puts every validator in one process on one
	// machine with that many cores (as the example node's local mode does):
	// they share a single CPU instead of having Cores each, and, like the
	// node's shared verification cache, a message's BLS signatures and
	// certificate are charged once per process rather than once per
	// receiving validator. Transfers are still checked and executed per
	// validator.
	HostCores int
	// HostShare, with HostCores, is the CPU time the process gets from the
	// machine, in cores (another process's load takes the rest): a
	// measured share, e.g. the node's CPU time per second in a run on a
	// shared machine. Zero means all HostCores.
	HostShare float64
	// NodeLoop, with HostCores, simulates the example node's local mode
	// more closely: each shard is one serial loop driven by a ticker that
	// waits while the loop is busy, exchanging its members' messages in
	// memory (up to 64 rounds per tick) and executing each finalized block
	// once per shard; transfers are admitted over the node's HTTP API
	// (with the load generator's signing on the same machine) and recovered
	// once, at admission. It needs the calibration's node costs
	// (calib.NodeCosts) and supports crash faults only. See nodeloop.go.
	NodeLoop bool
	// Warmup is simulated before measuring; Duration is the measured window.
	Warmup, Duration time.Duration
	// Net describes the links between validators.
	Net des.NetConfig
	// Workload is the offered load.
	Workload Workload
	// Faulty is the fraction of each committee that is faulty, rounded down
	// to whole members.
	Faulty float64
	// Behaviour is what the faulty members do.
	Behaviour Behaviour
	// PartitionFrom and PartitionUntil bound the window in which, with
	// Twins, each shard's honest members are split in two halves (each with
	// one instance of every twin). Zero values mean no partition.
	PartitionFrom, PartitionUntil time.Duration
	// MaxBlockTxs caps the transfers per block; zero means 2,000.
	MaxBlockTxs int
	// TxSize is the encoded size of a signed transfer; zero means 150 bytes
	// (an RLP transfer with a 65-byte secp256k1 signature).
	TxSize int
	// Costs are the calibrated per-operation CPU costs.
	Costs calib.Costs
	// Epoch, if not nil, is an epoch change the run crosses: committees
	// change shard by shard per a real transepoch plan, with engines
	// rebuilt for each new committee (see epoch.go). The protocol must be
	// a Rebuilder.
	Epoch *EpochChange
	// Seed fixes every random choice of the run.
	Seed uint64
	// Progress, if not nil, is called every 100 ms of virtual time.
	Progress func(Progress)
}

// Progress is a snapshot of a running simulation.
type Progress struct {
	// Now is the virtual time reached; End where the run stops.
	Now, End time.Duration
	// Events is the number of events run so far.
	Events uint64
	// Committed is the number of transfers finalized so far.
	Committed uint64
}

func (c Config) withDefaults() Config {
	if c.Cores <= 0 {
		c.Cores = 2
	}
	if c.MaxBlockTxs <= 0 {
		c.MaxBlockTxs = 2000
	}
	if c.TxSize <= 0 {
		c.TxSize = 150
	}
	c.Workload = c.Workload.withDefaults()
	return c
}

// Validate reports a configuration that cannot run.
func (c Config) Validate() error {
	switch {
	case c.Protocol == nil:
		return errors.New("shardsim: no protocol")
	case c.Shards <= 0 || c.Committee <= 0:
		return errors.New("shardsim: shards and committee must be positive")
	case c.Duration <= 0 || c.Warmup < 0:
		return errors.New("shardsim: duration must be positive and warm-up not negative")
	case c.HostShare < 0:
		return errors.New("shardsim: negative host share")
	case c.Faulty < 0 || c.Faulty >= 1:
		return errors.New("shardsim: faulty fraction must be in [0, 1)")
	case c.Protocol.TicksPerSecond() <= 0:
		return errors.New("shardsim: protocol ticks per second must be positive")
	}
	if c.NodeLoop {
		switch {
		case c.HostCores <= 0:
			return errors.New("shardsim: NodeLoop needs HostCores")
		case c.Behaviour == Twins && c.Faulty > 0:
			return errors.New("shardsim: NodeLoop supports crash faults only")
		}
		if err := c.Costs.NodeCheck(); err != nil {
			return err
		}
	}
	if c.Epoch != nil {
		if err := c.Epoch.validate(c); err != nil {
			return err
		}
	}
	if err := c.Net.Validate(); err != nil {
		return err
	}
	if err := c.Workload.Validate(); err != nil {
		return err
	}
	return c.Costs.Validate()
}
