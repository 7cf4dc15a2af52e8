package node_test

import (
	"testing"

	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/stretchr/testify/require"
)

// TestPrecheck: a transaction a pool holds is refused as known, and any
// transaction for a shard whose pool is full as pool_full, before decoding;
// what Precheck cannot judge cheaply passes.
func TestPrecheck(t *testing.T) {
	const shards = 2
	cfg := config.Config{Shards: shards, Validators: 4, Backend: "memdb", DemoAccounts: 16, Load: config.Load{Rate: -1}}
	cfg.Mempool.Capacity = 2
	cfg.Mempool.PerSender = 2
	n, err := node.New(cfg, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, n.Close()) })

	sign := func(from, to int, nonce uint64) *txn.Tx {
		a := chain.DemoAddress(from)
		tx, err := txn.Sign(txn.Unsigned{ChainID: config.DefaultChainID, Shard: eds.ShardOf(a, shards), Nonce: nonce, To: chain.DemoAddress(to), Amount: 1}, chain.DemoKey(from))
		require.NoError(t, err)
		return tx
	}
	// two senders of one shard
	var same []int
	for i := 0; len(same) < 3; i++ {
		if eds.ShardOf(chain.DemoAddress(i), shards) == 0 {
			same = append(same, i)
		}
	}
	a := sign(same[0], same[1], 0)
	require.NoError(t, n.Precheck(a.Bytes()))
	require.NoError(t, n.Submit(a))
	require.ErrorIs(t, n.Precheck(a.Bytes()), mempool.ErrKnown)

	b := sign(same[0], same[1], 1)
	require.NoError(t, n.Submit(b)) // shard 0's pool is now full
	c := sign(same[2], same[1], 0)
	require.ErrorIs(t, n.Precheck(c.Bytes()), mempool.ErrFull)
	require.ErrorIs(t, n.Submit(c), mempool.ErrFull, "Precheck agrees with Submit")

	require.NoError(t, n.Precheck([]byte{0xc0}), "malformed: left to txn.Decode")
	require.NoError(t, n.Precheck(nil))
}
