package shardsim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/examples/sim/calib"
	"github.com/iostkit/iostkit/examples/sim/shardsim"
)

func nodeConfig(t testing.TB) shardsim.Config {
	cfg := baseConfig(t)
	cfg.HostCores, cfg.NodeLoop = 2, true
	cfg.Workload.Rate = 500
	return cfg
}

func TestNodeLoopDeterministic(t *testing.T) {
	a, err := shardsim.Run(nodeConfig(t))
	require.NoError(t, err)
	b, err := shardsim.Run(nodeConfig(t))
	require.NoError(t, err)
	require.Equal(t, a, b)
}

func TestNodeLoopRuns(t *testing.T) {
	res, err := shardsim.Run(nodeConfig(t))
	require.NoError(t, err)
	require.Positive(t, res.Final.Count)
	require.Positive(t, res.Cross.Count, "credits reach the destination shard in memory")
	require.Zero(t, res.SafetyViolations)
	require.Zero(t, res.StalledShards)
	require.Positive(t, res.Messages, "in-memory messages are counted")
}

func TestNodeLoopValidate(t *testing.T) {
	cfg := nodeConfig(t)
	cfg.HostCores = 0
	_, err := shardsim.Run(cfg)
	require.Error(t, err, "the node loop is one process")

	cfg = nodeConfig(t)
	cfg.Costs.Node = calib.NodeCosts{}
	_, err = shardsim.Run(cfg)
	require.ErrorIs(t, err, calib.ErrNoNodeCosts)

	cfg = nodeConfig(t)
	cfg.Faulty, cfg.Behaviour = 0.25, shardsim.Twins
	_, err = shardsim.Run(cfg)
	require.Error(t, err)
}
