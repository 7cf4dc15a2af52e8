package pob_test

import (
	"testing"

	"github.com/iostkit/iostkit/pob"
	"github.com/stretchr/testify/require"
)

type nopApp struct{ validator }

func (nopApp) Propose(uint64, int) [][]byte { return nil }

func engineConfig(ks []testKey, self int) pob.Config {
	return pob.Config{
		Domain:    testDomain,
		Committee: members(ks),
		Self:      ks[self].adr,
		Signer:    pob.NewSigner(ks[self].sk),
		App:       nopApp{},
	}
}

func drainVotes(e pob.Engine) (votes []pob.Vote, hs *pob.HardState) {
	for e.HasReady() {
		rd := e.Ready()
		if rd.HardState != nil {
			hs = rd.HardState
		}
		for _, o := range rd.Messages {
			if o.Msg.Kind == pob.KindVote {
				votes = append(votes, *o.Msg.Vote)
			}
		}
		e.Advance()
	}
	return votes, hs
}

func signedProposal(t *testing.T, ks []testKey, proposer int, b pob.Block) pob.Message {
	h := pob.ProposalHeader{Domain: testDomain, Height: b.Height, Round: 0, Block: b.Hash(), Proposer: uint32(proposer)}
	sig, err := pob.NewSigner(ks[proposer].sk).Sign(h.SignBytes())
	require.NoError(t, err)
	h.Sig = sig
	return pob.Message{Kind: pob.KindProposal, Proposal: &pob.Proposal{Header: h, Block: b}}
}

// A validator that prevoted, crashed and restarted from its persisted
// HardState re-sends its old prevote — never a second, different one —
// even when the (equivocating) proposer now offers another block.
func TestRestartNeverDoubleVotes(t *testing.T) {
	ks := testKeys(4)
	// Height 1, round 0: the proposer is member (1+0) mod 4 = 1; member 2 votes.
	cfg := engineConfig(ks, 2)
	e, err := pob.New(cfg)
	require.NoError(t, err)
	_, _ = drainVotes(e)
	a := pob.Block{Domain: testDomain, Height: 1, Builder: 1}
	require.NoError(t, e.Step(signedProposal(t, ks, 1, a)))
	votes, hs := drainVotes(e)
	require.Len(t, votes, 1)
	require.Equal(t, a.Hash(), votes[0].Block)
	require.NotNil(t, hs)

	// The persisted state survives an encoding round trip.
	back, err := pob.DecodeHardState(hs.Encode())
	require.NoError(t, err)
	require.Equal(t, hs.Votes, back.Votes)

	cfg.Restore = &back
	e2, err := pob.New(cfg)
	require.NoError(t, err)
	require.Equal(t, pob.StepPrevote, e2.Status().Step)
	b := pob.Block{Domain: testDomain, Height: 1, Builder: 0} // another block for the same slot
	require.NoError(t, e2.Step(signedProposal(t, ks, 1, b)))
	for range 40 {
		e2.Tick()
	}
	votes, _ = drainVotes(e2)
	require.NotEmpty(t, votes)
	for _, v := range votes {
		if v.Type == pob.Prevote && v.Round == 0 {
			require.Equal(t, a.Hash(), v.Block, "restarted validator signed a second prevote")
		}
	}
}

// A validator whose persisted HardState is ahead of the history it
// restarts with (the node saved the engine's state for height 2 but
// crashed before storing block 1) signs nothing at height 1, takes the
// commit of height 1 from its peers, and at height 2 holds to the vote it
// had cast there — the second cause of the double vote examples/testnet
// found after kill -9 (docs/reliability.md, finding 1).
func TestRestartBelowPersistedHeight(t *testing.T) {
	ks := testKeys(4)
	const self = 3 // never the round-0 proposer of heights 1 and 2
	a := pob.Block{Domain: testDomain, Height: 1, Builder: 1}
	x := pob.Block{Domain: testDomain, Height: 2, Parent: a.Hash(), Builder: 2}
	y := pob.Block{Domain: testDomain, Height: 2, Parent: a.Hash(), Builder: 2, Payload: [][]byte{{1}}}
	cast, err := pob.SignVote(pob.NewSigner(ks[self].sk), pob.Vote{Domain: testDomain, Type: pob.Prevote, Height: 2, Block: x.Hash(), Voter: self})
	require.NoError(t, err)
	persisted := pob.HardState{Height: 2, Step: pob.StepPrevote, Votes: []pob.Vote{cast}}

	cfg := engineConfig(ks, self)
	cfg.Restore = &persisted
	e, err := pob.New(cfg)
	require.NoError(t, err)
	require.EqualValues(t, 1, e.Status().Height)
	require.NoError(t, e.Step(signedProposal(t, ks, 1, a)))
	for range 40 {
		e.Tick()
	}
	votes, hs := drainVotes(e)
	require.Empty(t, votes, "no vote below the persisted height")
	if hs != nil {
		require.EqualValues(t, 2, hs.Height, "the persisted state is kept, not replaced by a lower one")
		require.Equal(t, persisted.Votes, hs.Votes)
	}

	commit := pob.Message{Kind: pob.KindCommit, Commit: &pob.Commit{Block: a, Cert: certificate(ks, []int{0, 1, 2}, 1, a.Hash())}}
	require.NoError(t, e.Step(commit))
	require.EqualValues(t, 2, e.Status().Height)
	require.NoError(t, e.Step(signedProposal(t, ks, 2, y))) // another block for the slot it voted in
	for range 40 {
		e.Tick()
	}
	votes, _ = drainVotes(e)
	for _, v := range votes {
		if v.Type == pob.Prevote && v.Height == 2 && v.Round == 0 {
			require.Equal(t, x.Hash(), v.Block, "restarted validator signed a second prevote at height 2")
		}
	}
}

