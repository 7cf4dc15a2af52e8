package atomixsim

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/atomix"
)

func TestWorldCommitAndAbort(t *testing.T) {
	w, err := New(Config{Seed: 1, Shards: 3, FinalityTicks: 2})
	require.NoError(t, err)
	a, b, c := common.Hash{0xa}, common.Hash{0xb}, common.Hash{0xc}
	require.NoError(t, w.Fund(0, a, atomix.NewAccount(100)))
	require.NoError(t, w.Fund(1, b, atomix.NewAccount(50)))
	require.NoError(t, w.Fund(2, c, atomix.NewAccount(0)))
	ok := atomix.Tx{Inputs: []atomix.Input{{Shard: 0, Kind: atomix.KindAccount, Object: a, Amount: 60}, {Shard: 1, Kind: atomix.KindAccount, Object: b, Amount: 10}},
		Outputs: []atomix.Output{{Shard: 2, Kind: atomix.KindAccount, Object: c, Amount: 70}}}
	bad := atomix.Tx{Inputs: []atomix.Input{{Shard: 0, Kind: atomix.KindAccount, Object: a, Amount: 10}, {Shard: 1, Kind: atomix.KindAccount, Object: b, Amount: 41}},
		Outputs: []atomix.Output{{Shard: 2, Kind: atomix.KindAccount, Object: c, Amount: 51}}, Nonce: 1}
	w.Submit(ok, 1, []atomix.ShardID{0}) // the client reaches one shard and crashes
	quiet, err := w.RunUntilQuiet(200)
	require.NoError(t, err)
	require.True(t, quiet)
	require.NoError(t, w.Check(true))
	require.Equal(t, uint64(40), w.Balance(0, a))
	require.Equal(t, uint64(40), w.Balance(1, b))
	require.Equal(t, uint64(70), w.Balance(2, c))
	w.Submit(bad, 1, []atomix.ShardID{0, 1})
	quiet, err = w.RunUntilQuiet(200)
	require.NoError(t, err)
	require.True(t, quiet)
	require.NoError(t, w.Check(true))
	for _, s := range bad.Shards() {
		require.Equal(t, atomix.Abort, w.Outcome(s, bad.ID(), 1))
	}
	require.Equal(t, uint64(40), w.Balance(0, a))
}
