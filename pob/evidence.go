package pob

import (
	"fmt"

	"github.com/drand/kyber"
	"github.com/ethereum/go-ethereum/common"
)

// FraudProof shows that a believable-league validator signed an optimistic
// block holding an invalid transaction: the signed block itself and the
// index of the transaction. Anyone with the league's public keys and the
// application's validity rule checks it with VerifyFraudProof.
type FraudProof struct {
	// Block is the producer-signed optimistic block.
	Block OptimisticBlock
	// Index is the position of the invalid transaction in Block.Txs.
	Index uint32
}

type fraudKey struct {
	block common.Hash
	index uint32
}

func (f FraudProof) key() fraudKey { return fraudKey{f.Block.Hash(), f.Index} }

// Tx returns the transaction the proof accuses.
func (f FraudProof) Tx() []byte {
	if int(f.Index) >= len(f.Block.Txs) {
		return nil
	}
	return f.Block.Txs[f.Index]
}

// TxValidator is the validity rule fraud proofs are judged by: it must be a
// deterministic function of the transaction (signature, format, nonce
// bounds, whatever the application checks without mutable state), so every
// node reaches the same verdict.
type TxValidator interface {
	Validate(tx []byte) error
}

// VerifyFraudProof checks p: the block is signed in domain d by the
// believable member it names (believable is the league's keys, in league
// order), the index is in range, and v rejects the transaction.
func VerifyFraudProof(believable []kyber.Point, d Domain, v TxValidator, sv Verifier, p FraudProof) error {
	if sv == nil {
		sv = BLSVerifier{}
	}
	b := p.Block
	if b.Domain != d {
		return fmt.Errorf("%w: %w", ErrBadFraudProof, ErrWrongDomain)
	}
	if int(b.Producer) >= len(believable) {
		return fmt.Errorf("%w: producer %d: %w", ErrBadFraudProof, b.Producer, ErrUnknownValidator)
	}
	if int(p.Index) >= len(b.Txs) {
		return fmt.Errorf("%w: index %d of %d", ErrBadFraudProof, p.Index, len(b.Txs))
	}
	if err := sv.Verify(believable[b.Producer], b.SignBytes(), b.Sig); err != nil {
		return fmt.Errorf("%w: %w", ErrBadFraudProof, err)
	}
	if v.Validate(b.Txs[p.Index]) == nil {
		return fmt.Errorf("%w: transaction %d is valid", ErrBadFraudProof, p.Index)
	}
	return nil
}

// League tells the two leagues apart.
type League uint8

// The leagues.
const (
	Normal     League = 1
	Believable League = 2
)

// String names the league.
func (l League) String() string {
	if l == Believable {
		return "believable"
	}
	return "normal"
}

// Culprit is the validator evidence convicts: its league and its index in
// that league.
type Culprit struct {
	// League is the culprit's league.
	League League
	// Index is its position in that league.
	Index uint32
}

// Equivocation is evidence that one validator signed two different
// statements for one slot. Exactly one of the pairs is set:
// two votes of one type for one (height, round); two proposal headers for
// one (height, round); or two optimistic blocks with one sequence number.
type Equivocation struct {
	// Votes are two votes of one type for one (height, round).
	Votes []Vote
	// Proposals are two signed headers for one (height, round).
	Proposals []ProposalHeader
	// Blocks are two optimistic blocks with one sequence number.
	Blocks []OptimisticBlock
}

type evidenceKey struct {
	culprit Culprit
	kind    uint8
	a, b    uint64
	t       VoteType
}

// VerifyEquivocation checks e against the normal league (committee) and the
// believable league keys, in league order, and returns who it convicts.
func VerifyEquivocation(committee, believable []kyber.Point, d Domain, sv Verifier, e Equivocation) (Culprit, error) {
	k, err := verifyEquivocation(committee, believable, d, sv, e)
	return k.culprit, err
}

func verifyEquivocation(committee, believable []kyber.Point, d Domain, sv Verifier, e Equivocation) (evidenceKey, error) {
	if sv == nil {
		sv = BLSVerifier{}
	}
	set := 0
	for _, n := range []int{len(e.Votes), len(e.Proposals), len(e.Blocks)} {
		switch n {
		case 0:
		case 2:
			set++
		default:
			return evidenceKey{}, fmt.Errorf("%w: a pair needs two statements, got %d", ErrBadEvidence, n)
		}
	}
	if set != 1 {
		return evidenceKey{}, fmt.Errorf("%w: exactly one pair must be set", ErrBadEvidence)
	}
	check := func(keys []kyber.Point, idx uint32, dom Domain, msg, sig []byte) error {
		if dom != d {
			return fmt.Errorf("%w: %w", ErrBadEvidence, ErrWrongDomain)
		}
		if int(idx) >= len(keys) {
			return fmt.Errorf("%w: %w", ErrBadEvidence, ErrUnknownValidator)
		}
		if err := sv.Verify(keys[idx], msg, sig); err != nil {
			return fmt.Errorf("%w: %w", ErrBadEvidence, err)
		}
		return nil
	}
	switch {
	case len(e.Votes) == 2:
		a, b := e.Votes[0], e.Votes[1]
		if a.Type != b.Type || a.Height != b.Height || a.Round != b.Round || a.Voter != b.Voter || a.Block == b.Block {
			return evidenceKey{}, fmt.Errorf("%w: votes are not for one slot or are equal", ErrBadEvidence)
		}
		for _, v := range e.Votes {
			if err := check(committee, v.Voter, v.Domain, v.SignBytes(), v.Sig); err != nil {
				return evidenceKey{}, err
			}
		}
		return evidenceKey{Culprit{Normal, a.Voter}, 1, a.Height, a.Round, a.Type}, nil
	case len(e.Proposals) == 2:
		a, b := e.Proposals[0], e.Proposals[1]
		if a.Height != b.Height || a.Round != b.Round || a.Proposer != b.Proposer ||
			(a.Block == b.Block && a.POLRound == b.POLRound) {
			return evidenceKey{}, fmt.Errorf("%w: proposals are not for one slot or are equal", ErrBadEvidence)
		}
		for _, p := range e.Proposals {
			if err := check(committee, p.Proposer, p.Domain, p.SignBytes(), p.Sig); err != nil {
				return evidenceKey{}, err
			}
		}
		return evidenceKey{Culprit{Normal, a.Proposer}, 2, a.Height, a.Round, 0}, nil
	default:
		a, b := e.Blocks[0], e.Blocks[1]
		if a.Producer != b.Producer || a.Seq != b.Seq || a.Hash() == b.Hash() {
			return evidenceKey{}, fmt.Errorf("%w: blocks are not for one slot or are equal", ErrBadEvidence)
		}
		for _, o := range e.Blocks {
			if err := check(believable, o.Producer, o.Domain, o.SignBytes(), o.Sig); err != nil {
				return evidenceKey{}, err
			}
		}
		return evidenceKey{Culprit{Believable, a.Producer}, 3, a.Seq, 0, 0}, nil
	}
}
