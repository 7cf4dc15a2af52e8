package atomix_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/atomix"
)

// TestForgedProofsRejected tampers with a genuine proof of acceptance in
// every way an attacker without a quorum of current keys can, and checks
// the exact rejection.
func TestForgedProofsRejected(t *testing.T) {
	w := fixture(t)
	w.setEpoch(3)
	w.lock(transfer, 1, shA, shB)
	good := w.proofs[proofKey{shB, transfer.ID(), 1}]
	ses := atomix.NewSession(transfer, 1)
	v := w.verifier()
	require.NoError(t, v.Verify(good, ses, 3))

	keysB, pubsB := w.com.committee(shB, 3)
	keysA, _ := w.com.committee(shA, 3)
	msg := finalityMessage(shB, 3, good.Height, good.Root)
	other := w.proofs[proofKey{shA, transfer.ID(), 1}]

	cases := []struct {
		name  string
		mut   func(p *atomix.Proof)
		epoch uint64
		want  error
	}{
		{"below quorum", func(p *atomix.Proof) { p.Certificate = w.com.certifyWith(keysB, pubsB, []int{0, 1}, msg) }, 3, atomix.ErrBadCertificate},
		{"another shard's committee", func(p *atomix.Proof) { p.Certificate = w.com.certifyWith(keysA, pubsB, []int{0, 1, 2}, msg) }, 3, atomix.ErrBadCertificate},
		{"certificate of another root", func(p *atomix.Proof) { p.Certificate = other.Certificate }, 3, atomix.ErrBadCertificate},
		{"other height", func(p *atomix.Proof) { p.Height++ }, 3, atomix.ErrBadCertificate},
		{"flipped signature bit", func(p *atomix.Proof) {
			p.Certificate = append([]byte(nil), p.Certificate...)
			p.Certificate[len(p.Certificate)-1] ^= 1
		}, 3, atomix.ErrBadCertificate},
		{"garbage certificate", func(p *atomix.Proof) { p.Certificate = []byte{1, 2, 3} }, 3, atomix.ErrBadCertificate},
		{"vote turned into a rejection", func(p *atomix.Proof) { p.Vote.Decision, p.Vote.Locks = atomix.Reject, nil }, 3, atomix.ErrBadMerkleProof},
		{"other lock sequence", func(p *atomix.Proof) {
			p.Vote.Locks = append([]atomix.LockRef(nil), p.Vote.Locks...)
			p.Vote.Locks[0].Seq++
		}, 3, atomix.ErrBadMerkleProof},
		{"other vote epoch", func(p *atomix.Proof) { p.Vote.Epoch = 2 }, 3, atomix.ErrBadMerkleProof},
		{"path of another record", func(p *atomix.Proof) {
			p.Merkle = w.shards[shB].store.prove(int64(good.Height), atomix.ObjectKey(objY))
		}, 3, atomix.ErrBadMerkleProof},
		{"garbage path", func(p *atomix.Proof) { p.Merkle = []byte{0xff, 0x01} }, 3, atomix.ErrBadMerkleProof},
		{"future epoch", func(p *atomix.Proof) {}, 2, atomix.ErrFutureEpoch},
		{"stale epoch", func(p *atomix.Proof) {}, 4, atomix.ErrStaleEpoch},
		{"certified before the vote", func(p *atomix.Proof) { p.Vote.Epoch = 4 }, 4, atomix.ErrStaleEpoch},
		{"shard with no input", func(p *atomix.Proof) { p.Vote.Shard = shC }, 3, atomix.ErrWrongShard},
		{"other shard's inputs", func(p *atomix.Proof) { p.Vote.Shard = shA }, 3, atomix.ErrWrongShard},
		{"lock dropped", func(p *atomix.Proof) { p.Vote.Locks = nil }, 3, atomix.ErrWrongShard},
		{"rejection with locks", func(p *atomix.Proof) { p.Vote.Decision = atomix.Reject }, 3, atomix.ErrWrongShard},
		{"other transaction", func(p *atomix.Proof) { p.Vote.Tx = common.Hash{1} }, 3, atomix.ErrWrongTx},
		{"other session", func(p *atomix.Proof) { p.Vote.Attempt = 2 }, 3, atomix.ErrWrongSession},
		{"unknown decision", func(p *atomix.Proof) { p.Vote.Decision = 7 }, 3, atomix.ErrDecode},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := good
			p.Vote.Locks = append([]atomix.LockRef(nil), good.Vote.Locks...)
			c.mut(&p)
			require.ErrorIs(t, v.Verify(p, ses, c.epoch), c.want)
		})
	}
	// Tampered proofs change nothing on a shard either.
	z := w.object(shC, objZ)
	bad := good
	bad.Height++
	require.ErrorIs(t, w.shards[shC].sh.Step(atomix.Message{Type: atomix.MsgProof, From: shB, Tx: transfer, Attempt: 1, Proofs: []atomix.Proof{bad, other}}), atomix.ErrBadCertificate)
	w.collect()
	require.Zero(t, w.outcome(shC, transfer, 1))
	require.Equal(t, z, w.object(shC, objZ))
}

