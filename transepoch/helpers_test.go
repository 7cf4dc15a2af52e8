package transepoch

import (
	"fmt"
	"math/rand/v2"
)

// world is a random validator population for tests: old and new
// assignments with movers, arrivals and departures.
type world struct {
	old, new Assignment
}

// genWorld draws n validators over s shards, then an epoch later with
// departPct% departed, arrivePct% arrived, movePct% moved. Weights are in
// [1, maxW]. Test randomness only: math/rand never reaches the planner.
func genWorld(r *rand.Rand, n, s, departPct, arrivePct, movePct int, maxW uint64) world {
	ids := make([]Member, n)
	for i := range ids {
		ids[i] = Member{ID: fmt.Sprintf("v%05d", i), Weight: 1 + r.Uint64N(maxW)}
	}
	old := Assignment{Epoch: 1, Shards: make([][]Member, s)}
	shardOf := make([]int, n)
	for i, m := range ids {
		shardOf[i] = i % s
		old.Shards[i%s] = append(old.Shards[i%s], m)
	}
	nw := Assignment{Epoch: 2, Shards: make([][]Member, s)}
	for i, m := range ids {
		switch {
		case r.IntN(100) < departPct:
			continue
		case r.IntN(100) < movePct:
			sh := r.IntN(s)
			nw.Shards[sh] = append(nw.Shards[sh], m)
		default:
			if r.IntN(10) == 0 {
				m.Weight = 1 + r.Uint64N(maxW) // stake changed
			}
			nw.Shards[shardOf[i]] = append(nw.Shards[shardOf[i]], m)
		}
	}
	arrive := n * arrivePct / 100
	for i := range arrive {
		m := Member{ID: fmt.Sprintf("new%05d", i), Weight: 1 + r.Uint64N(maxW)}
		sh := r.IntN(s)
		nw.Shards[sh] = append(nw.Shards[sh], m)
	}
	return world{old: old, new: nw}
}
