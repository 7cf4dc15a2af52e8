package atomix_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/internal/atomixsim"
)

func keyed() atomix.Verifier {
	k := atomixsim.NewKeyedCerts(1)
	return atomix.Verifier{Certs: k, Proofs: k}
}

func TestConfigValidate(t *testing.T) {
	v := keyed()
	cases := []struct {
		name string
		cfg  atomix.Config
		ok   bool
	}{
		{"complete", atomix.Config{Store: atomix.NewMemStore(), Verifier: v}, true},
		{"no store", atomix.Config{Verifier: v}, false},
		{"no certificates", atomix.Config{Store: atomix.NewMemStore(), Verifier: atomix.Verifier{Proofs: v.Proofs}}, false},
		{"no proofs", atomix.Config{Store: atomix.NewMemStore(), Verifier: atomix.Verifier{Certs: v.Certs}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := atomix.NewShard(c.cfg)
			if c.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, atomix.ErrBadConfig)
			}
		})
	}
}

func TestStepRejects(t *testing.T) {
	st := atomix.NewMemStore()
	require.NoError(t, atomix.PutObject(st, objX, atomix.NewAccount(100)))
	sh, err := atomix.NewShard(atomix.Config{ID: shA, Store: st, Verifier: keyed()})
	require.NoError(t, err)
	onlyBC := atomix.Tx{Inputs: []atomix.Input{acctIn(shB, objY, 1)}, Outputs: []atomix.Output{acctOut(shC, objZ, 1)}}
	toA := atomix.Tx{Inputs: []atomix.Input{acctIn(shB, objY, 1)}, Outputs: []atomix.Output{acctOut(shA, objZ, 1)}}
	cases := []struct {
		name string
		m    atomix.Message
		want error
	}{
		{"malformed tx", atomix.Message{Type: atomix.MsgLock, Attempt: 1}, atomix.ErrBadTx},
		{"attempt zero", atomix.Message{Type: atomix.MsgLock, Tx: transfer}, atomix.ErrBadTx},
		{"not involved", atomix.Message{Type: atomix.MsgLock, Tx: onlyBC, Attempt: 1}, atomix.ErrNotInvolved},
		{"lock at an output-only shard", atomix.Message{Type: atomix.MsgLock, Tx: toA, Attempt: 1}, atomix.ErrNotInvolved},
		{"unknown type", atomix.Message{Type: 9, Tx: transfer, Attempt: 1}, atomix.ErrDecode},
		{"proof that does not verify", atomix.Message{Type: atomix.MsgProof, Tx: transfer, Attempt: 1,
			Proofs: []atomix.Proof{{Vote: atomix.Vote{Tx: transfer.ID(), Attempt: 1, Shard: shB, Decision: atomix.Reject}}}}, atomix.ErrBadCertificate},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.ErrorIs(t, sh.Step(c.m), c.want)
			require.False(t, sh.HasReady())
			require.Zero(t, sh.Sessions())
		})
	}
	// An ack for an unknown session and a proof of this shard's own vote
	// that it never cast change nothing.
	require.NoError(t, sh.Step(atomix.Message{Type: atomix.MsgAck, From: shB, Tx: transfer, Attempt: 1}))
	require.ErrorIs(t, sh.Certified(atomix.Proof{Vote: atomix.Vote{Tx: transfer.ID(), Attempt: 1, Shard: shA, Decision: atomix.Accept}}), atomix.ErrUnknownVote)
	o, _, err := atomix.GetObject(st, objX)
	require.NoError(t, err)
	require.Equal(t, atomix.NewAccount(100), o)
	require.Equal(t, atomix.ShardID(shA), sh.ID())
	require.Zero(t, sh.Epoch())
	sh.Tick()
	require.Equal(t, uint64(1), sh.Now())
}

// TestVoteOnce: a shard votes once per session; a second lock request or a
// duplicate delivery casts nothing new, and a new attempt while the first
// holds the lock is rejected.
func TestVoteOnce(t *testing.T) {
	st := atomix.NewMemStore()
	require.NoError(t, atomix.PutObject(st, objX, atomix.NewAccount(100)))
	sh, err := atomix.NewShard(atomix.Config{ID: shA, Store: st, Verifier: keyed()})
	require.NoError(t, err)
	lock := atomix.Message{Type: atomix.MsgLock, Tx: transfer, Attempt: 1}
	require.NoError(t, sh.Step(lock))
	rd := sh.Ready()
	require.Len(t, rd.Certify, 1)
	require.Equal(t, atomix.Accept, rd.Certify[0].Decision)
	require.NoError(t, sh.Step(lock))
	require.False(t, sh.HasReady())
	lock.Attempt = 2
	require.NoError(t, sh.Step(lock))
	rd = sh.Ready()
	require.Len(t, rd.Certify, 1)
	require.Equal(t, atomix.Reject, rd.Certify[0].Decision)
	require.Equal(t, []atomix.Applied{{Tx: transfer.ID(), Attempt: 2, Outcome: atomix.Abort}}, rd.Applied)
	o, _, err := atomix.GetObject(st, objX)
	require.NoError(t, err)
	require.Equal(t, atomix.Locked, o.Status)
	require.Equal(t, uint64(1), o.Seq)
}

