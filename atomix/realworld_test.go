package atomix_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/atomix"
)

// rworld drives a few shards by hand with real certificates (BDN) and real
// state proofs (IAVL + ICS-23), holding every message in an outbox so a
// test can deliver, withhold or tamper with each one.
type rworld struct {
	t      testing.TB
	com    *bdnCommittees
	shards []*rshard
	epoch  uint64
	outbox []atomix.Envelope
	proofs map[proofKey]atomix.Proof
	ids    map[atomix.ShardID][]common.Hash
	total  uint64
}

type rshard struct {
	id    atomix.ShardID
	store *iavlStore
	sh    *atomix.Shard
}

type proofKey struct {
	shard   atomix.ShardID
	tx      common.Hash
	attempt uint64
}

func newRWorld(t testing.TB, n int) *rworld {
	w := &rworld{t: t, com: newBDNCommittees(), proofs: map[proofKey]atomix.Proof{}, ids: map[atomix.ShardID][]common.Hash{}}
	for i := range n {
		s := &rshard{id: atomix.ShardID(i), store: newIAVLStore()}
		w.shards = append(w.shards, s)
		w.boot(s)
	}
	return w
}

func (w *rworld) verifier() atomix.Verifier {
	return atomix.Verifier{Certs: w.com, Proofs: ics23Verifier{}}
}

func (w *rworld) boot(s *rshard) {
	sh, err := atomix.NewShard(atomix.Config{ID: s.id, Store: s.store, Verifier: w.verifier(), Epoch: w.epoch, RetryTicks: 2})
	require.NoError(w.t, err)
	s.sh = sh
}

func (w *rworld) fund(shard atomix.ShardID, id common.Hash, o atomix.Object) {
	require.NoError(w.t, atomix.PutObject(w.shards[shard].store, id, o))
	w.ids[shard] = append(w.ids[shard], id)
	w.total += o.Value
}

// collect runs every shard's Ready: it seals a block when votes need
// proofs, certifies them with the shard's current committee, and queues
// the messages.
func (w *rworld) collect() {
	for again := true; again; {
		again = false
		for _, s := range w.shards {
			if !s.sh.HasReady() {
				continue
			}
			again = true
			rd := s.sh.Ready()
			w.outbox = append(w.outbox, rd.Messages...)
			if len(rd.Certify) == 0 {
				continue
			}
			root, ver := s.store.commit()
			for _, v := range rd.Certify {
				p := atomix.Proof{
					Vote: v, Epoch: w.epoch, Height: uint64(ver), Root: root,
					Certificate: w.com.certify(s.id, w.epoch, uint64(ver), root),
					Merkle:      s.store.prove(ver, atomix.VoteKey(v.Tx, v.Attempt)),
				}
				w.proofs[proofKey{s.id, v.Tx, v.Attempt}] = p
				require.NoError(w.t, s.sh.Certified(p))
			}
		}
	}
}

func (w *rworld) lock(tx atomix.Tx, attempt uint64, shards ...atomix.ShardID) {
	for _, s := range shards {
		require.NoError(w.t, w.shards[s].sh.Step(atomix.Message{Type: atomix.MsgLock, Tx: tx, Attempt: attempt}))
	}
	w.collect()
}

// deliver hands the queued messages that pass keep to their shards, until
// no such message is left; the others stay queued.
func (w *rworld) deliver(keep func(atomix.Envelope) bool) {
	for {
		var now, held []atomix.Envelope
		for _, env := range w.outbox {
			if keep(env) {
				now = append(now, env)
			} else {
				held = append(held, env)
			}
		}
		w.outbox = held
		if len(now) == 0 {
			return
		}
		for _, env := range now {
			// Honest messages may still fail (a proof gone stale at an
			// epoch change); retransmission repairs that.
			_ = w.shards[env.To].sh.Step(env.Msg)
		}
		w.collect()
	}
}

func all(atomix.Envelope) bool { return true }

func of(tx atomix.Tx, attempt uint64) func(atomix.Envelope) bool {
	id := tx.ID()
	return func(env atomix.Envelope) bool { return env.Msg.Tx.ID() == id && env.Msg.Attempt == attempt }
}

