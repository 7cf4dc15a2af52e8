package node

import (
	"errors"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/stretchr/testify/require"
)

// TestCheckpointRefusesAnotherHistory serves a syncing node genuine,
// correctly certified commits while its operator trusts a checkpoint that
// names another block at height 2 (a long range attack: an old committee's
// keys certify an alternative history). The node executes the blocks below
// the checkpoint and refuses the one that contradicts it; with the true
// block as checkpoint it syncs everything.
func TestCheckpointRefusesAnotherHistory(t *testing.T) {
	served, _ := syncServed(t)
	c2, err := decodeCommit(served[0][1])
	require.NoError(t, err)
	require.EqualValues(t, 2, c2.Block.Height)

	for _, tc := range []struct {
		name string
		hash common.Hash
		want int
	}{
		{"checkpoint of another history", common.Hash{0x11}, 1},
		{"checkpoint of this history", c2.Block.Hash(), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := syncTestConfig(config.DefaultChainID)
			cfg.Checkpoints = []config.Checkpoint{{Shard: 0, Height: 2, Hash: tc.hash.Hex()}}
			r := freshRunner(t, cfg, 0)
			done, err := r.syncFrom(served[0])
			require.Equal(t, tc.want, done)
			require.EqualValues(t, tc.want, r.shard.Height())
			if tc.want < 2 {
				require.True(t, errors.Is(err, errCheckpoint), "%v", err)
			} else {
				require.NoError(t, err)
			}
		})
	}
}
