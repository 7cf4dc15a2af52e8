package shardsim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/examples/sim/calib"
	"github.com/iostkit/iostkit/examples/sim/des"
	"github.com/iostkit/iostkit/examples/sim/shardsim"
)

func costs(t testing.TB) calib.Costs {
	c, err := calib.Load("../calib/testdata/calibration.json")
	require.NoError(t, err)
	return c
}

func baseConfig(t testing.TB) shardsim.Config {
	return shardsim.Config{
		Protocol: lockstepProtocol{sample: 1}, Shards: 2, Committee: 4,
		Warmup: 500 * time.Millisecond, Duration: 2 * time.Second,
		Net:      des.NetConfig{Latency: des.Constant(20 * time.Millisecond), Bandwidth: 100e6},
		Workload: shardsim.Workload{Rate: 2000, CrossShare: 0.1, Accounts: 2000},
		Costs:    costs(t), Seed: 1,
	}
}

func TestRunDeterministic(t *testing.T) {
	a, err := shardsim.Run(baseConfig(t))
	require.NoError(t, err)
	b, err := shardsim.Run(baseConfig(t))
	require.NoError(t, err)
	require.Equal(t, a, b)
	cfg := baseConfig(t)
	cfg.Seed = 2
	c, err := shardsim.Run(cfg)
	require.NoError(t, err)
	require.NotEqual(t, a.Final, c.Final, "another seed draws another workload")
}

func TestRunMeasures(t *testing.T) {
	res, err := shardsim.Run(baseConfig(t))
	require.NoError(t, err)
	// Underloaded: everything offered in the window gets through.
	require.InDelta(t, 2000, res.Throughput, 300)
	require.Positive(t, res.Final.Count)
	require.Positive(t, res.Cross.Count, "cross-shard transfers complete")
	// A proposal needs a one-way hop and a vote round: two hops at least.
	require.GreaterOrEqual(t, res.Final.P50MS, 40.0)
	require.Greater(t, res.Cross.MeanMS, res.Final.MeanMS, "cross-shard needs two shards to finalize")
	require.Zero(t, res.SafetyViolations)
	require.Zero(t, res.StalledShards)
	require.Positive(t, res.Messages)
}

func TestRunSaturates(t *testing.T) {
	cfg := baseConfig(t)
	cfg.Shards, cfg.Workload.CrossShare = 1, 0
	cfg.Workload.Rate = 200_000 // far above what 2 cores verify
	res, err := shardsim.Run(cfg)
	require.NoError(t, err)
	c := cfg.Costs
	// Every validator verifies every transfer on 2 cores and executes it
	// on one: no engine can exceed that bound, and lockstep, which does not
	// pipeline blocks, stays well below it.
	bound := 1 / (c.TxVerify().Seconds()/2 + c.TxExecute().Seconds())
	require.Less(t, res.Throughput, bound)
	require.Greater(t, res.Throughput, bound/10)
	require.Positive(t, res.Backlog)
	require.Greater(t, res.CPUUtil, 0.2)
}

func TestTwinsBreakSafetyOnlyAboveBound(t *testing.T) {
	tests := []struct {
		name       string
		faulty     float64
		violations bool
	}{
		{"no adversary", 0, false},
		{"one of four", 0.25, false},
		{"two of four", 0.5, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig(t)
			cfg.Shards, cfg.Workload.CrossShare = 1, 0
			cfg.Faulty, cfg.Behaviour = tc.faulty, shardsim.Twins
			cfg.PartitionFrom, cfg.PartitionUntil = 0, time.Second
			res, err := shardsim.Run(cfg)
			require.NoError(t, err)
			require.Equal(t, tc.violations, res.SafetyViolations > 0, "%+v", res)
		})
	}
}

func TestCrashedLeaderStallsLockstep(t *testing.T) {
	cfg := baseConfig(t)
	cfg.Shards, cfg.Faulty, cfg.Behaviour = 1, 0.25, shardsim.Crash
	res, err := shardsim.Run(cfg)
	require.NoError(t, err)
	// lockstep has no view change: the crashed member 3 leads height 0.
	require.Equal(t, 1, res.StalledShards)
	require.Zero(t, res.Throughput)
	require.Equal(t, "crash", res.Behaviour)
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*shardsim.Config)
	}{
		{"no protocol", func(c *shardsim.Config) { c.Protocol = nil }},
		{"no shards", func(c *shardsim.Config) { c.Shards = 0 }},
		{"no duration", func(c *shardsim.Config) { c.Duration = 0 }},
		{"faulty 1", func(c *shardsim.Config) { c.Faulty = 1 }},
		{"bad cross share", func(c *shardsim.Config) { c.Workload.CrossShare = 2 }},
		{"negative rate", func(c *shardsim.Config) { c.Workload.Rate = -1 }},
		{"loss 1", func(c *shardsim.Config) { c.Net.Loss = 1 }},
		{"no costs", func(c *shardsim.Config) { c.Costs = calib.Costs{} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig(t)
			tc.edit(&cfg)
			_, err := shardsim.Run(cfg)
			require.Error(t, err)
		})
	}
}

func TestHostCoresShareOneCPU(t *testing.T) {
	cfg := baseConfig(t)
	cfg.Shards, cfg.Workload.CrossShare, cfg.Workload.Rate = 2, 0, 100_000
	own, err := shardsim.Run(cfg)
	require.NoError(t, err)
	cfg.HostCores = 2 // eight validators on one 2-core machine
	shared, err := shardsim.Run(cfg)
	require.NoError(t, err)
	require.Less(t, shared.Throughput, own.Throughput)
	require.Greater(t, shared.CPUUtil, own.CPUUtil)
}
