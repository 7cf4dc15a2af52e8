package xshard

import (
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"

	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/microstate"
)

// ErrBadProof means a Merkle proof of a vote record that does not verify.
var ErrBadProof = errors.New("xshard: bad vote proof")

// VoteProof is atomix.Proof.Merkle here: the commitment of the block that
// wrote the vote record, and the proof that its write set holds it.
type VoteProof struct {
	Commit microstate.BlockCommit
	Write  microstate.WriteProof
}

// Encode returns p's RLP encoding.
func (p VoteProof) Encode() []byte {
	b, err := rlp.EncodeToBytes(p)
	if err != nil {
		panic(fmt.Sprintf("xshard: encoding a vote proof: %v", err)) // fixed-shape struct
	}
	return b
}

// ProveVote builds the Merkle proof of the record key that block commit
// wrote in store.
func ProveVote(store *microstate.Store, commit microstate.BlockCommit, key []byte) ([]byte, error) {
	w, err := store.ProveWrite(commit.Height, key)
	if err != nil {
		return nil, err
	}
	return VoteProof{Commit: commit, Write: w}.Encode(), nil
}

// WriteProofVerifier is atomix's ProofVerifier over microstate's block
// commitments: root is a block commitment, and the proof shows that the
// block's write set set key to value.
type WriteProofVerifier struct{}

var _ atomix.ProofVerifier = WriteProofVerifier{}

// VerifyMembership implements atomix.ProofVerifier.
func (WriteProofVerifier) VerifyMembership(root common.Hash, key, value, proof []byte) error {
	var p VoteProof
	if err := rlp.DecodeBytes(proof, &p); err != nil {
		return fmt.Errorf("%w: %v", ErrBadProof, err)
	}
	switch {
	case p.Commit.Commitment != root:
		return fmt.Errorf("%w: commitment %s, want %s", ErrBadProof, p.Commit.Commitment, root)
	case p.Write.Write.Delete || string(p.Write.Write.Key) != string(key) || string(p.Write.Write.Value) != string(value):
		return fmt.Errorf("%w: the proof is for another record", ErrBadProof)
	}
	if err := p.Commit.Verify(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadProof, err)
	}
	if err := p.Write.Verify(p.Commit); err != nil {
		return fmt.Errorf("%w: %v", ErrBadProof, err)
	}
	return nil
}
