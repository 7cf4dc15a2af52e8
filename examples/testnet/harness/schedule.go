package harness

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Kind is a perturbation kind.
type Kind string

// The perturbation kinds.
const (
	// Kill sends SIGKILL to one node, keeps it down, and restarts it on its
	// data directory.
	Kill Kind = "kill"
	// Pause stops one node with SIGSTOP and resumes it with SIGCONT: to the
	// others it is partitioned away (its connections stay open but silent),
	// and it wakes up to a backlog.
	Pause Kind = "pause"
	// QuorumPause pauses f+1 nodes at once: no quorum is left, finality
	// stops, and it must resume after they come back.
	QuorumPause Kind = "quorum-pause"
	// Skew restarts one node with its consensus tick scaled (×0.5 or ×2):
	// its clock runs fast or slow in ticks against the others'. Healing
	// restarts it with the normal tick.
	Skew Kind = "skew"
	// Restart stops one node gracefully (SIGTERM) and starts it again.
	Restart Kind = "restart"
	// Partition splits the network in two: Nodes on one side (1 to f+1 of
	// them), the rest on the other. Each node refuses the other side's
	// connections (the node's debug API, POST /debug/block-peers) and drops
	// the open ones, so traffic stops instead of queuing; healing unblocks
	// every node. With f+1 nodes on the smaller side neither side has a
	// quorum.
	Partition Kind = "partition"
	// DiskFull gives one node's stores a small byte budget (the node's
	// debug API, POST /debug/disk-full): once a write does not fit, the
	// node must stop by itself, with a disk-full error in its log and no
	// panic, and nothing it committed may be lost. After the drawn time
	// (space is back) it is restarted on its data directory and must
	// rejoin.
	DiskFull Kind = "diskfull"
)

// AllKinds is every perturbation kind.
var AllKinds = []Kind{Kill, Pause, QuorumPause, Skew, Restart, Partition, DiskFull}

// DefaultKinds are the kinds a manifest draws from when it names none:
// every kind but DiskFull, which is drawn only when asked for (it makes
// the node exit, so it needs a node built with the disk-full hook).
var DefaultKinds = []Kind{Kill, Pause, QuorumPause, Skew, Restart, Partition}

func (k Kind) valid() bool {
	for _, x := range AllKinds {
		if k == x {
			return true
		}
	}
	return false
}

func kindList() string {
	var s []string
	for _, k := range AllKinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// Perturbation is one scheduled fault: after Gap of quiet, apply Kind to
// Nodes for Down, then heal.
type Perturbation struct {
	Gap   time.Duration
	Kind  Kind
	Nodes []int
	Down  time.Duration
	// TickFactor scales the tick of a Skew.
	TickFactor float64
	// Bytes is the store budget of a DiskFull: the node may write this
	// much more before its writes fail.
	Bytes int64
}

// String is a one-line description, e.g. "+2.1s kill [3] for 1.2s".
func (p Perturbation) String() string {
	s := fmt.Sprintf("+%s %s %v for %s", p.Gap.Round(100*time.Millisecond), p.Kind, p.Nodes, p.Down.Round(100*time.Millisecond))
	if p.Kind == Skew {
		s += fmt.Sprintf(" (tick ×%.1f)", p.TickFactor)
	}
	if p.Kind == DiskFull {
		s += fmt.Sprintf(" (%d bytes left)", p.Bytes)
	}
	return s
}

// maxDiskBudget bounds the byte budget a DiskFull draws.
const maxDiskBudget = 64 << 10

// Schedule draws m.Perturbations perturbations from m.Kinds with m.Seed:
// the same manifest always gives the same schedule. Perturbations do not
// overlap; each picks its nodes uniformly.
func Schedule(m Manifest) []Perturbation {
	m = m.WithDefaults()
	rng := rand.New(rand.NewPCG(uint64(m.Seed), 0x7e57))
	between := func(lo, hi Duration) time.Duration {
		if hi <= lo {
			return time.Duration(lo)
		}
		return time.Duration(lo) + time.Duration(rng.Int64N(int64(hi-lo)))
	}
	f := (m.Validators - 1) / 3
	out := make([]Perturbation, 0, m.Perturbations)
	for i := 0; i < m.Perturbations; i++ {
		p := Perturbation{Gap: between(m.GapMin, m.GapMax), Kind: m.Kinds[rng.IntN(len(m.Kinds))]}
		p.Down = between(m.DownMin, m.DownMax)
		count := 1
		switch p.Kind {
		case QuorumPause:
			count = f + 1
		case Partition:
			count = 1 + rng.IntN(f+1)
		}
		p.Nodes = rng.Perm(m.Validators)[:count]
		if p.Kind == Skew {
			p.TickFactor = []float64{0.5, 2}[rng.IntN(2)]
		}
		if p.Kind == DiskFull {
			// up to 64 KiB: a few blocks' writes, the disk fills at once
			p.Bytes = rng.Int64N(maxDiskBudget)
		}
		out = append(out, p)
	}
	return out
}
