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

// FuzzDecodeRecords: object and vote records decode canonically or not at all.
func FuzzDecodeRecords(f *testing.F) {
	f.Add(atomix.NewAccount(5).Encode())
	f.Add(seedProof().Vote.Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		if o, err := atomix.DecodeObject(b); err == nil {
			require.Equal(t, b, o.Encode())
		} else {
			require.ErrorIs(t, err, atomix.ErrDecode)
		}
		if v, err := atomix.DecodeVote(b); err == nil {
			require.Equal(t, b, v.Encode())
		} else {
			require.ErrorIs(t, err, atomix.ErrDecode)
		}
	})
}
