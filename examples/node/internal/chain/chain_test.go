package chain_test

import (
	"fmt"
	"testing"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/drand/kyber"
	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/iostkit/iostkit/pob"
	"github.com/iostkit/iostkit/token"
	"github.com/stretchr/testify/require"
)

const shards = 2

// committee is a test network's committees: four BLS keys per shard, one
// committee version, epoch 0.
type committee struct {
	sks  [shards][]kyber.Scalar
	keys [shards][]kyber.Point
}

func newCommittee() *committee {
	c := &committee{}
	for s := range c.keys {
		for i := 0; i < 4; i++ {
			sk, pk := pob.NewKeyPair([]byte(fmt.Sprintf("shard %d member %d", s, i)))
			c.sks[s], c.keys[s] = append(c.sks[s], sk), append(c.keys[s], pk)
		}
	}
	return c
}

// VerifyFinality implements atomix.CertificateVerifier with the real
// attestation check against the shard's committee.
func (c *committee) VerifyFinality(shard atomix.ShardID, epoch, height uint64, root common.Hash, cert []byte) error {
	a, err := chain.DecodeAttestation(cert)
	if err != nil {
		return err
	}
	return chain.VerifyAttestation(c.keys[shard], chain.Statement{ChainID: 1, Shard: uint32(shard), Epoch: epoch, Height: height, Root: root}, a)
}

// attest has signers (committee indexes) of the shard's committee sign
// the block's commitment and returns the proofs of the votes it certifies.
func (c *committee) attest(t *testing.T, sh *chain.Shard, reqs []chain.Certify, signers ...int) []atomix.Proof {
	t.Helper()
	var out []atomix.Proof
	for _, req := range reqs {
		root, merkle, err := sh.ProveVote(req.Height, req.Vote)
		require.NoError(t, err)
		st := chain.Statement{ChainID: 1, Shard: sh.Exec.Shard, Height: req.Height, Root: root}
		sigs := map[int][]byte{}
		for _, i := range signers {
			sigs[i], err = st.Sign(c.sks[sh.Exec.Shard][i])
			require.NoError(t, err)
		}
		a := chain.Attestation{}
		if len(signers) >= pob.Quorum(4) {
			a, err = chain.Aggregate(c.keys[sh.Exec.Shard], st, sigs)
			require.NoError(t, err)
		}
		out = append(out, atomix.Proof{Vote: req.Vote, Height: req.Height, Root: root, Certificate: a.Encode(), Merkle: merkle})
	}
	return out
}

func newShard(t *testing.T, s uint32, g chain.Genesis) *chain.Shard {
	return newShardWith(t, s, g, newCommittee())
}

func newShardWith(t *testing.T, s uint32, g chain.Genesis, c *committee) *chain.Shard {
	t.Helper()
	pool, err := mempool.New(mempool.Config{})
	require.NoError(t, err)
	st, err := state.OpenMicro(1, s, "memdb", t.TempDir(), nil)
	require.NoError(t, err)
	v := atomix.Verifier{Certs: c, Proofs: chain.WriteProofVerifier{}}
	sh, err := chain.NewShard(chain.Executor{ChainID: 1, Shard: s, Shards: shards}, st, dbm.NewMemDB(), pool, g, v)
	require.NoError(t, err)
	t.Cleanup(func() { sh.Close() })
	return sh
}

// envelopes returns the encoded messages of rd for shard to.
func envelopes(rd chain.CrossReady, to uint32) [][]byte {
	var out [][]byte
	for _, e := range rd.Messages {
		if uint32(e.To) == to {
			out = append(out, chain.EncodeAtomix(e.Msg))
		}
	}
	return out
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
	b, err := src.Commit(chain.Block{Height: 1, Txs: [][]byte{good.Bytes(), cross.Bytes(), replay, wrongShard.Bytes(), {0xff}}})
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
	_, err = dst.Commit(chain.Block{Height: 5})
	require.ErrorIs(t, err, chain.ErrBadHeight)
}

