package chain_test

import (
	"errors"
	"testing"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/iostkit/iostkit/token"
	"github.com/stretchr/testify/require"
)

const shards = 2

func newShard(t *testing.T, s uint32, g chain.Genesis) *chain.Shard {
	t.Helper()
	pool, err := mempool.New(mempool.Config{})
	require.NoError(t, err)
	sh, err := chain.NewShard(chain.Executor{ChainID: 1, Shard: s, Shards: shards}, state.NewMem(), dbm.NewMemDB(), pool, g)
	require.NoError(t, err)
	return sh
}

// demo returns demo accounts i on shard s and j≠i on the same shard, and k
// on the other shard.
func demo(t *testing.T) (i, j, k int) {
	i, j, k = -1, -1, -1
	for n := 0; n < 16; n++ {
		switch s := eds.ShardOf(chain.DemoAddress(n), shards); {
		case s == 0 && i < 0:
			i = n
		case s == 0 && j < 0:
			j = n
		case s == 1 && k < 0:
			k = n
		}
	}
	require.True(t, i >= 0 && j >= 0 && k >= 0)
	return
}

func transfer(t *testing.T, from, nonce int, to common.Address, amount uint64) *txn.Tx {
	tx, err := txn.Sign(txn.Unsigned{ChainID: 1, Shard: eds.ShardOf(chain.DemoAddress(from), shards), Nonce: uint64(nonce), To: to, Amount: amount}, chain.DemoKey(from))
	require.NoError(t, err)
	return tx
}

func TestGenesisSplitsTheCap(t *testing.T) {
	g, err := chain.NewGenesis(8, []chain.Stake{{Validator: common.Address{0xaa}, Amount: token.IOST(100)}})
	require.NoError(t, err)
	total := token.Amount(0)
	for s := uint32(0); s < shards; s++ {
		sh := newShard(t, s, g)
		sup, err := sh.Ledger().Supply()
		require.NoError(t, err)
		total += sup.Genesis
	}
	require.Equal(t, token.Cap, total, "the shards' genesis totals add up to the cap")
	sh := newShard(t, eds.ShardOf(common.Address{0xaa}, shards), g)
	acct, err := sh.Account(common.Address{0xaa})
	require.NoError(t, err)
	require.Equal(t, token.IOST(100), acct.Bonded)
}

func TestExecute(t *testing.T) {
	g, err := chain.NewGenesis(16, nil)
	require.NoError(t, err)
	i, j, k := demo(t)
	src, dst := newShard(t, 0, g), newShard(t, 1, g)

	good := transfer(t, i, 0, chain.DemoAddress(j), 10)
	cross := transfer(t, i, 1, chain.DemoAddress(k), 20)
	replay := good.Bytes()
	wrongShard := transfer(t, k, 0, chain.DemoAddress(i), 5) // sender lives on shard 1
	never := func(chain.Credit) error { return errors.New("no credits here") }

	b, err := src.Commit(chain.Block{Height: 1, Txs: [][]byte{good.Bytes(), cross.Bytes(), replay, wrongShard.Bytes(), {0xff}}}, never)
	require.NoError(t, err)
	ok := make([]bool, len(b.Receipts))
	for n, r := range b.Receipts {
		ok[n] = r.OK
	}
	require.Equal(t, []bool{true, true, false, false, false}, ok, "failed transactions are recorded and change nothing")
	require.NotNil(t, b.Receipts[1].Export)
	x := b.Receipts[1].Export
	require.EqualValues(t, 1, x.ToShard)
	require.Equal(t, uint64(1), src.Height())

	stored, found := src.Block(1)
	require.True(t, found)
	require.Equal(t, b.Receipts[1].Export, stored.Receipts[1].Export, "receipts rebuild from the stored block")

	// The credit waits until the source shard's block is known, then
	// applies exactly once.
	credit := x.Credit.Encode()
	waiting := func(chain.Credit) error { return chain.ErrWait }
	_, err = dst.Commit(chain.Block{Height: 1, Txs: [][]byte{credit}}, waiting)
	require.ErrorIs(t, err, chain.ErrWait)
	require.Zero(t, dst.Height(), "nothing applied while waiting")

	check := func(c chain.Credit) error {
		if e, ok := src.ExportOf(c.TxHash); ok && e.Credit == c {
			return nil
		}
		return chain.ErrUnprovenCredit
	}
	forged := x.Credit
	forged.Amount = 1_000_000
	b2, err := dst.Commit(chain.Block{Height: 1, Txs: [][]byte{credit, credit, forged.Encode()}}, check)
	require.NoError(t, err)
	require.True(t, b2.Receipts[0].OK)
	require.False(t, b2.Receipts[1].OK, "a replayed credit fails")
	require.False(t, b2.Receipts[2].OK, "a credit without its export fails")
	acct, err := dst.Account(chain.DemoAddress(k))
	require.NoError(t, err)
	require.Equal(t, chain.DemoBalance+20, acct.Balance)
	require.True(t, dst.Credited(x.Credit))

	_, err = dst.Commit(chain.Block{Height: 5}, check)
	require.ErrorIs(t, err, chain.ErrBadHeight)
}

