package shardsim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/examples/sim/calib"
	"github.com/iostkit/iostkit/examples/sim/engines"
	"github.com/iostkit/iostkit/examples/sim/shardsim"
	"github.com/iostkit/iostkit/pob"
)

// Cross-shard transfers go through the real atomix machines: every session
// a block starts commits at its source and at each destination, and only
// then do its transfers count.
func TestAtomixDriven(t *testing.T) {
	tests := []struct {
		name   string
		tweak  func(*shardsim.Config)
		atomix bool
	}{
		{"two shards", func(*shardsim.Config) {}, true},
		{"four shards, 30% cross", func(c *shardsim.Config) { c.Shards, c.Workload.CrossShare = 4, 0.3 }, true},
		{"real pob, a crashed member per shard (within the bound)", func(c *shardsim.Config) {
			p, err := engines.New(engines.Options{Name: "pob", New: func(cfg pob.Config) (pob.Engine, error) { return pob.New(cfg) }, Believable: func(int) int { return 1 }})
			require.NoError(t, err)
			c.Protocol, c.Committee, c.Faulty, c.MaxBlockTxs = p, 7, 0.15, 256
		}, true},
		{"no cross-shard load: no atomix", func(c *shardsim.Config) { c.Workload.CrossShare = 0 }, false},
		{"one shard: no atomix", func(c *shardsim.Config) { c.Shards = 1 }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig(t)
			tc.tweak(&cfg)
			res, err := shardsim.Run(cfg)
			require.NoError(t, err)
			if !tc.atomix {
				require.Nil(t, res.Atomix)
				require.Zero(t, res.Cross.Count)
				return
			}
			a := res.Atomix
			require.NotNil(t, a)
			require.Positive(t, a.Sessions)
			require.Zero(t, a.Aborted)
			require.Zero(t, a.StepErrors)
			require.Positive(t, res.Cross.Count, "imports counted from atomix commits")
			require.Less(t, a.Pending, int(a.Sessions)/2, "sessions of the last blocks may still be in flight")
			// Each finished session committed at its source and at least
			// one destination; proofs were built for (nearly) all.
			require.GreaterOrEqual(t, a.Committed, 2*(a.Sessions-uint64(a.Pending)))
			require.GreaterOrEqual(t, a.Proofs, a.Sessions-uint64(a.Pending))
			require.Positive(t, a.CertVerified)
			require.LessOrEqual(t, a.CertVerified, a.CertChecks)
			require.Greater(t, res.Cross.MeanMS, res.Final.MeanMS)
		})
	}
}

func TestAtomixNeedsCalibration(t *testing.T) {
	cfg := baseConfig(t)
	cfg.Costs.Atomix = calib.AtomixCosts{}
	_, err := shardsim.Run(cfg)
	require.ErrorIs(t, err, calib.ErrNoAtomix)
	cfg.Workload.CrossShare = 0
	_, err = shardsim.Run(cfg)
	require.NoError(t, err, "without cross-shard load atomix is not driven")
}

func TestAtomixDeterministic(t *testing.T) {
	cfg := baseConfig(t)
	cfg.Shards, cfg.Workload.CrossShare, cfg.Duration = 3, 0.3, time.Second
	a, err := shardsim.Run(cfg)
	require.NoError(t, err)
	b, err := shardsim.Run(cfg)
	require.NoError(t, err)
	require.Equal(t, a, b)
}
