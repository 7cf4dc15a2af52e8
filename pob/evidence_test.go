package pob_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/pob"
	"github.com/stretchr/testify/require"
)

func signedOptimistic(t *testing.T, k testKey, producer uint32, seq uint64, txs ...[]byte) pob.OptimisticBlock {
	o := pob.OptimisticBlock{Domain: testDomain, Producer: producer, Seq: seq, Txs: txs}
	sig, err := pob.NewSigner(k.sk).Sign(o.SignBytes())
	require.NoError(t, err)
	o.Sig = sig
	return o
}

func TestVerifyFraudProof(t *testing.T) {
	ks := testKeys(3)
	bel := pubs(ks[:2])
	o := signedOptimistic(t, ks[1], 1, 4, []byte{1, 'o', 'k'}, []byte{0xBA, 'd'})
	forged := o
	forged.Txs = [][]byte{{1}, {0xBA}}
	otherDomain := signedOptimistic(t, ks[1], 1, 4, []byte{1}, []byte{0xBA})
	otherDomain.Domain.Epoch++
	for _, tc := range []struct {
		name string
		p    pob.FraudProof
		err  error
	}{
		{"proves", pob.FraudProof{Block: o, Index: 1}, nil},
		{"valid transaction", pob.FraudProof{Block: o, Index: 0}, pob.ErrBadFraudProof},
		{"index out of range", pob.FraudProof{Block: o, Index: 2}, pob.ErrBadFraudProof},
		{"forged block", pob.FraudProof{Block: forged, Index: 1}, pob.ErrBadSignature},
		{"unknown producer", pob.FraudProof{Block: signedOptimistic(t, ks[2], 2, 1, []byte{0xBA}), Index: 0}, pob.ErrUnknownValidator},
		{"wrong domain", pob.FraudProof{Block: otherDomain, Index: 1}, pob.ErrWrongDomain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := pob.VerifyFraudProof(bel, testDomain, validator{}, nil, tc.p)
			if tc.err == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.err)
			require.ErrorIs(t, err, pob.ErrBadFraudProof)
		})
	}
	require.Equal(t, []byte{0xBA, 'd'}, pob.FraudProof{Block: o, Index: 1}.Tx())
	require.Nil(t, pob.FraudProof{Block: o, Index: 9}.Tx())
}

