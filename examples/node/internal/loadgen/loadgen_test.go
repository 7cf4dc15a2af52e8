package loadgen_test

import (
	"context"
	"crypto/ecdsa"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/api"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/client"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/loadgen"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/stretchr/testify/require"
)

func keys(n int) []*ecdsa.PrivateKey {
	out := make([]*ecdsa.PrivateKey, n)
	for i := range out {
		out[i] = chain.DemoKey(i)
	}
	return out
}

func TestCrossShardShare(t *testing.T) {
	for _, pct := range []int{0, 10, 100} {
		g, err := loadgen.New(1, 4, keys(32), pct, 7)
		require.NoError(t, err)
		cross := 0
		const n = 2000
		nonces := map[[20]byte]uint64{}
		for i := 0; i < n; i++ {
			tx, err := g.Next(1)
			require.NoError(t, err)
			require.Equal(t, nonces[tx.From()], tx.Nonce, "nonces advance per sender")
			nonces[tx.From()]++
			require.Equal(t, eds.ShardOf(tx.From(), 4), tx.Shard)
			if eds.ShardOf(tx.To, 4) != tx.Shard {
				cross++
			}
		}
		share := float64(cross) / n * 100
		require.InDelta(t, float64(pct), share, 3, "cross-shard share %d%%", pct)
	}
	_, err := loadgen.New(1, 4, keys(1), 10, 7)
	require.ErrorIs(t, err, loadgen.ErrNoAccounts)
}

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3}
	require.Equal(t, time.Duration(3), loadgen.Percentile(ds, 50))
	require.Equal(t, time.Duration(5), loadgen.Percentile(ds, 99))
	require.Equal(t, time.Duration(1), loadgen.Percentile(ds, 1))
	require.Zero(t, loadgen.Percentile(nil, 50))
}

func TestRunAgainstANode(t *testing.T) {
	n, err := node.New(config.Config{Shards: 2, Validators: 4, Backend: "memdb", DemoAccounts: 16,
		Tick: config.Duration(10 * time.Millisecond), Load: config.Load{Rate: -1}}, nil, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	srv := httptest.NewServer(api.New(n, nil))
	defer func() {
		srv.Close()
		cancel()
		require.NoError(t, <-done)
		require.NoError(t, n.Close())
	}()
	rep, err := loadgen.Run(context.Background(), loadgen.Options{
		Client: client.New(srv.URL), Keys: keys(16), ChainID: config.DefaultChainID, Shards: 2,
		Rate: 40, Duration: 2 * time.Second, CrossPct: 50, RecoveryFor: 200 * time.Millisecond, SampleEvery: 2,
	})
	require.NoError(t, err)
	require.Positive(t, rep.RecoveryPerSec)
	require.Positive(t, rep.Accepted)
	require.Equal(t, uint64(rep.Accepted), rep.Finalized, "everything accepted is finalized by the end of the drain")
	require.Positive(t, rep.Samples)
	require.Positive(t, rep.FinalP50)
	require.LessOrEqual(t, rep.OptimisticP50, rep.FinalP50)
	require.Contains(t, rep.String(), "secp256k1 recovery")
}
