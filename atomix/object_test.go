package atomix_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/atomix"
)

func TestObjectStateMachine(t *testing.T) {
	tx1, tx2 := common.Hash{1}, common.Hash{2}
	acct := atomix.NewAccount(100)
	locked, err := acct.Lock(tx1, atomix.KindAccount, 30)
	require.NoError(t, err)
	coin := atomix.NewCoin(50)
	lockedCoin, err := coin.Lock(tx1, atomix.KindCoin, 50)
	require.NoError(t, err)

	type step func(atomix.Object) (atomix.Object, error)
	cases := []struct {
		name    string
		from    atomix.Object
		do      step
		wantErr error
		want    atomix.Object
	}{
		{"lock account", acct, func(o atomix.Object) (atomix.Object, error) { return o.Lock(tx1, atomix.KindAccount, 30) },
			nil, atomix.Object{Kind: atomix.KindAccount, Status: atomix.Locked, Seq: 1, Value: 100, LockTx: tx1, LockAmount: 30}},
		{"lock too much", acct, func(o atomix.Object) (atomix.Object, error) { return o.Lock(tx1, atomix.KindAccount, 101) }, atomix.ErrObjectUnavailable, acct},
		{"lock zero", acct, func(o atomix.Object) (atomix.Object, error) { return o.Lock(tx1, atomix.KindAccount, 0) }, atomix.ErrObjectUnavailable, acct},
		{"lock wrong kind", acct, func(o atomix.Object) (atomix.Object, error) { return o.Lock(tx1, atomix.KindCoin, 100) }, atomix.ErrObjectUnavailable, acct},
		{"lock locked", locked, func(o atomix.Object) (atomix.Object, error) { return o.Lock(tx2, atomix.KindAccount, 1) }, atomix.ErrObjectUnavailable, locked},
		{"lock part of coin", coin, func(o atomix.Object) (atomix.Object, error) { return o.Lock(tx1, atomix.KindCoin, 20) }, atomix.ErrObjectUnavailable, coin},
		{"commit account", locked, func(o atomix.Object) (atomix.Object, error) { return o.Commit(tx1, 1) },
			nil, atomix.Object{Kind: atomix.KindAccount, Status: atomix.Active, Seq: 1, Value: 70}},
		{"abort account", locked, func(o atomix.Object) (atomix.Object, error) { return o.Abort(tx1, 1) },
			nil, atomix.Object{Kind: atomix.KindAccount, Status: atomix.Active, Seq: 1, Value: 100}},
		{"commit coin spends", lockedCoin, func(o atomix.Object) (atomix.Object, error) { return o.Commit(tx1, 1) },
			nil, atomix.Object{Kind: atomix.KindCoin, Status: atomix.Spent, Seq: 1, Value: 50}},
		// Replay defences of the per-object state machine.
		{"commit for another tx", locked, func(o atomix.Object) (atomix.Object, error) { return o.Commit(tx2, 1) }, atomix.ErrNotCurrentLock, locked},
		{"abort for another tx", locked, func(o atomix.Object) (atomix.Object, error) { return o.Abort(tx2, 1) }, atomix.ErrNotCurrentLock, locked},
		{"commit of an earlier lock", locked, func(o atomix.Object) (atomix.Object, error) { return o.Commit(tx1, 0) }, atomix.ErrNotCurrentLock, locked},
		{"abort of an earlier lock", locked, func(o atomix.Object) (atomix.Object, error) { return o.Abort(tx1, 0) }, atomix.ErrNotCurrentLock, locked},
		{"commit of an active object", acct, func(o atomix.Object) (atomix.Object, error) { return o.Commit(tx1, 0) }, atomix.ErrNotCurrentLock, acct},
		{"credit coin", coin, func(o atomix.Object) (atomix.Object, error) { return o.Credit(1) }, atomix.ErrObjectUnavailable, coin},
		{"credit locked account", locked, func(o atomix.Object) (atomix.Object, error) { return o.Credit(5) },
			nil, atomix.Object{Kind: atomix.KindAccount, Status: atomix.Locked, Seq: 1, Value: 105, LockTx: tx1, LockAmount: 30}},
		{"credit overflow", atomix.NewAccount(^uint64(0)), func(o atomix.Object) (atomix.Object, error) { return o.Credit(1) }, atomix.ErrObjectUnavailable, atomix.NewAccount(^uint64(0))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := c.from
			got, err := c.do(c.from)
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, c.want, got)
			require.Equal(t, before, c.from, "transitions never change the receiver")
			back, err := atomix.DecodeObject(got.Encode())
			require.NoError(t, err)
			require.Equal(t, got, back)
		})
	}
}

