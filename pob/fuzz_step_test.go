package pob_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/iostkit/iostkit/pob"
	"github.com/stretchr/testify/require"
)

// stepErrors are the errors Step may return for a message from the network.
var stepErrors = []error{
	pob.ErrDecode, pob.ErrBadSignature, pob.ErrBadCertificate, pob.ErrUnknownValidator,
	pob.ErrWrongDomain, pob.ErrBadFraudProof, pob.ErrBadEvidence, pob.ErrInvalidBlock, pob.ErrStale,
}

// fingerprint drains e's Ready and describes everything it handed out and
// where it stands: two engines with equal fingerprints after the same
// input are indistinguishable to the node.
func fingerprint(t *testing.T, e pob.Engine) string {
	var b strings.Builder
	for e.HasReady() {
		rd := e.Ready()
		if rd.HardState != nil {
			fmt.Fprintf(&b, "hs %x\n", rd.HardState.Encode())
		}
		for _, o := range rd.Messages {
			raw, err := o.Msg.Encode()
			require.NoError(t, err)
			fmt.Fprintf(&b, "msg %x %x\n", o.To, raw)
		}
		for _, c := range rd.Committed {
			fmt.Fprintf(&b, "commit %x %x\n", c.Block.Hash(), c.Cert.Encode())
		}
		for _, o := range rd.Optimistic {
			fmt.Fprintf(&b, "optimistic %x\n", o.Hash())
		}
		for _, o := range rd.Discarded {
			fmt.Fprintf(&b, "discarded %x\n", o.Hash())
		}
		fmt.Fprintf(&b, "convictions %+v\n", rd.Convictions)
		e.Advance()
	}
	fmt.Fprintf(&b, "status %+v\n", e.Status())
	return b.String()
}

// FuzzMachineStep feeds decoded network messages to the engine's message
// handler. Step never panics, rejects only with the package's errors, and
// keeps the Engine contract that a rejected message leaves the engine's
// state unchanged: after a rejection, the engine answers an honest
// proposal and vote exactly like a twin that never saw the message.
func FuzzMachineStep(f *testing.F) {
	ks := testKeys(4)
	a := pob.Block{Domain: testDomain, Height: 1, Builder: 1}
	h := pob.ProposalHeader{Domain: testDomain, Height: 1, Block: a.Hash(), Proposer: 1}
	sig, err := pob.NewSigner(ks[1].sk).Sign(h.SignBytes())
	require.NoError(f, err)
	h.Sig = sig
	good := pob.Message{Kind: pob.KindProposal, Proposal: &pob.Proposal{Header: h, Block: a}}
	prevote, err := pob.SignVote(pob.NewSigner(ks[3].sk), pob.Vote{Domain: testDomain, Type: pob.Prevote, Height: 1, Block: a.Hash(), Voter: 3})
	require.NoError(f, err)
	precommit, err := pob.SignVote(pob.NewSigner(ks[0].sk), pob.Vote{Domain: testDomain, Type: pob.Precommit, Height: 1, Block: a.Hash(), Voter: 0})
	require.NoError(f, err)
	other, err := pob.SignVote(pob.NewSigner(ks[3].sk), pob.Vote{Domain: testDomain, Type: pob.Prevote, Height: 1, Voter: 3})
	require.NoError(f, err)
	commit := pob.Commit{Block: a, Cert: certificate(ks, []int{0, 1, 3}, 1, a.Hash())}
	o := pob.OptimisticBlock{Domain: testDomain, Producer: 0, Seq: 1, Txs: [][]byte{{1}, {0xBA}}}
	o.Sig, err = pob.NewSigner(ks[1].sk).Sign(o.SignBytes())
	require.NoError(f, err)
	for _, m := range []pob.Message{
		good,
		{Kind: pob.KindVote, Vote: &prevote},
		{Kind: pob.KindVote, Vote: &precommit},
		{Kind: pob.KindCommit, Commit: &commit},
		{Kind: pob.KindEquivocation, Equivocation: &pob.Equivocation{Votes: []pob.Vote{prevote, other}}},
		{Kind: pob.KindFraud, Fraud: &pob.FraudProof{Block: o, Index: 1}},
		{Kind: pob.KindOptimistic, Optimistic: &o},
	} {
		raw, err := m.Encode()
		require.NoError(f, err)
		f.Add(raw)
	}
	f.Add([]byte{0xc0})
	follow := []pob.Message{good, {Kind: pob.KindVote, Vote: &prevote}}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := pob.DecodeMessage(b)
		if err != nil {
			return // FuzzDecodeMessage covers the decoder
		}
		e, err := pob.New(engineConfig(ks, 2))
		require.NoError(t, err)
		twin, err := pob.New(engineConfig(ks, 2))
		require.NoError(t, err)
		require.Equal(t, fingerprint(t, twin), fingerprint(t, e))
		err = e.Step(m)
		if err == nil {
			_ = fingerprint(t, e)
			return
		}
		known := false
		for _, want := range stepErrors {
			known = known || errors.Is(err, want)
		}
		require.True(t, known, "untyped error %v", err)
		require.Equal(t, fingerprint(t, twin), fingerprint(t, e), "rejected message changed the engine")
		for _, next := range follow {
			require.Equal(t, twin.Step(next), e.Step(next))
			require.Equal(t, fingerprint(t, twin), fingerprint(t, e), "rejected message changed the engine")
		}
	})
}
