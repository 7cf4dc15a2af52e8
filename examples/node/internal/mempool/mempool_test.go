package mempool_test

import (
	"crypto/ecdsa"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/stretchr/testify/require"
)

func key(i byte) *ecdsa.PrivateKey {
	k, _ := crypto.ToECDSA(crypto.Keccak256([]byte{i}))
	return k
}

func tx(t *testing.T, k *ecdsa.PrivateKey, nonce, amount uint64) *txn.Tx {
	x, err := txn.Sign(txn.Unsigned{ChainID: 1, Nonce: nonce, To: common.Address{0xee}, Amount: amount}, k)
	require.NoError(t, err)
	return x
}

func TestAddRejections(t *testing.T) {
	a, b := key(1), key(2)
	cases := []struct {
		name    string
		cfg     mempool.Config
		prefill []*txn.Tx
		add     *txn.Tx
		ledger  uint64
		want    error
	}{
		{"accepts next nonce", mempool.Config{}, nil, tx(t, a, 5, 1), 5, nil},
		{"replay of used nonce", mempool.Config{}, nil, tx(t, a, 4, 1), 5, mempool.ErrNonceUsed},
		{"known", mempool.Config{}, []*txn.Tx{tx(t, a, 0, 1)}, tx(t, a, 0, 1), 0, mempool.ErrKnown},
		{"nonce taken by another tx", mempool.Config{}, []*txn.Tx{tx(t, a, 0, 1)}, tx(t, a, 0, 2), 0, mempool.ErrNonceTaken},
		{"nonce gap", mempool.Config{MaxNonceGap: 4}, nil, tx(t, a, 4, 1), 0, mempool.ErrNonceGap},
		{"gap edge ok", mempool.Config{MaxNonceGap: 4}, nil, tx(t, a, 3, 1), 0, nil},
		{"sender limit", mempool.Config{PerSender: 2}, []*txn.Tx{tx(t, a, 0, 1), tx(t, a, 1, 1)}, tx(t, a, 2, 1), 0, mempool.ErrSenderLimit},
		{"full", mempool.Config{Capacity: 2, PerSender: 2}, []*txn.Tx{tx(t, a, 0, 1), tx(t, a, 1, 1)}, tx(t, b, 0, 1), 0, mempool.ErrFull},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := mempool.New(c.cfg)
			require.NoError(t, err)
			for _, x := range c.prefill {
				require.NoError(t, p.Add(x, 0))
			}
			before := p.Len()
			err = p.Add(c.add, c.ledger)
			if c.want == nil {
				require.NoError(t, err)
				require.Equal(t, before+1, p.Len())
				require.True(t, p.Has(c.add.Hash()))
				return
			}
			require.ErrorIs(t, err, c.want)
			require.Equal(t, before, p.Len(), "a refused transaction changes nothing")
		})
	}
}

func TestPendingIsFairAndContiguous(t *testing.T) {
	p, err := mempool.New(mempool.Config{})
	require.NoError(t, err)
	a, b := key(1), key(2)
	for n := uint64(0); n < 3; n++ {
		require.NoError(t, p.Add(tx(t, a, n, 1), 0))
	}
	require.NoError(t, p.Add(tx(t, b, 0, 1), 0))
	require.NoError(t, p.Add(tx(t, b, 2, 1), 0)) // gap at 1: not executable
	nonces := func(common.Address) uint64 { return 0 }
	got := p.Pending(10, nonces, nil)
	require.Len(t, got, 4)
	addrA := crypto.PubkeyToAddress(a.PublicKey)
	addrB := crypto.PubkeyToAddress(b.PublicKey)
	// round robin: a0 b0 a1 a2
	require.Equal(t, []common.Address{addrA, addrB, addrA, addrA}, []common.Address{got[0].From(), got[1].From(), got[2].From(), got[3].From()})
	require.Len(t, p.Pending(2, nonces, nil), 2)
	require.Equal(t, 5, p.Len(), "Pending does not remove")

	// After a block commits a0, a1 and b0, those leave the pool.
	p.Committed(func(x common.Address) uint64 {
		if x == addrA {
			return 2
		}
		return 1
	}, addrA, addrB)
	require.Equal(t, 2, p.Len())
	require.Equal(t, 1, p.PendingOf(addrA))
	senders := p.Senders()
	require.ElementsMatch(t, []common.Address{addrA, addrB}, senders)
	require.Negative(t, senders[0].Cmp(senders[1]), "sorted")
}

func TestRemove(t *testing.T) {
	p, err := mempool.New(mempool.Config{})
	require.NoError(t, err)
	x := tx(t, key(1), 0, 1)
	require.NoError(t, p.Add(x, 0))
	p.Remove(tx(t, key(1), 0, 2)) // same nonce, other tx: no effect
	require.Equal(t, 1, p.Len())
	p.Remove(x)
	require.Zero(t, p.Len())
	require.False(t, p.Has(x.Hash()))
	require.NoError(t, p.Add(x, 0), "a removed transaction may come back")
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, mempool.Config{}.Validate())
	require.Error(t, mempool.Config{Capacity: -1}.Validate())
	require.Error(t, mempool.Config{Capacity: 10, PerSender: 11}.Validate())
	_, err := mempool.New(mempool.Config{PerSender: -1})
	require.Error(t, err)
}

// TestLastQuarterTakesOnlyRunnableTransactions is reliability finding 10:
// under a flood every sender's next nonce could be refused as pool_full
// while its later nonces got in as room appeared, until the pool was full
// of transfers none of which could run, and finalization stopped. The last
// quarter of the pool now takes only transfers with no nonce missing below
// them.
func TestLastQuarterTakesOnlyRunnableTransactions(t *testing.T) {
	p, err := mempool.New(mempool.Config{Capacity: 8, PerSender: 8})
	require.NoError(t, err)
	// Six transfers waiting on a missing nonce 0, from six senders: the
	// first three quarters.
	for i := byte(10); i < 16; i++ {
		require.NoError(t, p.Add(tx(t, key(i), 1, 1), 0))
	}
	a := key(1)
	tests := []struct {
		name string
		add  *txn.Tx
		want error
	}{
		{"another one waiting on a missing nonce: refused as full", tx(t, key(20), 3, 1), mempool.ErrFull},
		{"one that can run now: taken", tx(t, a, 0, 1), nil},
		{"its successor can run once it has: taken", tx(t, a, 1, 1), nil},
		{"the pool is full now", tx(t, key(21), 0, 1), mempool.ErrFull},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := p.Len()
			err := p.Add(tc.add, 0)
			if tc.want == nil {
				require.NoError(t, err)
				require.Equal(t, before+1, p.Len())
				return
			}
			require.ErrorIs(t, err, tc.want)
			require.Equal(t, before, p.Len(), "a refusal changes nothing")
			require.False(t, p.Has(tc.add.Hash()))
		})
	}
	// What runs is what a proposer finds: the pool is never all waiting.
	ready := p.Pending(16, func(common.Address) uint64 { return 0 }, nil)
	require.Len(t, ready, 2)
}
