package drpsim_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/drp"
	"github.com/iostkit/iostkit/examples/sim/calib"
	"github.com/iostkit/iostkit/examples/sim/des"
	"github.com/iostkit/iostkit/examples/sim/drpsim"
)

var (
	groupOnce sync.Once
	group     *drpsim.Group
	groupErr  error
)

// testGroup runs one real DKG of 5 members for all the tests.
func testGroup(t *testing.T) *drpsim.Group {
	groupOnce.Do(func() { group, groupErr = drpsim.NewGroup(3, 5) })
	require.NoError(t, groupErr)
	return group
}

func testCosts(t *testing.T) calib.DRPCosts {
	c, err := calib.Load("../calib/testdata/calibration.json")
	require.NoError(t, err)
	require.True(t, c.DRP.Complete())
	return c.DRP
}

func TestSimulate(t *testing.T) {
	g := testGroup(t)
	require.Equal(t, 3, g.Threshold())
	net := des.NetConfig{Latency: des.Constant(20 * time.Millisecond)}
	tests := []struct {
		name string
		down int
		err  error
	}{
		{"all online", 0, nil},
		{"n−t offline", 2, nil},
		{"below the threshold", 3, drpsim.ErrNoBeacon},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := drpsim.Config{Net: net, Costs: testCosts(t), Down: tc.down, Seed: 1}
			rounds, err := drpsim.Simulate(g, cfg, []uint64{1, 2})
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Len(t, rounds, 2)
			for _, r := range rounds {
				require.Equal(t, 5-tc.down, r.Holders)
				require.LessOrEqual(t, r.First, r.Last)
				// A member holds the round after one network hop at least.
				require.GreaterOrEqual(t, r.First, 20*time.Millisecond)
				require.Equal(t, (5-tc.down)*(4-tc.down), r.Messages)
				require.Equal(t, independent(t, g, r.Round), r.Randomness, "any threshold of members recovers the same signature")
			}
			require.NotEqual(t, rounds[0].Randomness, rounds[1].Randomness)
		})
	}
}

// independent recovers round from the first threshold members' partials,
// outside the simulation.
func independent(t *testing.T, g *drpsim.Group, round uint64) []byte {
	c := drp.NewRoundCollector(g.Group(), round, nil)
	var b *drp.Beacon
	for i := g.Size() - 1; b == nil; i-- { // from the other end
		p, err := g.SignPartial(i, round)
		require.NoError(t, err)
		b, err = c.Add(p)
		require.NoError(t, err)
	}
	require.NoError(t, g.Group().VerifyBeacon(b))
	return b.Randomness()
}

func TestSimulateDeterministic(t *testing.T) {
	g := testGroup(t)
	cfg := drpsim.Config{Net: des.NetConfig{Latency: des.LogNormal{Min: 20 * time.Millisecond, Median: 20 * time.Millisecond, Sigma: 0.5}}, Costs: testCosts(t), Seed: 9}
	a, err := drpsim.Simulate(g, cfg, []uint64{5, 6, 7})
	require.NoError(t, err)
	b, err := drpsim.Simulate(g, cfg, []uint64{5, 6, 7})
	require.NoError(t, err)
	require.Equal(t, a, b)
}

func TestSimulateNeedsCosts(t *testing.T) {
	_, err := drpsim.Simulate(testGroup(t), drpsim.Config{}, []uint64{1})
	require.ErrorIs(t, err, calib.ErrNoDRP)
}

// The DKG's keys derive from the seed (kyber's ECIES randomizes only the
// deal ciphertexts), so experiments that run it reproduce.
func TestNewGroupDeterministic(t *testing.T) {
	a := testGroup(t)
	b, err := drpsim.NewGroup(3, 5)
	require.NoError(t, err)
	require.True(t, a.Group().PublicKey().Equal(b.Group().PublicKey()))
	c, err := drpsim.NewGroup(4, 5)
	require.NoError(t, err)
	require.False(t, a.Group().PublicKey().Equal(c.Group().PublicKey()))
}