// TestLivenessWithoutClient: the client reaches one input shard, not the
// coordinator, and vanishes; messages are lost once. The shards finish the
// transaction by themselves.
func TestLivenessWithoutClient(t *testing.T) {
	w := fixture(t)
	w.lock(transfer, 1, shB)
	w.outbox = nil // every first message lost
	for range 4 {
		for _, s := range w.shards {
			s.sh.Tick()
		}
		w.collect()
	}
	w.settle()
	w.allOutcome(transfer, 1, atomix.Commit)
	w.conserved()
	require.Equal(t, uint64(100), w.object(shC, objZ).Value)
	for _, s := range w.shards {
		require.Zero(t, s.sh.Sessions())
	}
}

// TestEpochChangeMidSession: proofs in flight when the epoch changes go
// stale; the shards get their votes certified by the new committees and
// finish.
func TestEpochChangeMidSession(t *testing.T) {
	w := fixture(t)
	w.lock(transfer, 1, shA, shB)
	w.setEpoch(1)
	w.settle()
	w.allOutcome(transfer, 1, atomix.Commit)
	w.conserved()
}

// TestRestartResumesFromStore: a shard's node restarts after voting and
// before its proof went out; it resumes from its store alone.
func TestRestartResumesFromStore(t *testing.T) {
	w := fixture(t)
	w.lock(transfer, 1, shA, shB)
	w.outbox = nil
	w.boot(w.shards[shA])
	require.Equal(t, 1, w.shards[shA].sh.Sessions())
	w.collect()
	w.settle()
	w.allOutcome(transfer, 1, atomix.Commit)
	w.conserved()
}

// TestUTXOCommit: coins are consumed whole and outputs create new coins.
func TestUTXOCommit(t *testing.T) {
	w := newRWorld(t, 3)
	c1, c2 := common.Hash{0xc1}, common.Hash{0xc2}
	w.fund(shA, c1, atomix.NewCoin(30))
	w.fund(shB, c2, atomix.NewCoin(20))
	tx := atomix.Tx{
		Inputs:  []atomix.Input{{Shard: shA, Kind: atomix.KindCoin, Object: c1, Amount: 30}, {Shard: shB, Kind: atomix.KindCoin, Object: c2, Amount: 20}},
		Outputs: []atomix.Output{{Shard: shC, Kind: atomix.KindCoin, Amount: 45}, {Shard: shA, Kind: atomix.KindCoin, Amount: 5}},
	}
	again := tx
	again.Nonce = 1
	w.lock(tx, 1, shA, shB)
	w.settle()
	w.allOutcome(tx, 1, atomix.Commit)
	require.Equal(t, atomix.Spent, w.object(shA, c1).Status)
	require.Equal(t, atomix.Spent, w.object(shB, c2).Status)
	require.Equal(t, atomix.NewCoin(45), w.object(shC, atomix.CoinID(tx.ID(), 0)))
	require.Equal(t, atomix.NewCoin(5), w.object(shA, atomix.CoinID(tx.ID(), 1)))
	// Spending the same coins again is rejected everywhere.
	w.lock(again, 1, shA, shB)
	w.settle()
	w.allOutcome(again, 1, atomix.Abort)
	_, ok, err := atomix.GetObject(w.shards[shC].store, atomix.CoinID(again.ID(), 0))
	require.NoError(t, err)
	require.False(t, ok)
	// The same transaction retried after its commit is rejected too.
	w.lock(tx, 2, shA, shB)
	w.settle()
	w.allOutcome(tx, 2, atomix.Abort)
}