func TestVerifyEquivocation(t *testing.T) {
	ks := testKeys(6)
	committee, bel := pubs(ks[:4]), pubs(ks[4:])
	vote := func(k int, r uint64, b common.Hash) pob.Vote {
		v, err := pob.SignVote(pob.NewSigner(ks[k].sk), pob.Vote{Domain: testDomain, Type: pob.Prevote, Height: 5, Round: r, Block: b, Voter: uint32(k)})
		require.NoError(t, err)
		return v
	}
	prop := func(k int, b common.Hash) pob.ProposalHeader {
		h := pob.ProposalHeader{Domain: testDomain, Height: 5, Round: 1, Block: b, Proposer: uint32(k)}
		sig, err := pob.NewSigner(ks[k].sk).Sign(h.SignBytes())
		require.NoError(t, err)
		h.Sig = sig
		return h
	}
	a, b := common.HexToHash("0xa"), common.HexToHash("0xb")
	forged := vote(1, 0, b)
	forged.Sig = vote(1, 0, a).Sig
	precommit := vote(1, 0, b)
	precommit.Type = pob.Precommit
	for _, tc := range []struct {
		name string
		e    pob.Equivocation
		want pob.Culprit
		err  error
	}{
		{"two votes", pob.Equivocation{Votes: []pob.Vote{vote(1, 0, a), vote(1, 0, b)}}, pob.Culprit{League: pob.Normal, Index: 1}, nil},
		{"vote and nil", pob.Equivocation{Votes: []pob.Vote{vote(2, 3, a), vote(2, 3, common.Hash{})}}, pob.Culprit{League: pob.Normal, Index: 2}, nil},
		{"two proposals", pob.Equivocation{Proposals: []pob.ProposalHeader{prop(3, a), prop(3, b)}}, pob.Culprit{League: pob.Normal, Index: 3}, nil},
		{"two blocks", pob.Equivocation{Blocks: []pob.OptimisticBlock{signedOptimistic(t, ks[5], 1, 2, []byte{1}), signedOptimistic(t, ks[5], 1, 2, []byte{2})}}, pob.Culprit{League: pob.Believable, Index: 1}, nil},
		{"same vote twice", pob.Equivocation{Votes: []pob.Vote{vote(1, 0, a), vote(1, 0, a)}}, pob.Culprit{}, pob.ErrBadEvidence},
		{"different rounds", pob.Equivocation{Votes: []pob.Vote{vote(1, 0, a), vote(1, 1, b)}}, pob.Culprit{}, pob.ErrBadEvidence},
		{"different types", pob.Equivocation{Votes: []pob.Vote{vote(1, 0, a), precommit}}, pob.Culprit{}, pob.ErrBadEvidence},
		{"different voters", pob.Equivocation{Votes: []pob.Vote{vote(1, 0, a), vote(2, 0, b)}}, pob.Culprit{}, pob.ErrBadEvidence},
		{"forged", pob.Equivocation{Votes: []pob.Vote{vote(1, 0, a), forged}}, pob.Culprit{}, pob.ErrBadSignature},
		{"one vote", pob.Equivocation{Votes: []pob.Vote{vote(1, 0, a)}}, pob.Culprit{}, pob.ErrBadEvidence},
		{"empty", pob.Equivocation{}, pob.Culprit{}, pob.ErrBadEvidence},
		{"two pairs", pob.Equivocation{Votes: []pob.Vote{vote(1, 0, a), vote(1, 0, b)}, Proposals: []pob.ProposalHeader{prop(3, a), prop(3, b)}}, pob.Culprit{}, pob.ErrBadEvidence},
		{"same block twice", pob.Equivocation{Blocks: []pob.OptimisticBlock{signedOptimistic(t, ks[5], 1, 2, []byte{1}), signedOptimistic(t, ks[5], 1, 2, []byte{1})}}, pob.Culprit{}, pob.ErrBadEvidence},
		{"unknown producer", pob.Equivocation{Blocks: []pob.OptimisticBlock{signedOptimistic(t, ks[5], 7, 2, []byte{1}), signedOptimistic(t, ks[5], 7, 2, []byte{2})}}, pob.Culprit{}, pob.ErrUnknownValidator},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pob.VerifyEquivocation(committee, bel, testDomain, nil, tc.e)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestMessageEncoding(t *testing.T) {
	ks := testKeys(4)
	o := signedOptimistic(t, ks[0], 0, 1, []byte{1, 2}, []byte{0xBA})
	v, err := pob.SignVote(pob.NewSigner(ks[1].sk), pob.Vote{Domain: testDomain, Type: pob.Precommit, Height: 3, Round: 1, Block: common.HexToHash("0x33"), Voter: 1})
	require.NoError(t, err)
	blk := pob.Block{Domain: testDomain, Height: 3, Optimistic: []pob.OptimisticBlock{o}, Frauds: []pob.FraudProof{{Block: o, Index: 1}}}
	cert := certificate(ks, []int{0, 1, 2}, 3, blk.Hash())
	msgs := []pob.Message{
		{Kind: pob.KindOptimistic, Height: 2, Optimistic: &o},
		{Kind: pob.KindVote, From: ks[1].adr, Vote: &v},
		{Kind: pob.KindProposal, Proposal: &pob.Proposal{Header: pob.ProposalHeader{Domain: testDomain, Height: 3, Block: blk.Hash()}, Block: blk}},
		{Kind: pob.KindCommit, Commit: &pob.Commit{Block: blk, Cert: cert}},
		{Kind: pob.KindFraud, Fraud: &pob.FraudProof{Block: o, Index: 1}},
		{Kind: pob.KindEquivocation, Equivocation: &pob.Equivocation{Votes: []pob.Vote{v, v}}},
	}
	for _, m := range msgs {
		t.Run(m.Kind.String(), func(t *testing.T) {
			b, err := m.Encode()
			require.NoError(t, err)
			got, err := pob.DecodeMessage(b)
			require.NoError(t, err)
			again, err := got.Encode()
			require.NoError(t, err)
			require.Equal(t, b, again)
			require.Equal(t, m.Kind, got.Kind)
			require.Equal(t, m.From, got.From)
		})
	}
	// Block.Txs leaves out the transaction its own fraud proof accuses.
	require.Equal(t, [][]byte{{1, 2}}, blk.Txs())
	got, err := pob.DecodeBlock(pob.EncodeBlock(blk))
	require.NoError(t, err)
	require.Equal(t, blk.Hash(), got.Hash())

	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"not a list", []byte{0x80}},
		{"unknown kind", mustEncode(t, pob.Message{Kind: pob.KindVote, Vote: &v}, func(b []byte) []byte { b[2] = 9; return b })},
		{"oversized", make([]byte, pob.MaxMessageSize+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pob.DecodeMessage(tc.b)
			require.ErrorIs(t, err, pob.ErrDecode)
		})
	}
	_, err = pob.Message{Kind: 42}.Encode()
	require.ErrorIs(t, err, pob.ErrDecode)
	_, err = pob.DecodeBlock([]byte{0x01})
	require.ErrorIs(t, err, pob.ErrDecode)
	require.Equal(t, "Kind(42)", pob.Kind(42).String())
	require.Equal(t, "prevote", pob.Prevote.String())
	require.Equal(t, "VoteType(9)", pob.VoteType(9).String())
}

func mustEncode(t *testing.T, m pob.Message, edit func([]byte) []byte) []byte {
	b, err := m.Encode()
	require.NoError(t, err)
	return edit(b)
}
