package atomix

import (
	"encoding/binary"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
)

// Decision is an input shard's vote on one session of a transaction.
type Decision uint8

const (
	// Accept means the shard locked all the transaction's inputs it holds.
	Accept Decision = 1
	// Reject means the shard locked nothing and never will for this session.
	Reject Decision = 2
)

// String names the decision.
func (d Decision) String() string {
	switch d {
	case Accept:
		return "accept"
	case Reject:
		return "reject"
	}
	return fmt.Sprintf("decision(%d)", uint8(d))
}

// LockRef names one lock a vote took: the object, the lock's per-object
// sequence number and the amount reserved.
type LockRef struct {
	Object common.Hash
	Seq    uint64
	Amount uint64
}

// Vote is the record an input shard writes into its state when it decides
// on a session (Tx, Attempt): accept with the locks it took, or reject. It
// is stored under VoteKey(Tx, Attempt); a finality certificate over a state
// root plus a Merkle proof of this record make a Proof. Every field is a
// replay defence: the transaction, the session, the shard, each object with
// its lock sequence number, and the epoch in which the vote was cast.
type Vote struct {
	Tx       common.Hash
	Attempt  uint64
	Shard    ShardID
	Decision Decision
	Epoch    uint64
	Locks    []LockRef
}

// Encode returns the canonical RLP encoding of v: the value the Merkle
// proof proves.
func (v Vote) Encode() []byte { return mustEncode(&v) }

// DecodeVote parses an encoded vote record.
func DecodeVote(b []byte) (Vote, error) {
	var v Vote
	if err := decodeExact(b, &v); err != nil {
		return Vote{}, fmt.Errorf("%w: vote: %v", ErrDecode, err)
	}
	if v.Decision != Accept && v.Decision != Reject {
		return Vote{}, fmt.Errorf("%w: vote decision %d", ErrDecode, v.Decision)
	}
	if len(v.Locks) > MaxInputs {
		return Vote{}, fmt.Errorf("%w: vote with %d locks", ErrDecode, len(v.Locks))
	}
	return v, nil
}

// Store keys. The vote key is what Merkle proofs prove, so it is part of
// the wire protocol.
var (
	prefixObject  = []byte("atomix/o/")
	prefixVote    = []byte("atomix/v/")
	prefixTxState = []byte("atomix/x/")
	prefixTxBody  = []byte("atomix/t/")
	prefixOutcome = []byte("atomix/d/")
	keyPending    = []byte("atomix/p")
)

// ObjectKey is the store key of an object record.
func ObjectKey(id common.Hash) []byte { return append(append([]byte(nil), prefixObject...), id[:]...) }

// VoteKey is the store key of a shard's vote on session (tx, attempt).
func VoteKey(tx common.Hash, attempt uint64) []byte { return sessionKey(prefixVote, tx, attempt) }

// OutcomeKey is the store key of the outcome a shard applied for session
// (tx, attempt).
func OutcomeKey(tx common.Hash, attempt uint64) []byte { return sessionKey(prefixOutcome, tx, attempt) }

func sessionKey(prefix []byte, tx common.Hash, attempt uint64) []byte {
	k := make([]byte, 0, len(prefix)+common.HashLength+8)
	k = append(append(k, prefix...), tx[:]...)
	return binary.BigEndian.AppendUint64(k, attempt)
}

// Size limits for decoding untrusted bytes.
const (
	// MaxProofSize bounds an encoded Proof.
	MaxProofSize = 1 << 14
	// MaxMessageSize bounds an encoded Message.
	MaxMessageSize = 1 << 20
)

// Proof shows that input shard Vote.Shard cast Vote: the committee of
// Epoch finalized at Height a block with state root Root (Certificate,
// checked by a CertificateVerifier), and the state under Root holds Vote at
// VoteKey (Merkle, checked by a ProofVerifier). A proof of acceptance has
// Vote.Decision == Accept, a proof of rejection Reject.
type Proof struct {
	Vote        Vote
	Epoch       uint64
	Height      uint64
	Root        common.Hash
	Certificate []byte
	Merkle      []byte
}

// Encode returns the canonical RLP encoding of p.
func (p Proof) Encode() []byte { return mustEncode(&p) }

// DecodeProof parses an encoded proof; malformed or oversized input is
// ErrDecode.
func DecodeProof(b []byte) (Proof, error) {
	var p Proof
	if len(b) > MaxProofSize {
		return p, fmt.Errorf("%w: proof of %d bytes", ErrDecode, len(b))
	}
	if err := decodeExact(b, &p); err != nil {
		return Proof{}, fmt.Errorf("%w: proof: %v", ErrDecode, err)
	}
	if err := p.check(); err != nil {
		return Proof{}, err
	}
	return p, nil
}

