package token

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
)

func addr(i int) common.Address { return common.BigToAddress(common.Big1.SetInt64(int64(i) + 1000)) }

var (
	sale, foundation, community, team, early = addr(1), addr(2), addr(3), addr(4), addr(5)
	alice, bob, carol                        = addr(10), addr(11), addr(12)
)

// newChain returns a ledger after the default genesis, with alice funded
// from the sale allocation.
func newChain(t testing.TB) (*Ledger, *MemStore) {
	t.Helper()
	st := NewMemStore()
	l, err := NewLedger(st, Config{UnbondingPeriod: 10})
	require.NoError(t, err)
	require.NoError(t, l.Genesis(DefaultGenesis(sale, foundation, community, team, early)))
	require.NoError(t, l.Transfer(Transfer{From: sale, To: alice, Amount: IOST(1000)}, 0))
	return l, st
}

// unchanged runs op, requires it to fail with want, and requires the store
// to be byte-identical afterwards.
func unchanged(t *testing.T, st *MemStore, want error, op func() error) {
	t.Helper()
	before := st.Snapshot()
	err := op()
	require.ErrorIs(t, err, want)
	require.Equal(t, before, st.Snapshot(), "a failed operation changed state")
}
