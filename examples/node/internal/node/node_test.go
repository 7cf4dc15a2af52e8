package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/iostkit/iostkit/token"
	"github.com/stretchr/testify/require"
)

func startNode(t *testing.T, cfg config.Config) *node.Node {
	t.Helper()
	n, err := node.New(cfg, nil, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
		require.NoError(t, n.Close())
	})
	return n
}

// TestEngines runs the local chain on each consensus engine: both finalize
// blocks on every shard, change epoch, and commit a cross-shard transfer.
func TestEngines(t *testing.T) {
	for _, engine := range config.Engines {
		t.Run(engine, func(t *testing.T) {
			const shards = 2
			n := startNode(t, config.Config{
				Shards: shards, Validators: 8, Backend: "memdb", Engine: engine, DemoAccounts: 8,
				Tick: config.Duration(10 * time.Millisecond), EpochBlocks: 10, Load: config.Load{Rate: -1},
			})
			from := chain.DemoAddress(0)
			var to common.Address
			for i := 1; to == (common.Address{}); i++ {
				if a := chain.DemoAddress(i); eds.ShardOf(a, shards) != eds.ShardOf(from, shards) {
					to = a
				}
			}
			tx, err := txn.Sign(txn.Unsigned{ChainID: config.DefaultChainID, Shard: eds.ShardOf(from, shards), To: to, Amount: 77}, chain.DemoKey(0))
			require.NoError(t, err)
			require.NoError(t, n.Submit(tx))
			require.Eventually(t, func() bool {
				st, err := n.Tx(tx.Hash())
				return err == nil && st.Status == "credited"
			}, 90*time.Second, 10*time.Millisecond)
			acct, err := n.Shards()[eds.ShardOf(to, shards)].Account(to)
			require.NoError(t, err)
			require.Equal(t, chain.DemoBalance+77, acct.Balance)
			require.Eventually(t, func() bool { return n.Epoch() >= 1 }, 90*time.Second, 10*time.Millisecond, "epoch changes")

			st := n.Status()
			for _, s := range st.Shards {
				require.GreaterOrEqual(t, s.Height, uint64(10))
				require.Equal(t, engine == "roundrobin", s.Fallback, "roundrobin runs one league")
			}
			// Supply is conserved across shards: genesis total = what the
			// shards' ledgers expect, and exports equal imports plus what is
			// still in flight.
			var exported, imported token.Amount
			for _, sh := range n.Shards() {
				sup, err := sh.Ledger().Supply()
				require.NoError(t, err)
				exported += sup.Exported
				imported += sup.Imported
			}
			require.GreaterOrEqual(t, exported, imported)
			require.GreaterOrEqual(t, imported, token.Amount(77))
		})
	}
}

func TestRestartResumes(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Config{Shards: 2, Validators: 8, DataDir: dir, DemoAccounts: 4, Tick: config.Duration(10 * time.Millisecond), Load: config.Load{Rate: -1}}
	n, err := node.New(cfg, nil, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	require.Eventually(t, func() bool { return n.Shards()[0].Height() >= 5 }, 90*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	h := n.Shards()[0].Height()
	head := n.Shards()[0].Head()
	require.NoError(t, n.Close())

	again := startNode(t, cfg)
	require.Equal(t, h, again.Shards()[0].Height(), "the committed height survives a restart")
	require.Equal(t, head, again.Shards()[0].Head())
	require.Eventually(t, func() bool { return again.Shards()[0].Height() > h }, 90*time.Second, 10*time.Millisecond, "and the chain goes on")
}