func (p Proof) check() error {
	if p.Vote.Decision != Accept && p.Vote.Decision != Reject {
		return fmt.Errorf("%w: proof of decision %d", ErrDecode, p.Vote.Decision)
	}
	if len(p.Vote.Locks) > MaxInputs {
		return fmt.Errorf("%w: proof with %d locks", ErrDecode, len(p.Vote.Locks))
	}
	return nil
}

// Session names one attempt to commit a transaction. A transaction that
// aborted may be tried again under a higher attempt number; proofs of one
// session never count for another.
type Session struct {
	Tx      Tx
	ID      common.Hash
	Attempt uint64
}

// NewSession returns the session (tx, attempt).
func NewSession(tx Tx, attempt uint64) Session {
	return Session{Tx: tx, ID: tx.ID(), Attempt: attempt}
}

// Verifier checks proofs of acceptance and rejection. Any party can run it:
// shards, clients, light clients.
type Verifier struct {
	// Certs checks finality certificates.
	Certs CertificateVerifier
	// Proofs checks Merkle proofs of vote records.
	Proofs ProofVerifier
	// EpochLag is how many epochs a certificate may lag behind the
	// verifier's current epoch. Zero (the default) accepts only
	// certificates of the current committee: a retired committee, whose
	// keys nobody guards any more, cannot certify anything.
	EpochLag uint64
}

// Verify checks that p is a valid proof, for session s, verified in epoch
// epoch. The checks, in order, each stop one replay:
//   - the vote is for s's transaction (a proof for another transaction on
//     the same object: ErrWrongTx);
//   - the vote is for s's attempt (an acceptance or rejection replayed from
//     an earlier session: ErrWrongSession);
//   - the shard is an input shard of the transaction and an acceptance
//     locks exactly its inputs there (ErrWrongShard);
//   - the certificate's epoch is not before the vote's, not in the future
//     and at most EpochLag behind (a previous epoch's committee:
//     ErrStaleEpoch, ErrFutureEpoch);
//   - the certificate verifies for that shard and epoch (ErrBadCertificate);
//   - the Merkle proof shows the vote under VoteKey in the certified root
//     (ErrBadMerkleProof).
func (v Verifier) Verify(p Proof, s Session, epoch uint64) error {
	if err := p.check(); err != nil {
		return err
	}
	if p.Vote.Tx != s.ID {
		return fmt.Errorf("%w: vote for %s, session of %s", ErrWrongTx, p.Vote.Tx, s.ID)
	}
	if p.Vote.Attempt != s.Attempt {
		return fmt.Errorf("%w: vote of attempt %d, session attempt %d", ErrWrongSession, p.Vote.Attempt, s.Attempt)
	}
	if err := checkLocks(p.Vote, s.Tx); err != nil {
		return err
	}
	switch {
	case p.Epoch < p.Vote.Epoch:
		return fmt.Errorf("%w: certificate of epoch %d for a vote of epoch %d", ErrStaleEpoch, p.Epoch, p.Vote.Epoch)
	case p.Epoch > epoch:
		return fmt.Errorf("%w: epoch %d, now %d", ErrFutureEpoch, p.Epoch, epoch)
	case p.Epoch+v.EpochLag < epoch:
		return fmt.Errorf("%w: epoch %d, now %d", ErrStaleEpoch, p.Epoch, epoch)
	}
	if err := v.Certs.VerifyFinality(p.Vote.Shard, p.Epoch, p.Height, p.Root, p.Certificate); err != nil {
		return fmt.Errorf("%w: shard %d epoch %d height %d: %v", ErrBadCertificate, p.Vote.Shard, p.Epoch, p.Height, err)
	}
	if err := v.Proofs.VerifyMembership(p.Root, VoteKey(p.Vote.Tx, p.Vote.Attempt), p.Vote.Encode(), p.Merkle); err != nil {
		return fmt.Errorf("%w: %v", ErrBadMerkleProof, err)
	}
	return nil
}

// checkLocks checks that the vote comes from an input shard and that an
// acceptance lists exactly that shard's inputs, in transaction order.
func checkLocks(v Vote, tx Tx) error {
	if !tx.isInputShard(v.Shard) {
		return fmt.Errorf("%w: shard %d holds no input", ErrWrongShard, v.Shard)
	}
	if v.Decision == Reject {
		if len(v.Locks) != 0 {
			return fmt.Errorf("%w: rejection with locks", ErrWrongShard)
		}
		return nil
	}
	i := 0
	for _, in := range tx.Inputs {
		if in.Shard != v.Shard {
			continue
		}
		if i >= len(v.Locks) || v.Locks[i].Object != in.Object || v.Locks[i].Amount != in.Amount || v.Locks[i].Seq == 0 {
			return fmt.Errorf("%w: locks do not match the inputs on shard %d", ErrWrongShard, v.Shard)
		}
		i++
	}
	if i != len(v.Locks) {
		return fmt.Errorf("%w: %d locks for %d inputs on shard %d", ErrWrongShard, len(v.Locks), i, v.Shard)
	}
	return nil
}