// settle delivers everything and ticks until every shard has finished every
// session.
func (w *rworld) settle() {
	for range 100 {
		w.deliver(all)
		busy := false
		for _, s := range w.shards {
			busy = busy || s.sh.Sessions() > 0
		}
		if !busy {
			return
		}
		for _, s := range w.shards {
			s.sh.Tick()
		}
		w.collect()
	}
	w.t.Fatal("sessions never finished")
}

func (w *rworld) setEpoch(e uint64) {
	w.epoch = e
	for _, s := range w.shards {
		s.sh.SetEpoch(e)
	}
	w.collect()
}

func (w *rworld) object(shard atomix.ShardID, id common.Hash) atomix.Object {
	o, ok, err := atomix.GetObject(w.shards[shard].store, id)
	require.NoError(w.t, err)
	require.True(w.t, ok)
	return o
}

func (w *rworld) outcome(shard atomix.ShardID, tx atomix.Tx, attempt uint64) atomix.Outcome {
	o, _, err := atomix.GetOutcome(w.shards[shard].store, tx.ID(), attempt)
	require.NoError(w.t, err)
	return o
}

// conserved checks that the live value on all shards equals what was
// funded (outputs here are accounts already funded, possibly with zero).
func (w *rworld) conserved() {
	var sum uint64
	for sh, ids := range w.ids {
		for _, id := range ids {
			if o := w.object(sh, id); o.Status != atomix.Spent {
				sum += o.Value
			}
		}
	}
	require.Equal(w.t, w.total, sum, "total value not conserved")
}

func (w *rworld) allOutcome(tx atomix.Tx, attempt uint64, want atomix.Outcome) {
	for _, s := range tx.Shards() {
		require.Equal(w.t, want, w.outcome(s, tx, attempt), "shard %d", s)
	}
}

// The fixtures of the attack tests: x on shard A, y on shard B, z (an
// output account) and w on shard C. A transaction with inputs on one shard
// only commits in the block that locks it, so the tests that need a lock to
// stay held make it cross-shard with w.
const (
	shA atomix.ShardID = 0
	shB atomix.ShardID = 1
	shC atomix.ShardID = 2
)

var (
	objX = common.Hash{0x0a}
	objY = common.Hash{0x0b}
	objZ = common.Hash{0x0c}
	objW = common.Hash{0x0d}
)

func acctIn(s atomix.ShardID, id common.Hash, amt uint64) atomix.Input {
	return atomix.Input{Shard: s, Kind: atomix.KindAccount, Object: id, Amount: amt}
}

func acctOut(s atomix.ShardID, id common.Hash, amt uint64) atomix.Output {
	return atomix.Output{Shard: s, Kind: atomix.KindAccount, Object: id, Amount: amt}
}

func fixture(t testing.TB) *rworld {
	w := newRWorld(t, 3)
	w.fund(shA, objX, atomix.NewAccount(100))
	w.fund(shB, objY, atomix.NewAccount(50))
	w.fund(shC, objZ, atomix.NewAccount(0))
	w.fund(shC, objW, atomix.NewAccount(10))
	return w
}

// transfer is the transaction the attacks target: 60 from x and 40 from y
// to z.
var transfer = atomix.Tx{
	Inputs:  []atomix.Input{acctIn(shA, objX, 60), acctIn(shB, objY, 40)},
	Outputs: []atomix.Output{acctOut(shC, objZ, 100)},
}

// TestLostCertificationRequest: the node drops a certification request
// (say its block builder restarted); the shard asks again on its timeout,
// four retransmission timeouts after the vote.
func TestLostCertificationRequest(t *testing.T) {
	w := fixture(t)
	for _, s := range []atomix.ShardID{shA, shB} {
		require.NoError(t, w.shards[s].sh.Step(atomix.Message{Type: atomix.MsgLock, Tx: transfer, Attempt: 1}))
		rd := w.shards[s].sh.Ready()
		require.Len(t, rd.Certify, 1) // and dropped
	}
	for tick := 1; tick <= 8; tick++ {
		for _, s := range w.shards {
			s.sh.Tick()
		}
		w.collect()
		_, okA := w.proofs[proofKey{shA, transfer.ID(), 1}]
		_, okB := w.proofs[proofKey{shB, transfer.ID(), 1}]
		require.Equal(t, tick == 8, okA && okB, "tick %d", tick) // RetryTicks is 2 here
	}
	w.settle()
	w.allOutcome(transfer, 1, atomix.Commit)
	w.conserved()
}
