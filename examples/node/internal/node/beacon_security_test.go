package node

import (
	"testing"

	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/stretchr/testify/require"
)

// TestEpochRandomnessWaitsForWithheldPartials is DRP withholding at the
// node: a network validator (it holds one share of the beacon key) cannot
// enter an epoch while the other members withhold their partials of the
// epoch's beacon round — it gets errNoRandomness, which the runner retries
// — and recovers the same randomness as everyone else as soon as any
// threshold of partials arrived, whoever withholds the rest.
func TestEpochRandomnessWaitsForWithheldPartials(t *testing.T) {
	const validators, epoch = 4, 1
	cfg := config.Config{
		Shards: 1, Validators: validators, Backend: "memdb", DataDir: t.TempDir(), DemoAccounts: 8,
		EpochBlocks: 10, Load: config.Load{Rate: -1},
		P2P: config.P2P{Listen: "/ip4/127.0.0.1/tcp/0", ValidatorIndex: 0},
	}
	n, err := New(cfg, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })

	// Every member's partial of the round, and the randomness all of them give.
	ref, err := newBeacon(n.cfg.ChainID, validators, func(int) bool { return true })
	require.NoError(t, err)
	ps, err := ref.partials(epoch)
	require.NoError(t, err)
	for _, p := range ps {
		require.NoError(t, ref.add(p))
	}
	want, ok := ref.randomness(epoch)
	require.True(t, ok)
	threshold := n.beacon.group.Threshold()
	require.Greater(t, threshold, 1)
	require.LessOrEqual(t, threshold, validators)

	// Alone, or with up to threshold-1 partials in all, no randomness.
	_, err = n.randomness(epoch)
	require.ErrorIs(t, err, errNoRandomness)
	others := ps[1:] // member 0 is this node
	for _, p := range others[:threshold-2] {
		require.NoError(t, n.beacon.add(p))
		_, err = n.randomness(epoch)
		require.ErrorIs(t, err, errNoRandomness)
	}
	// Repeating a partial does not count twice.
	if threshold > 2 {
		require.NoError(t, n.beacon.add(others[0]))
		_, err = n.randomness(epoch)
		require.ErrorIs(t, err, errNoRandomness)
	}
	// One more — the last member's, the others keep withholding — suffices.
	require.NoError(t, n.beacon.add(others[len(others)-1]))
	got, err := n.randomness(epoch)
	require.NoError(t, err)
	require.Equal(t, want, got)
}
