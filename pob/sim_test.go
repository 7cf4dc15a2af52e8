package pob_test

import (
	"sync/atomic"
	"testing"

	"github.com/iostkit/iostkit/internal/pobsim"
	"github.com/stretchr/testify/require"
)

// TestSimulations runs thousands of seeded adversarial multi-validator
// simulations (pobsim.Scenario): Byzantine voters and producers, loss,
// crashes with restarts from persisted state, partitions. Each checks
// safety after every delivery and liveness after healing; a failure names
// its seed, which replays it exactly.
func TestSimulations(t *testing.T) {
	var runs, blocks, convictions, fallbacks atomic.Int64
	for _, tc := range []struct {
		name   string
		light  bool
		first  uint64
		count  int
		shards int
	}{
		{"bft", true, 1, lightRuns, 2},
		{"leagues", false, 1_000_001, heavyRuns, 2},
	} {
		for shard := range tc.shards {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				for i := shard; i < tc.count; i += tc.shards {
					seed := tc.first + uint64(i)
					rep, err := pobsim.Run(pobsim.Scenario(seed, tc.light))
					require.NoError(t, err, "seed %d (light=%v)", seed, tc.light)
					require.GreaterOrEqual(t, rep.MinHeight, uint64(3), "seed %d", seed)
					runs.Add(1)
					blocks.Add(int64(rep.Blocks))
					convictions.Add(int64(len(rep.Convictions)))
					if rep.Fallback {
						fallbacks.Add(1)
					}
				}
			})
		}
	}
	t.Cleanup(func() {
		t.Logf("%d simulations, %d finalized heights, %d convictions, %d runs fell back to one league",
			runs.Load(), blocks.Load(), convictions.Load(), fallbacks.Load())
		require.Equal(t, int64(lightRuns+heavyRuns), runs.Load())
	})
}