func TestValidateAndCheck(t *testing.T) {
	e := chain.Executor{ChainID: 1, Shard: 0, Shards: shards}
	i, _, k := demo(t)
	cases := []struct {
		name string
		tx   []byte
		want error
	}{
		{"good", transfer(t, i, 0, chain.DemoAddress(k), 1).Bytes(), nil},
		{"sender on another shard", transfer(t, k, 0, chain.DemoAddress(i), 1).Bytes(), chain.ErrWrongShard},
		{"garbage", []byte{0xc1, 0x80}, txn.ErrMalformed},
		{"credit to this shard", chain.Credit{FromShard: 1, To: chain.DemoAddress(i), Amount: 1}.Encode(), nil},
		{"credit to another shard", chain.Credit{FromShard: 1, To: chain.DemoAddress(k), Amount: 1}.Encode(), chain.ErrWrongShard},
		{"credit from itself", chain.Credit{FromShard: 0, To: chain.DemoAddress(i), Amount: 1}.Encode(), chain.ErrWrongShard},
		{"bad credit", []byte{chain.CreditTag, 0x01}, chain.ErrBadCredit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := e.Validate(c.tx)
			if c.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, c.want)
			}
		})
	}
	wrongChain, err := txn.Sign(txn.Unsigned{ChainID: 2, Shard: 0, To: common.Address{1}, Amount: 1}, chain.DemoKey(i))
	require.NoError(t, err)
	require.ErrorIs(t, e.Check(wrongChain), chain.ErrWrongChain)
}

func TestSubmit(t *testing.T) {
	g, err := chain.NewGenesis(16, nil)
	require.NoError(t, err)
	i, j, _ := demo(t)
	sh := newShard(t, 0, g)
	require.NoError(t, sh.Submit(transfer(t, i, 0, chain.DemoAddress(j), 1)))
	require.ErrorIs(t, sh.Submit(transfer(t, i, 1, chain.DemoAddress(j), uint64(chain.DemoBalance)+1)), token.ErrInsufficientFunds)
	require.Equal(t, 1, sh.Pool().Len())
}

func FuzzDecodeCredit(f *testing.F) {
	f.Add(chain.Credit{FromShard: 1, To: common.Address{1}, Amount: 5}.Encode())
	f.Add([]byte{chain.CreditTag})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := chain.DecodeCredit(b)
		if err != nil {
			return
		}
		again, err := chain.DecodeCredit(c.Encode())
		require.NoError(t, err)
		require.Equal(t, c, again)
	})
}

func TestTxCacheAnswersLikeDecode(t *testing.T) {
	c := chain.NewTxCache(2)
	var txs []*txn.Tx
	for i := 0; i < 3; i++ {
		txs = append(txs, transfer(t, i, 0, common.Address{9}, 1))
	}
	for _, tx := range txs {
		got, err := c.Decode(tx.Bytes())
		require.NoError(t, err)
		require.Equal(t, tx.From(), got.From())
	}
	again, err := c.Decode(txs[0].Bytes()) // evicted, decoded again
	require.NoError(t, err)
	require.Equal(t, txs[0].Hash(), again.Hash())
	_, err = c.Decode([]byte{0xc0})
	require.ErrorIs(t, err, txn.ErrMalformed)
	var nilCache *chain.TxCache
	got, err := nilCache.Decode(txs[1].Bytes())
	require.NoError(t, err)
	require.Equal(t, txs[1].From(), got.From())
}
