package node_test

import (
	"testing"

	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/stretchr/testify/require"
)

// shardTxs signs k transfers among shard 0's demo accounts, round-robin,
// each sender's nonces in order.
func shardTxs(t *testing.T, cfg config.Config, k int) []*txn.Tx {
	t.Helper()
	var idx []int
	for i := range cfg.DemoAccounts {
		if eds.ShardOf(chain.DemoAddress(i), uint32(cfg.Shards)) == 0 {
			idx = append(idx, i)
		}
	}
	require.GreaterOrEqual(t, len(idx), 2)
	nonces := make([]uint64, len(idx))
	var out []*txn.Tx
	for j := range k {
		from, to := j%len(idx), (j+1)%len(idx)
		tx, err := txn.Sign(txn.Unsigned{ChainID: config.DefaultChainID, Shard: 0, Nonce: nonces[from], To: chain.DemoAddress(idx[to]), Amount: 1}, chain.DemoKey(idx[from]))
		require.NoError(t, err)
		nonces[from]++
		out = append(out, tx)
	}
	return out
}

// TestMeasure runs the calibration hooks on a small local node: they must
// execute exactly the heights and transfers asked (the execution run with
// none failing), and refuse parameters they cannot measure with.
func TestMeasure(t *testing.T) {
	cfg := config.Config{Shards: 2, Backend: "memdb", DemoAccounts: 16, Load: config.Load{Rate: -1}}
	for _, tc := range []struct {
		name                string
		heights, blockTxs   int
		ticks, perTick, txs int
		wantHeight, wantTxs uint64
	}{
		{name: "execution", heights: 3, blockTxs: 4, wantHeight: 6, wantTxs: 12},
		{name: "loop", ticks: 1, perTick: 4, txs: 8, wantTxs: 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := node.New(cfg, nil, nil)
			require.NoError(t, err)
			t.Cleanup(func() { require.NoError(t, n.Close()) })
			if tc.heights > 0 {
				txs := shardTxs(t, n.Config(), tc.heights*tc.blockTxs)
				raws := make([][]byte, len(txs))
				for i, tx := range txs {
					raws[i] = tx.Bytes()
				}
				c, err := n.MeasureExecution(0, raws, tc.blockTxs, tc.heights)
				require.NoError(t, err)
				require.Equal(t, tc.heights, c.Heights)
				require.Equal(t, tc.wantHeight, n.Shards()[0].Height())
				require.Equal(t, tc.wantTxs, n.Status().FinalTxs)
				return
			}
			c, err := n.MeasureLoop(0, shardTxs(t, n.Config(), tc.txs), tc.ticks, tc.perTick)
			require.NoError(t, err)
			require.Equal(t, int(tc.wantTxs), c.Transfers, "%+v", c)
			require.LessOrEqual(t, c.Failed, c.Transfers) // at most a second copy of each
			require.Positive(t, c.EmptyHeights)
			require.Positive(t, c.FullHeights)
			_, err = n.MeasureLoop(0, nil, 1, 0)
			require.Error(t, err)
		})
	}
}