// TestCrossShardThroughAtomix runs a cross-shard transfer end to end over
// two microstate-backed shards with real BLS attestations: lock and vote on
// the sender's shard, a proof of the vote certified by a quorum of its
// committee, commit and credit on the recipient's shard, acknowledgement
// back. Replays, forged amounts and attestations short of a quorum change
// nothing.
func TestCrossShardThroughAtomix(t *testing.T) {
	g, err := chain.NewGenesis(16, nil)
	require.NoError(t, err)
	i, _, k := demo(t)
	c := newCommittee()
	src, dst := newShardWith(t, 0, g, c), newShardWith(t, 1, g, c)
	before, err := src.Account(chain.DemoAddress(i))
	require.NoError(t, err)

	cross := transfer(t, i, 0, chain.DemoAddress(k), 20)
	b1, err := src.Commit(chain.Block{Height: 1, Txs: [][]byte{cross.Bytes()}})
	require.NoError(t, err)
	require.True(t, b1.Receipts[0].OK, b1.Receipts[0].Err)
	require.Len(t, b1.Cross.Certify, 1, "the vote asks for its proof")
	require.Equal(t, uint64(1), b1.Cross.Certify[0].Height)
	after, err := src.Account(chain.DemoAddress(i))
	require.NoError(t, err)
	require.Equal(t, before.Balance-20, after.Balance, "the sender is debited at lock")

	// Two of four signers are not a quorum: atomix refuses the proof.
	weak := c.attest(t, src, b1.Cross.Certify, 0, 1)
	require.Error(t, src.Certified(weak[0]))
	require.Empty(t, envelopes(src.TakeCross(), 1))

	proofs := c.attest(t, src, b1.Cross.Certify, 0, 1, 3)
	require.NoError(t, src.Certified(proofs[0]))
	msgs := envelopes(src.TakeCross(), 1)
	require.Len(t, msgs, 1)

	// A forged copy claims a larger amount: its proof does not bind it.
	m, err := chain.DecodeAtomix(msgs[0])
	require.NoError(t, err)
	forged := m
	forged.Tx.Outputs = append([]atomix.Output(nil), m.Tx.Outputs...)
	forged.Tx.Outputs[0].Amount = 1_000_000
	forged.Tx.Inputs = append([]atomix.Input(nil), m.Tx.Inputs...)
	forged.Tx.Inputs[0].Amount = 1_000_000

	b2, err := dst.Commit(chain.Block{Height: 1, Txs: [][]byte{chain.EncodeAtomix(forged), msgs[0], msgs[0]}})
	require.NoError(t, err)
	require.Nil(t, b2.Receipts[0].Credit, "a forged transfer credits nothing")
	require.NotNil(t, b2.Receipts[1].Credit)
	require.Equal(t, chain.Credit{FromShard: 0, FromHeight: 1, TxHash: cross.Hash(), To: chain.DemoAddress(k), Amount: 20}, *b2.Receipts[1].Credit,
		"the credit names the export exactly")
	require.Nil(t, b2.Receipts[2].Credit, "a replayed proof credits nothing")
	acct, err := dst.Account(chain.DemoAddress(k))
	require.NoError(t, err)
	require.Equal(t, chain.DemoBalance+20, acct.Balance)
	stored, ok := dst.Block(1)
	require.True(t, ok)
	require.Equal(t, b2.Receipts[1].Credit, stored.Receipts[1].Credit, "credits rebuild from the stored block")

	// The recipient's shard acknowledges; the sender's shard finishes the
	// session.
	acks := envelopes(b2.Cross, 0)
	require.NotEmpty(t, acks)
	require.Equal(t, 1, src.Sessions())
	_, err = src.Commit(chain.Block{Height: 2, Txs: acks})
	require.NoError(t, err)
	require.Zero(t, src.Sessions(), "acknowledged sessions are dropped")
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
		{"atomix lock for this shard", lockMsg(i, k, 1), nil},
		{"atomix transfer not involving this shard", lockMsg(k, k, 1), chain.ErrBadAtomix},
		{"atomix output to an account of another shard", lockMsg(i, i, 1), chain.ErrBadAtomix},
		{"bad atomix message", []byte{chain.AtomixTag, 0x01}, chain.ErrBadAtomix},
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

// lockMsg is an atomix MsgLock moving 1 from demo account from's escrow on
// shard from to demo account to, claimed to live on shard toShard.
func lockMsg(from, to int, toShard uint32) []byte {
	x := chain.Export{Credit: chain.Credit{FromShard: eds.ShardOf(chain.DemoAddress(from), shards), TxHash: common.Hash{byte(from + 1)}, To: chain.DemoAddress(to), Amount: 1}, ToShard: toShard}
	return chain.EncodeAtomix(atomix.Message{Type: atomix.MsgLock, From: atomix.ShardID(x.FromShard), Tx: chain.CrossTx(x, 0), Attempt: 1})
}

func FuzzDecodeAtomix(f *testing.F) {
	f.Add(lockMsg(0, 1, 1))
	f.Add([]byte{chain.AtomixTag})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := chain.DecodeAtomix(b)
		if err != nil {
			require.ErrorIs(t, err, chain.ErrBadAtomix)
			return
		}
		again, err := chain.DecodeAtomix(chain.EncodeAtomix(m))
		require.NoError(t, err)
		require.Equal(t, m.Encode(), again.Encode())
	})
}

func FuzzDecodeAttestation(f *testing.F) {
	f.Add(chain.Attestation{Version: 1, Signers: []byte{7}, Sig: []byte{1, 2}}.Encode())
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := chain.DecodeAttestation(b)
		if err != nil {
			require.ErrorIs(t, err, chain.ErrBadAttestation)
			return
		}
		again, err := chain.DecodeAttestation(a.Encode())
		require.NoError(t, err)
		require.Equal(t, a.Encode(), again.Encode())
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

// TestPoolDropsATransferThatFailedAtItsNonce: a transfer that fails at
// execution on its own nonce (the balance went to an earlier transfer)
// leaves the nonce where it was and would fail in every later block: the
// pool lets it go. A transfer waiting behind it stays.
func TestPoolDropsATransferThatFailedAtItsNonce(t *testing.T) {
	g, err := chain.NewGenesis(16, nil)
	require.NoError(t, err)
	i, j, _ := demo(t)
	sh := newShard(t, 0, g)
	spend := transfer(t, i, 0, chain.DemoAddress(j), uint64(chain.DemoBalance)-1)
	tooMuch := transfer(t, i, 1, chain.DemoAddress(j), 2) // fine when admitted, not once spend is executed
	behind := transfer(t, i, 2, chain.DemoAddress(j), 1)
	for _, tx := range []*txn.Tx{spend, tooMuch, behind} {
		require.NoError(t, sh.Submit(tx))
	}
	b, err := sh.Commit(chain.Block{Height: 1, Txs: [][]byte{spend.Bytes()}})
	require.NoError(t, err)
	require.True(t, b.Receipts[0].OK)
	require.Equal(t, 2, sh.Pool().Len())

	b, err = sh.Commit(chain.Block{Height: 2, Txs: [][]byte{tooMuch.Bytes()}})
	require.NoError(t, err)
	require.False(t, b.Receipts[0].OK)
	require.EqualValues(t, 1, sh.Nonce(chain.DemoAddress(i)), "a failed transfer uses no nonce")
	require.False(t, sh.Pool().Has(tooMuch.Hash()), "failed at its nonce: dropped")
	require.True(t, sh.Pool().Has(behind.Hash()), "a later nonce waits")
}
