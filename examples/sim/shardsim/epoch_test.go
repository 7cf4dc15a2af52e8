package shardsim_test

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/sim/des"
	"github.com/iostkit/iostkit/examples/sim/engines"
	"github.com/iostkit/iostkit/examples/sim/shardsim"
	"github.com/iostkit/iostkit/pob"
	"github.com/iostkit/iostkit/transepoch"
)

// epochChange assigns n validators to shards from two random strings and
// plans the transition between the two assignments with transepoch.
func epochChange(t *testing.T, n, shards int, at, sync time.Duration) *shardsim.EpochChange {
	vals := make([]eds.Validator, n)
	for i := range vals {
		vals[i] = eds.Validator{ID: shardsim.ValidatorID(i), Weight: 1}
	}
	rnd0, rnd1 := sha256.Sum256([]byte("epoch 0")), sha256.Sum256([]byte("epoch 1"))
	old, err := eds.Assign(vals, rnd0[:], 0, uint32(shards))
	require.NoError(t, err)
	nw, err := eds.Assign(vals, rnd1[:], 1, uint32(shards))
	require.NoError(t, err)
	conv := func(a eds.Assignment) transepoch.Assignment {
		out := transepoch.Assignment{Epoch: a.Epoch, Shards: make([][]transepoch.Member, len(a.Shards))}
		for s, ms := range a.Shards {
			for _, m := range ms {
				out.Shards[s] = append(out.Shards[s], transepoch.Member{ID: m.ID, Weight: m.Weight})
			}
		}
		return out
	}
	plan, err := transepoch.NewPlan(conv(old), conv(nw), rnd1[:], transepoch.Config{})
	require.NoError(t, err)
	ec := &shardsim.EpochChange{Plans: plan.Shards, At: at, Sync: sync}
	for _, sp := range plan.Shards {
		var c []int
		for _, m := range sp.Start {
			var v int
			_, err := fmtSscan(m.ID, &v)
			require.NoError(t, err)
			c = append(c, v)
		}
		ec.Old = append(ec.Old, c)
	}
	return ec
}

func TestEpochChangeRuns(t *testing.T) {
	p, err := engines.New(engines.Options{Name: "pob", New: func(cfg pob.Config) (pob.Engine, error) { return pob.New(cfg) }, Believable: func(int) int { return 1 }})
	require.NoError(t, err)
	ec := epochChange(t, 14, 2, 500*time.Millisecond, 200*time.Millisecond)
	cfg := shardsim.Config{
		Protocol: p, Shards: 2, Committee: 7, MaxBlockTxs: 256,
		Warmup: 250 * time.Millisecond, Duration: 2500 * time.Millisecond,
		Net:      des.NetConfig{Latency: des.Constant(20 * time.Millisecond), Bandwidth: 100e6},
		Workload: shardsim.Workload{Rate: 1000, Accounts: 2000},
		Costs:    costs(t), Seed: 1, Epoch: ec,
	}
	res, err := shardsim.Run(cfg)
	require.NoError(t, err)
	e := res.Epoch
	require.NotNil(t, e)
	require.True(t, e.Done, "every shard finished its transition")
	require.Positive(t, e.Batches)
	require.Positive(t, e.Engines)
	require.Positive(t, e.BlocksDuring, "the shards kept finalizing")
	require.Zero(t, res.SafetyViolations)
	require.Zero(t, res.StalledShards)
	again, err := shardsim.Run(cfg)
	require.NoError(t, err)
	require.Equal(t, res, again)
}

func fmtSscan(id string, v *int) (int, error) { return fmt.Sscanf(id, "v%d", v) }

func TestEpochChangeRejects(t *testing.T) {
	ec := epochChange(t, 14, 2, time.Second, 100*time.Millisecond)
	tests := []struct {
		name  string
		tweak func(*shardsim.Config)
	}{
		{"a protocol that cannot rebuild engines", func(c *shardsim.Config) {}},
		{"cross-shard load", func(c *shardsim.Config) { c.Workload.CrossShare = 0.1 }},
		{"committee size mismatch", func(c *shardsim.Config) { c.Committee = 8 }},
		{"faults", func(c *shardsim.Config) { c.Faulty = 0.1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig(t)
			cfg.Committee, cfg.Epoch = 7, ec
			cfg.Workload.CrossShare = 0
			tc.tweak(&cfg)
			_, err := shardsim.Run(cfg)
			require.Error(t, err)
		})
	}
}
