package atomix_test

import (
	"bytes"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/internal/atomixsim"
)

func seedProof() atomix.Proof {
	k := atomixsim.NewKeyedCerts(1)
	v := atomix.Vote{Tx: transfer.ID(), Attempt: 1, Shard: shB, Decision: atomix.Accept, Epoch: 2,
		Locks: []atomix.LockRef{{Object: objY, Seq: 1, Amount: 40}}}
	return k.Prove(v, 2, 10)
}

// FuzzDecodeProof: decoding never panics, accepts only canonical
// encodings (decode∘encode is the identity on what it accepts), and
// whatever decodes is rejected by verification unless it is the genuine
// proof.
func FuzzDecodeProof(f *testing.F) {
	good := seedProof()
	f.Add(good.Encode())
	f.Add([]byte{})
	f.Add([]byte{0xc0})
	bad := good
	bad.Vote.Decision = atomix.Reject
	bad.Vote.Locks = nil
	f.Add(bad.Encode())
	k := atomixsim.NewKeyedCerts(1)
	v := atomix.Verifier{Certs: k, Proofs: k}
	ses := atomix.NewSession(transfer, 1)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := atomix.DecodeProof(b)
		if err != nil {
			require.ErrorIs(t, err, atomix.ErrDecode)
			return
		}
		require.Equal(t, b, p.Encode())
		if err := v.Verify(p, ses, 2); err == nil {
			require.Equal(t, good.Encode(), b, "a proof other than the genuine one verified")
		}
	})
}

// FuzzDecodeMessage: decoding never panics and round-trips, and a shard
// stepping any decoded message keeps value conserved.
func FuzzDecodeMessage(f *testing.F) {
	p := seedProof()
	f.Add(atomix.Message{Type: atomix.MsgProof, From: shB, Tx: transfer, Attempt: 1, Proofs: []atomix.Proof{p}}.Encode())
	f.Add(atomix.Message{Type: atomix.MsgLock, Tx: transfer, Attempt: 1}.Encode())
	f.Add(atomix.Message{Type: atomix.MsgAck, From: shC, Tx: transfer, Attempt: 3}.Encode())
	f.Add([]byte{0xc1, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := atomix.DecodeMessage(b)
		if err != nil {
			require.ErrorIs(t, err, atomix.ErrDecode)
			return
		}
		require.True(t, bytes.Equal(b, m.Encode()))
		k := atomixsim.NewKeyedCerts(1)
		st := atomix.NewMemStore()
		require.NoError(t, atomix.PutObject(st, objX, atomix.NewAccount(100)))
		require.NoError(t, atomix.PutObject(st, objZ, atomix.NewAccount(0)))
		sh, err := atomix.NewShard(atomix.Config{ID: shA, Store: st, Verifier: atomix.Verifier{Certs: k, Proofs: k}})
		require.NoError(t, err)
		_ = sh.Step(m)
		sh.Ready()
		var sum uint64
		for _, id := range []common.Hash{objX, objZ} {
			o, _, err := atomix.GetObject(st, id)
			require.NoError(t, err)
			sum += o.Value
		}
		// Only a committed transaction with outputs here may add value,
		// and it needs every other input shard's certified acceptance,
		// which the fuzzer cannot forge.
		require.LessOrEqual(t, sum, uint64(100))
	})
}

// FuzzDecodeObject: an object record decodes canonically or fails with
// ErrDecode, and every record it accepts is one the state machine can
// reach, so no transition from it creates value: a lock followed by an
// abort gives the object back, a commit debits at most what was locked, and
// a credit adds exactly its amount or is refused.
func FuzzDecodeObject(f *testing.F) {
	acct := atomix.NewAccount(100)
	f.Add(acct.Encode())
	locked, err := acct.Lock(transfer.ID(), atomix.KindAccount, 40)
	require.NoError(f, err)
	f.Add(locked.Encode())
	coin, err := atomix.NewCoin(7).Lock(transfer.ID(), atomix.KindCoin, 7)
	require.NoError(f, err)
	f.Add(coin.Encode())
	spent, err := coin.Commit(transfer.ID(), coin.Seq)
	require.NoError(f, err)
	f.Add(spent.Encode())
	// A locked account whose lock exceeds its value: its commit would
	// wrap around to a huge balance unless the decoder refuses it.
	f.Add(atomix.Object{Kind: atomix.KindAccount, Status: atomix.Locked, Seq: 1, Value: 10, LockTx: transfer.ID(), LockAmount: 40}.Encode())
	f.Add(seedProof().Vote.Encode())
	f.Add([]byte{})
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := atomix.DecodeObject(b)
		if err != nil {
			require.ErrorIs(t, err, atomix.ErrDecode)
			return
		}
		require.Equal(t, b, o.Encode())
		// The record's own lock, if any.
		if c, err := o.Commit(o.LockTx, o.Seq); err == nil {
			require.LessOrEqual(t, c.Value, o.Value, "commit created value")
			if o.Kind == atomix.KindAccount {
				require.Equal(t, o.Value-o.LockAmount, c.Value)
			}
		}
		if a, err := o.Abort(o.LockTx, o.Seq); err == nil {
			require.Equal(t, o.Value, a.Value)
			require.Equal(t, atomix.Active, a.Status)
		}
		// A fresh lock of what the object holds.
		amount := min(o.Value, 1)
		if o.Kind == atomix.KindCoin {
			amount = o.Value
		}
		tx := common.Hash{0xfe}
		if l, err := o.Lock(tx, o.Kind, amount); err == nil {
			require.Equal(t, o.Seq+1, l.Seq)
			back, err := l.Abort(tx, l.Seq)
			require.NoError(t, err)
			want := o
			want.Seq++
			require.Equal(t, want, back)
			c, err := l.Commit(tx, l.Seq)
			require.NoError(t, err)
			require.LessOrEqual(t, c.Value, o.Value, "commit created value")
		}
		if c, err := o.Credit(3); err == nil {
			require.Equal(t, o.Value+3, c.Value)
		}
	})
}

// FuzzDecodeVote: a vote record decodes canonically or fails with
// ErrDecode, and an accepted vote respects the limits the proof decoder
// relies on (a known decision, at most MaxInputs locks).
func FuzzDecodeVote(f *testing.F) {
	f.Add(seedProof().Vote.Encode())
	f.Add(atomix.Vote{Tx: transfer.ID(), Attempt: 3, Shard: shA, Decision: atomix.Reject, Epoch: 1}.Encode())
	f.Add(atomix.NewAccount(5).Encode())
	f.Add([]byte{})
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := atomix.DecodeVote(b)
		if err != nil {
			require.ErrorIs(t, err, atomix.ErrDecode)
			return
		}
		require.Equal(t, b, v.Encode())
		require.Contains(t, []atomix.Decision{atomix.Accept, atomix.Reject}, v.Decision)
		require.LessOrEqual(t, len(v.Locks), atomix.MaxInputs)
		// The vote inside a proof passes the proof decoder's own checks.
		p := atomix.Proof{Vote: v, Epoch: v.Epoch, Height: 1}
		_, err = atomix.DecodeProof(p.Encode())
		require.NoError(t, err)
	})
}
