package atomix_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/atomix"
)

// The attacks of Sonnino et al. (EuroS&P 2020), each against real BDN
// certificates and IAVL/ICS-23 proofs. Each test performs the attack with
// genuine, validly certified proofs (the attacker only records and replays
// network messages, or holds a retired committee's keys), shows which
// defence stops it, and checks that value is conserved and the targeted
// session ends with one outcome everywhere. Without the defence named, the
// attack step succeeds and the conservation check fails.

// TestReplayAcceptanceFromEarlierSession: the first session of transfer
// aborts (B rejects while y is locked by another transaction) and A's
// acceptance from it is recorded. x is then spent elsewhere, so in the
// retry A rejects and B accepts. The attacker offers A's old acceptance
// with B's new one as proof that the retry committed. Defence: every proof
// is bound to its session (attempt), ErrWrongSession.
func TestReplayAcceptanceFromEarlierSession(t *testing.T) {
	w := fixture(t)
	blocker := atomix.Tx{Inputs: []atomix.Input{acctIn(shB, objY, 10), acctIn(shC, objW, 1)}, Outputs: []atomix.Output{acctOut(shC, objZ, 11)}, Nonce: 9}
	w.lock(blocker, 1, shB)

	w.lock(transfer, 1, shA, shB)
	w.deliver(of(transfer, 1))
	w.allOutcome(transfer, 1, atomix.Abort)
	oldAccept := w.proofs[proofKey{shA, transfer.ID(), 1}]
	require.Equal(t, atomix.Accept, oldAccept.Vote.Decision)

	spend := atomix.Tx{Inputs: []atomix.Input{acctIn(shA, objX, 50)}, Outputs: []atomix.Output{acctOut(shC, objZ, 50)}, Nonce: 8}
	w.lock(spend, 1, shA)
	w.settle() // spend and blocker commit: x = 50, y = 40
	w.allOutcome(spend, 1, atomix.Commit)
	w.allOutcome(blocker, 1, atomix.Commit)

	w.lock(transfer, 2, shA, shB)
	newAccept := w.proofs[proofKey{shB, transfer.ID(), 2}]
	require.Equal(t, atomix.Accept, newAccept.Vote.Decision)
	require.Equal(t, atomix.Reject, w.proofs[proofKey{shA, transfer.ID(), 2}].Vote.Decision)

	attack := atomix.Message{Type: atomix.MsgProof, From: shB, Tx: transfer, Attempt: 2, Proofs: []atomix.Proof{oldAccept, newAccept}}
	require.ErrorIs(t, w.shards[shC].sh.Step(attack), atomix.ErrWrongSession)
	require.ErrorIs(t, w.shards[shB].sh.Step(attack), atomix.ErrWrongSession)
	w.collect()
	require.Zero(t, w.outcome(shC, transfer, 2), "output shard committed on a replayed acceptance")
	require.Equal(t, atomix.Locked, w.object(shB, objY).Status)

	w.settle()
	w.allOutcome(transfer, 2, atomix.Abort)
	w.conserved()
	require.Equal(t, uint64(61), w.object(shC, objZ).Value)
}

// TestReplayRejectionFromEarlierSession: the first session aborts on B's
// rejection; the retry is accepted by both shards. The attacker replays
// B's old rejection to A, which would unlock x while B and C commit.
// Defences: the session binding (offered for the retry, ErrWrongSession),
// and, offered for its own session, the per-session outcome and the
// per-object lock sequence number (x is locked by the retry, lock 2, and
// the rejection names lock 1), so nothing moves.
func TestReplayRejectionFromEarlierSession(t *testing.T) {
	w := fixture(t)
	blocker := atomix.Tx{Inputs: []atomix.Input{acctIn(shB, objY, 10), acctIn(shC, objW, 1)}, Outputs: []atomix.Output{acctOut(shC, objZ, 11)}, Nonce: 9}
	w.lock(blocker, 1, shB)
	w.lock(transfer, 1, shA, shB)
	w.deliver(of(transfer, 1))
	oldReject := w.proofs[proofKey{shB, transfer.ID(), 1}]
	require.Equal(t, atomix.Reject, oldReject.Vote.Decision)
	w.allOutcome(transfer, 1, atomix.Abort)
	w.settle()

	w.lock(transfer, 2, shA, shB)
	x := w.object(shA, objX)
	require.Equal(t, atomix.Locked, x.Status)
	require.Equal(t, uint64(2), x.Seq)

	forRetry := atomix.Message{Type: atomix.MsgProof, From: shB, Tx: transfer, Attempt: 2, Proofs: []atomix.Proof{oldReject}}
	require.ErrorIs(t, w.shards[shA].sh.Step(forRetry), atomix.ErrWrongSession)
	asIs := atomix.Message{Type: atomix.MsgProof, From: shB, Tx: transfer, Attempt: 1, Proofs: []atomix.Proof{oldReject}}
	require.NoError(t, w.shards[shA].sh.Step(asIs))
	w.collect()
	require.Equal(t, x, w.object(shA, objX), "a replayed rejection moved the lock")
	require.Zero(t, w.outcome(shA, transfer, 2))

	w.settle()
	w.allOutcome(transfer, 2, atomix.Commit)
	w.conserved()
	require.Equal(t, uint64(40), w.object(shA, objX).Value)
	require.Equal(t, uint64(0), w.object(shB, objY).Value)
	require.Equal(t, uint64(111), w.object(shC, objZ).Value)
}

