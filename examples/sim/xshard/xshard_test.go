package xshard_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/examples/sim/xshard"
)

// flow locks a transfer from shard 0 to shard 1, certifies the vote with a
// quorum of shard 0's committee and returns the proof message for shard 1.
type flow struct {
	committees map[uint32]*xshard.Committee
	ver        atomix.Verifier
	shards     []*xshard.Shard
}

func newFlow(t *testing.T) *flow {
	f := &flow{committees: map[uint32]*xshard.Committee{}}
	for s := range uint32(2) {
		f.committees[s] = xshard.NewCommittee(7, int(s), 4)
	}
	f.ver = atomix.Verifier{
		Certs:  xshard.NewAttestationVerifier(func(s uint32, e uint64) *xshard.Committee { return f.committees[s] }),
		Proofs: xshard.WriteProofVerifier{},
	}
	for s := range uint32(2) {
		sh, err := xshard.NewShard(s, f.ver, 1)
		require.NoError(t, err)
		t.Cleanup(func() { _ = sh.Close() })
		f.shards = append(f.shards, sh)
	}
	return f
}

func transfer(n uint64) atomix.Tx {
	return atomix.Tx{
		Inputs:  []atomix.Input{{Shard: 0, Kind: atomix.KindCoin, Object: crypto.Keccak256Hash([]byte("escrow"), []byte{byte(n)}), Amount: 10}},
		Outputs: []atomix.Output{{Shard: 1, Kind: atomix.KindAccount, Object: common.BytesToHash([]byte("transit")), Amount: 10}},
		Nonce:   n,
	}
}

// lock runs shard 0's block that locks tx and returns the proof of its vote.
func (f *flow) lock(t *testing.T, tx atomix.Tx) atomix.Proof {
	src := f.shards[0]
	src.Begin()
	require.NoError(t, src.Lock(tx))
	commit, rd, err := src.End()
	require.NoError(t, err)
	require.Len(t, rd.Certify, 1)
	vote := rd.Certify[0]
	st := xshard.Statement{Shard: 0, Epoch: 1, Height: commit.Height, Root: commit.Commitment}
	c := f.committees[0]
	sigs := map[int][]byte{}
	for m := range 3 { // quorum of 4
		sig, err := c.Sign(m, st)
		require.NoError(t, err)
		require.NoError(t, c.VerifySig(m, st, sig))
		sigs[m] = sig
	}
	a, err := c.Attest(sigs)
	require.NoError(t, err)
	merkle, err := src.Prove(commit, vote)
	require.NoError(t, err)
	return atomix.Proof{Vote: vote, Epoch: 1, Height: commit.Height, Root: commit.Commitment, Certificate: a.Encode(), Merkle: merkle}
}

func TestCommitAcrossShards(t *testing.T) {
	f := newFlow(t)
	p := f.lock(t, transfer(1))
	rd, err := f.shards[0].Certified(p)
	require.NoError(t, err)
	require.Len(t, rd.Messages, 1)
	env := rd.Messages[0]
	require.Equal(t, atomix.ShardID(1), env.To)

	dst := f.shards[1]
	dst.Begin()
	require.NoError(t, dst.Step(env.Msg))
	_, out, err := dst.End()
	require.NoError(t, err)
	require.Len(t, out.Applied, 1)
	require.Equal(t, atomix.Commit, out.Applied[0].Outcome)
	require.Len(t, out.Messages, 1, "the destination acknowledges")
	require.Equal(t, atomix.MsgAck, out.Messages[0].Msg.Type)
}

func TestForgedProofsRejected(t *testing.T) {
	f := newFlow(t)
	good := f.lock(t, transfer(1))
	other := f.lock(t, transfer(2))
	session := atomix.NewSession(transfer(1), 1)
	tests := []struct {
		name  string
		tweak func(p atomix.Proof) atomix.Proof
		err   error
	}{
		{"valid", func(p atomix.Proof) atomix.Proof { return p }, nil},
		{"another root", func(p atomix.Proof) atomix.Proof { p.Root = other.Root; return p }, atomix.ErrBadCertificate},
		{"another block's certificate", func(p atomix.Proof) atomix.Proof { p.Certificate = other.Certificate; return p }, atomix.ErrBadCertificate},
		{"another block's merkle proof", func(p atomix.Proof) atomix.Proof { p.Merkle = other.Merkle; return p }, atomix.ErrBadMerkleProof},
		{"garbage merkle proof", func(p atomix.Proof) atomix.Proof { p.Merkle = []byte{1, 2, 3}; return p }, atomix.ErrBadMerkleProof},
		{"another height", func(p atomix.Proof) atomix.Proof { p.Height++; return p }, atomix.ErrBadCertificate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := f.ver.Verify(tc.tweak(good), session, 1)
			if tc.err == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.err)
		})
	}
}

func TestAttestNeedsQuorum(t *testing.T) {
	c := xshard.NewCommittee(1, 0, 4)
	st := xshard.Statement{Shard: 0, Epoch: 1, Height: 1, Root: common.Hash{1}}
	sigs := map[int][]byte{}
	for m := range 2 {
		sig, err := c.Sign(m, st)
		require.NoError(t, err)
		sigs[m] = sig
	}
	_, err := c.Attest(sigs)
	require.ErrorIs(t, err, xshard.ErrBadAttestation)
	sig, err := c.Sign(0, st)
	require.NoError(t, err)
	require.ErrorIs(t, c.VerifySig(1, st, sig), xshard.ErrBadAttestation, "member 0's signature is not member 1's")
}