func TestStepRejects(t *testing.T) {
	ks := testKeys(4)
	e, err := pob.New(engineConfig(ks, 2))
	require.NoError(t, err)
	a := pob.Block{Domain: testDomain, Height: 1, Builder: 1}
	good := signedProposal(t, ks, 1, a)
	notProposer := signedProposal(t, ks, 3, a)
	badSig := signedProposal(t, ks, 1, a)
	h := badSig.Proposal.Header
	h.Sig = append([]byte(nil), h.Sig...)
	h.Sig[5] ^= 1
	badSig.Proposal = &pob.Proposal{Header: h, Block: a}
	wrongDomain := good
	p := *good.Proposal
	p.Header.Domain.Shard = 99
	wrongDomain.Proposal = &p
	vote, err := pob.SignVote(pob.NewSigner(ks[3].sk), pob.Vote{Domain: testDomain, Type: pob.Prevote, Height: 1, Voter: 3})
	require.NoError(t, err)
	forgedVote := vote
	forgedVote.Voter = 0
	unknownVoter := vote
	unknownVoter.Voter = 9
	for _, tc := range []struct {
		name string
		m    pob.Message
		err  error
	}{
		{"not the proposer", notProposer, pob.ErrUnknownValidator},
		{"bad proposal signature", badSig, pob.ErrBadSignature},
		{"wrong domain", wrongDomain, pob.ErrWrongDomain},
		{"forged vote", pob.Message{Kind: pob.KindVote, Vote: &forgedVote}, pob.ErrBadSignature},
		{"unknown voter", pob.Message{Kind: pob.KindVote, Vote: &unknownVoter}, pob.ErrUnknownValidator},
		{"empty body", pob.Message{Kind: pob.KindVote}, pob.ErrDecode},
		{"unknown kind", pob.Message{Kind: 77}, pob.ErrDecode},
		{"bad fraud proof", pob.Message{Kind: pob.KindFraud, Fraud: &pob.FraudProof{}}, pob.ErrBadFraudProof},
		{"bad evidence", pob.Message{Kind: pob.KindEquivocation, Equivocation: &pob.Equivocation{}}, pob.ErrBadEvidence},
		{"bad commit", pob.Message{Kind: pob.KindCommit, Commit: &pob.Commit{Block: a, Cert: pob.Certificate{Domain: testDomain, Height: 1, Block: a.Hash()}}}, pob.ErrBadCertificate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, e.Step(tc.m), tc.err)
		})
	}
	require.NoError(t, e.Step(good))
	require.NoError(t, e.Step(pob.Message{Kind: pob.KindVote, Vote: &vote}))
}

func TestConfigValidate(t *testing.T) {
	ks := testKeys(5)
	good := engineConfig(ks[:4], 0)
	require.NoError(t, good.Validate())
	cv, err := pob.NewCommitteeVerifier(pubs(ks[:3]), nil)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		edit func(*pob.Config)
	}{
		{"empty committee", func(c *pob.Config) { c.Committee = nil }},
		{"no app", func(c *pob.Config) { c.App = nil }},
		{"sample above one", func(c *pob.Config) { c.SamplePPM = pob.PPM + 1 }},
		{"duplicate member", func(c *pob.Config) { c.Believable = members(ks[:1]) }},
		{"no key", func(c *pob.Config) { c.Committee = append(members(ks[:3]), pob.Member{Address: ks[4].adr}) }},
		{"member without signer", func(c *pob.Config) { c.Signer = nil }},
		{"history gap", func(c *pob.Config) { c.History = []pob.Commit{{Block: pob.Block{Height: 2}}} }},
		{"verifier for another committee", func(c *pob.Config) { c.Certificates = cv }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.edit(&c)
			require.ErrorIs(t, c.Validate(), pob.ErrBadConfig)
			_, err := pob.New(c)
			require.ErrorIs(t, err, pob.ErrBadConfig)
		})
	}
	obs := good
	obs.Self, obs.Signer = ks[4].adr, nil
	e, err := pob.New(obs)
	require.NoError(t, err, "an observer needs no signer")
	require.Equal(t, uint64(1), e.Status().Height)
	require.True(t, e.Status().Fallback, "no believable league: one league")
}