// TestReplayPreviousEpochCommittee: after an epoch change the attacker
// holds the keys of B's retired committee and forges, with a real IAVL
// tree and a real quorum of old signatures, a rejection of a session both
// shards accepted, to make A unlock x while B and C commit. Defence: the
// epoch binding (only the current committee certifies), ErrStaleEpoch. The
// same forged proof passes a verifier that tolerates old epochs, so the
// epoch rule is what stops it.
func TestReplayPreviousEpochCommittee(t *testing.T) {
	w := fixture(t)
	w.setEpoch(1)
	w.lock(transfer, 1, shA, shB)

	fake := atomix.Vote{Tx: transfer.ID(), Attempt: 1, Shard: shB, Decision: atomix.Reject, Epoch: 0}
	tree := newIAVLStore()
	key := atomix.VoteKey(fake.Tx, fake.Attempt)
	require.NoError(t, tree.Set(key, fake.Encode()))
	root, ver := tree.commit()
	forged := atomix.Proof{
		Vote: fake, Epoch: 0, Height: uint64(ver), Root: root,
		Certificate: w.com.certify(shB, 0, uint64(ver), root),
		Merkle:      tree.prove(ver, key),
	}
	lax := w.verifier()
	lax.EpochLag = 5
	require.NoError(t, lax.Verify(forged, atomix.NewSession(transfer, 1), 1), "the forgery is cryptographically valid")

	x := w.object(shA, objX)
	err := w.shards[shA].sh.Step(atomix.Message{Type: atomix.MsgProof, From: shB, Tx: transfer, Attempt: 1, Proofs: []atomix.Proof{forged}})
	require.ErrorIs(t, err, atomix.ErrStaleEpoch)
	w.collect()
	require.Equal(t, x, w.object(shA, objX))
	require.Zero(t, w.outcome(shA, transfer, 1))

	w.settle()
	w.allOutcome(transfer, 1, atomix.Commit)
	w.conserved()
}

// TestReplayProofForAnotherTransaction: A accepted tx1, which locks x; a
// conflicting tx2 also spends x, so A rejects tx2 while B accepts it. The
// attacker presents A's acceptance of tx1 (it names x, with the same
// amount) as A's acceptance of tx2. Defence: every proof is bound to its
// transaction id, ErrWrongTx.
func TestReplayProofForAnotherTransaction(t *testing.T) {
	w := fixture(t)
	tx1 := atomix.Tx{Inputs: []atomix.Input{acctIn(shA, objX, 30), acctIn(shC, objW, 1)}, Outputs: []atomix.Output{acctOut(shC, objZ, 31)}, Nonce: 1}
	tx2 := atomix.Tx{Inputs: []atomix.Input{acctIn(shA, objX, 30), acctIn(shB, objY, 10)}, Outputs: []atomix.Output{acctOut(shC, objZ, 40)}, Nonce: 2}
	w.lock(tx1, 1, shA)
	w.lock(tx2, 1, shA, shB)
	acc1 := w.proofs[proofKey{shA, tx1.ID(), 1}]
	acc2 := w.proofs[proofKey{shB, tx2.ID(), 1}]
	require.Equal(t, atomix.Accept, acc1.Vote.Decision)
	require.Equal(t, atomix.Accept, acc2.Vote.Decision)
	require.Equal(t, atomix.Reject, w.proofs[proofKey{shA, tx2.ID(), 1}].Vote.Decision)

	attack := atomix.Message{Type: atomix.MsgProof, From: shA, Tx: tx2, Attempt: 1, Proofs: []atomix.Proof{acc1, acc2}}
	require.ErrorIs(t, w.shards[shC].sh.Step(attack), atomix.ErrWrongTx)
	require.ErrorIs(t, w.shards[shB].sh.Step(attack), atomix.ErrWrongTx)
	w.collect()
	require.Zero(t, w.outcome(shC, tx2, 1))
	require.Equal(t, atomix.Locked, w.object(shB, objY).Status)

	w.settle()
	w.allOutcome(tx1, 1, atomix.Commit)
	w.allOutcome(tx2, 1, atomix.Abort)
	w.conserved()
	require.Equal(t, uint64(31), w.object(shC, objZ).Value)
	require.Equal(t, uint64(50), w.object(shB, objY).Value)
}
