package shardsim

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/iostkit/iostkit/eds"
)

// Workload is the offered load of a run.
type Workload struct {
	// Rate is the offered load in transfers per second over all shards.
	Rate float64
	// CrossShare is the fraction in [0, 1] of transfers whose receiver lives
	// in another shard than the sender (ignored with one shard).
	CrossShare float64
	// Accounts is the number of accounts; zero means 100,000.
	Accounts int
	// Batch is how often arrivals are generated; zero means 10 ms.
	Batch time.Duration
}

func (w Workload) withDefaults() Workload {
	if w.Accounts <= 0 {
		w.Accounts = 100_000
	}
	if w.Batch <= 0 {
		w.Batch = 10 * time.Millisecond
	}
	return w
}

// Validate reports a workload that cannot be generated.
func (w Workload) Validate() error {
	if w.Rate < 0 {
		return errors.New("shardsim: negative rate")
	}
	if w.CrossShare < 0 || w.CrossShare > 1 {
		return errors.New("shardsim: cross-shard share must be in [0, 1]")
	}
	return nil
}

// accounts holds the workload's accounts bucketed by eds.ShardOf, the same
// account→shard map the node uses.
type accounts struct {
	shardOf []uint32   // by account index
	byShard [][]uint32 // account indices per shard
}

// AccountAddress is the address of workload account i: the last 20 bytes of
// Keccak-256 of "iostkit sim account" ‖ i, as an Ethereum address is.
func AccountAddress(i int) common.Address {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	return common.BytesToAddress(crypto.Keccak256([]byte("iostkit sim account"), b[:]))
}

func newAccounts(n int, shards uint32) accounts {
	a := accounts{shardOf: make([]uint32, n), byShard: make([][]uint32, shards)}
	for i := range n {
		s := eds.ShardOf(AccountAddress(i), shards)
		a.shardOf[i] = s
		a.byShard[s] = append(a.byShard[s], uint32(i))
	}
	return a
}

// arrival is a group of transfers that arrived at one instant with the same
// source and destination shard.
type arrival struct {
	at       time.Duration
	from, to uint32
	n        int
}

// generator draws transfers: a uniformly random sender (so the sender's
// shard follows eds.ShardOf), and a receiver drawn from the sender's shard or,
// with probability CrossShare, from the other shards.
type generator struct {
	w     Workload
	acc   accounts
	rng   *rand.Rand
	carry float64
}

// next returns the arrivals of one batch interval ending at now, grouped by
// (source, destination) in ascending order.
func (g *generator) next(now time.Duration) []arrival {
	g.carry += g.w.Rate * g.w.Batch.Seconds()
	n := int(g.carry)
	g.carry -= float64(n)
	shards := uint32(len(g.acc.byShard))
	counts := make(map[[2]uint32]int)
	for range n {
		from := g.acc.shardOf[g.rng.IntN(len(g.acc.shardOf))]
		to := from
		if shards > 1 && g.rng.Float64() < g.w.CrossShare {
			// A receiver among the accounts of the other shards.
			others := len(g.acc.shardOf) - len(g.acc.byShard[from])
			k := g.rng.IntN(others)
			for s := range shards {
				if s == from {
					continue
				}
				if k < len(g.acc.byShard[s]) {
					to = g.acc.shardOf[g.acc.byShard[s][k]]
					break
				}
				k -= len(g.acc.byShard[s])
			}
		}
		counts[[2]uint32{from, to}]++
	}
	out := make([]arrival, 0, len(counts))
	for from := range shards {
		for to := range shards {
			if c := counts[[2]uint32{from, to}]; c > 0 {
				out = append(out, arrival{at: now, from: from, to: to, n: c})
			}
		}
	}
	return out
}