type failingStore struct {
	atomix.Store
	failAfter int
}

var errDisk = errors.New("disk on fire")

func (f *failingStore) Set(k, v []byte) error {
	if f.failAfter == 0 {
		return errDisk
	}
	f.failAfter--
	return f.Store.Set(k, v)
}

func (f *failingStore) Get(k []byte) ([]byte, error) {
	if f.failAfter < 0 {
		return nil, errDisk
	}
	return f.Store.Get(k)
}

// TestStoreErrorsSurface: store failures come back wrapped, never panic.
func TestStoreErrorsSurface(t *testing.T) {
	for n := -1; n < 5; n++ {
		mem := atomix.NewMemStore()
		require.NoError(t, atomix.PutObject(mem, objX, atomix.NewAccount(100)))
		fs := &failingStore{Store: mem, failAfter: n}
		sh, err := atomix.NewShard(atomix.Config{ID: shA, Store: fs, Verifier: keyed()})
		if n < 0 {
			require.ErrorIs(t, err, errDisk)
			continue
		}
		require.NoError(t, err)
		require.ErrorIs(t, sh.Step(atomix.Message{Type: atomix.MsgLock, Tx: transfer, Attempt: 1}), errDisk, "fail after %d writes", n)
	}
}

func TestStrings(t *testing.T) {
	require.Equal(t, "accept", atomix.Accept.String())
	require.Equal(t, "reject", atomix.Reject.String())
	require.Equal(t, "decision(9)", atomix.Decision(9).String())
	require.Equal(t, "commit", atomix.Commit.String())
	require.Equal(t, "abort", atomix.Abort.String())
	require.Equal(t, "outcome(9)", atomix.Outcome(9).String())
	require.Equal(t, "active", atomix.Active.String())
	require.Equal(t, "locked", atomix.Locked.String())
	require.Equal(t, "spent", atomix.Spent.String())
	require.Equal(t, "status(9)", atomix.Status(9).String())
	require.Equal(t, "lock", atomix.MsgLock.String())
	require.Equal(t, "proof", atomix.MsgProof.String())
	require.Equal(t, "ack", atomix.MsgAck.String())
	require.Equal(t, "msgtype(9)", atomix.MsgType(9).String())
}

func TestDecodeRejects(t *testing.T) {
	cases := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"oversized", make([]byte, atomix.MaxMessageSize+1)},
		{"bad type", atomix.Message{Type: 0, Tx: transfer, Attempt: 1}.Encode()},
		{"bad decision", atomix.Message{Type: atomix.MsgProof, Tx: transfer, Attempt: 1, Proofs: []atomix.Proof{{Vote: atomix.Vote{Decision: 3}}}}.Encode()},
		{"trailing bytes", append(atomix.Message{Type: atomix.MsgLock, Tx: transfer, Attempt: 1}.Encode(), 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := atomix.DecodeMessage(c.b)
			require.ErrorIs(t, err, atomix.ErrDecode)
		})
	}
	_, err := atomix.DecodeProof(make([]byte, atomix.MaxProofSize+1))
	require.ErrorIs(t, err, atomix.ErrDecode)
	_, err = atomix.DecodeObject(atomix.Object{Kind: 7, Status: atomix.Active}.Encode())
	require.ErrorIs(t, err, atomix.ErrDecode)
	_, err = atomix.DecodeVote(atomix.Vote{Decision: 0}.Encode())
	require.ErrorIs(t, err, atomix.ErrDecode)
	require.Equal(t, 1, func() int { s := atomix.NewMemStore(); _ = s.Set([]byte("k"), nil); return s.Len() }())
}

// TestExpiry: after its expiry epoch no shard accepts a session of a
// transaction, so a recorded lock request replayed later cannot revive an
// aborted transaction.
func TestExpiry(t *testing.T) {
	w := fixture(t)
	tx := transfer
	tx.Expiry = 1
	w.lock(tx, 1, shA) // B never hears: the client crashed, the proof is lost
	w.outbox = nil
	w.setEpoch(1) // still within expiry: the shards finish it
	w.settle()
	w.allOutcome(tx, 1, atomix.Commit)

	late := atomix.Tx{Inputs: []atomix.Input{acctIn(shA, objX, 10), acctIn(shB, objY, 5)}, Outputs: []atomix.Output{acctOut(shC, objZ, 15)}, Expiry: 1}
	w.setEpoch(2)
	w.lock(late, 1, shA, shB)
	w.settle()
	w.allOutcome(late, 1, atomix.Abort)
	w.conserved()
	require.Equal(t, uint64(100), w.object(shC, objZ).Value)
}