// TestRelockGetsNewSequence: a second lock of the same object by the same
// transaction is a different lock, so proofs of the first cannot act on it.
func TestRelockGetsNewSequence(t *testing.T) {
	tx := common.Hash{7}
	o, err := atomix.NewAccount(10).Lock(tx, atomix.KindAccount, 5)
	require.NoError(t, err)
	o, err = o.Abort(tx, 1)
	require.NoError(t, err)
	o, err = o.Lock(tx, atomix.KindAccount, 5)
	require.NoError(t, err)
	require.Equal(t, uint64(2), o.Seq)
	_, err = o.Abort(tx, 1)
	require.ErrorIs(t, err, atomix.ErrNotCurrentLock)
	_, err = o.Commit(tx, 1)
	require.ErrorIs(t, err, atomix.ErrNotCurrentLock)
}

func TestTxValidate(t *testing.T) {
	a, b := common.Hash{0xa}, common.Hash{0xb}
	good := atomix.Tx{Inputs: []atomix.Input{{Shard: 0, Kind: atomix.KindAccount, Object: a, Amount: 5}},
		Outputs: []atomix.Output{{Shard: 1, Kind: atomix.KindAccount, Object: b, Amount: 5}}}
	cases := []struct {
		name string
		mut  func(*atomix.Tx)
		ok   bool
	}{
		{"good", func(*atomix.Tx) {}, true},
		{"no inputs", func(t *atomix.Tx) { t.Inputs = nil }, false},
		{"unbalanced", func(t *atomix.Tx) { t.Outputs[0].Amount = 6 }, false},
		{"zero input", func(t *atomix.Tx) { t.Inputs[0].Amount = 0; t.Outputs[0].Amount = 0 }, false},
		{"bad kind", func(t *atomix.Tx) { t.Inputs[0].Kind = 9 }, false},
		{"bad output kind", func(t *atomix.Tx) { t.Outputs[0].Kind = 0 }, false},
		{"coin output with object", func(t *atomix.Tx) { t.Outputs[0].Kind = atomix.KindCoin }, false},
		{"double spend inside", func(t *atomix.Tx) {
			t.Inputs = append(t.Inputs, t.Inputs[0])
			t.Outputs[0].Amount = 10
		}, false},
		{"overflow", func(t *atomix.Tx) {
			t.Inputs = append(t.Inputs, atomix.Input{Shard: 1, Kind: atomix.KindAccount, Object: b, Amount: ^uint64(0)})
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tx := good
			tx.Inputs = append([]atomix.Input(nil), good.Inputs...)
			tx.Outputs = append([]atomix.Output(nil), good.Outputs...)
			c.mut(&tx)
			err := tx.Validate()
			if c.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, atomix.ErrBadTx)
			}
		})
	}
	require.Equal(t, []atomix.ShardID{0, 1}, good.Shards())
	require.Equal(t, []atomix.ShardID{0}, good.InputShards())
	require.Equal(t, atomix.ShardID(0), good.Coordinator())
	g2 := good
	g2.Nonce = 1
	require.NotEqual(t, good.ID(), g2.ID())
	require.NotEqual(t, atomix.CoinID(good.ID(), 0), atomix.CoinID(good.ID(), 1))
}
