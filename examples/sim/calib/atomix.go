package calib

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/examples/sim/xshard"
	"github.com/iostkit/iostkit/microstate"
)

// AtomixCosts are the costs of driving atomix in the simulator
// (examples/sim/xshard): the state machine's work per message, with its
// records committed to microstate, and the Merkle proofs of vote records.
// Finality certificates are charged from the BLS costs. A calibration
// written before these existed has none; the simulator then refuses to
// drive atomix.
type AtomixCosts struct {
	// Block is one block that executes one atomix message — a MsgLock of a
	// one-input, one-output transaction: the escrow coin, the lock, the
	// vote record — ticks the machine and commits its writes to microstate
	// (memdb), the block commitment included.
	Block time.Duration `json:"block_ns,omitempty"`
	// Prove is building a vote record's Merkle proof: microstate's write
	// proof in the block's write set, with the block's commitment.
	Prove time.Duration `json:"vote_prove_ns,omitempty"`
	// Verify is checking that proof (xshard.WriteProofVerifier): the
	// commitment recomputed and the Merkle path to its write root.
	Verify time.Duration `json:"vote_verify_ns,omitempty"`
}

// Complete reports whether every atomix cost is measured.
func (a AtomixCosts) Complete() bool { return a.Block > 0 && a.Prove > 0 && a.Verify > 0 }

// ErrNoAtomix means a calibration without atomix costs used to drive atomix.
var ErrNoAtomix = errors.New("calib: the calibration has no atomix costs (measure them with -calibrate, or -calibrate-add to add them to a file)")

// MeasureAtomix times the AtomixCosts operations on this machine, in this
// process (median of o.Rounds rounds of o.Budget each, process CPU time).
func MeasureAtomix(o Options) (AtomixCosts, error) {
	o = o.withDefaults()
	var a AtomixCosts
	var err error
	step := func(name string, dst *time.Duration, setup func() (func() error, error)) {
		if err != nil {
			return
		}
		if o.Progress != nil {
			o.Progress(name)
		}
		op, e := setup()
		if e == nil {
			*dst, e = timeOp(op, o.Budget, o.Rounds)
		}
		if e != nil {
			err = errors.Join(errors.New("calib: "+name), e)
		}
		*dst = max(*dst, 1)
	}
	ver := atomix.Verifier{Certs: acceptNothing{}, Proofs: xshard.WriteProofVerifier{}}
	sh, e := xshard.NewShard(0, ver, 1)
	if e != nil {
		return a, e
	}
	defer func() { _ = sh.Close() }()
	nonce := uint64(0)
	var last microstate.BlockCommit
	var prev *atomix.Tx
	// lock runs the block that locks a new transaction, then the block that
	// steps the destination's acknowledgement, which ends the session (as
	// in a simulation, the machine tracks few sessions at a time).
	lock := func() (atomix.Vote, error) {
		nonce++
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], nonce)
		tx := atomix.Tx{
			Inputs:  []atomix.Input{{Shard: 0, Kind: atomix.KindCoin, Object: crypto.Keccak256Hash([]byte("calib escrow"), b[:]), Amount: 256}},
			Outputs: []atomix.Output{{Shard: 1, Kind: atomix.KindAccount, Object: common.BytesToHash([]byte("calib transit")), Amount: 256}},
			Nonce:   nonce,
		}
		sh.Begin()
		if err := sh.Lock(tx); err != nil {
			return atomix.Vote{}, err
		}
		c, rd, err := sh.End()
		if err != nil {
			return atomix.Vote{}, err
		}
		last = c
		var vote atomix.Vote
		id := tx.ID()
		for _, v := range rd.Certify {
			if v.Tx == id {
				vote = v
			}
		}
		if vote.Tx != id {
			return vote, errors.New("the lock asked for no proof")
		}
		if prev != nil {
			sh.Begin()
			if err := sh.Step(atomix.Message{Type: atomix.MsgAck, From: 1, Tx: *prev, Attempt: 1}); err != nil {
				return vote, err
			}
			if _, _, err := sh.End(); err != nil {
				return vote, err
			}
		}
		prev = &tx
		return vote, nil
	}
	step("atomix block", &a.Block, func() (func() error, error) {
		return func() error { _, err := lock(); return err }, nil
	})
	a.Block = max(a.Block/2, 1) // two blocks, one message each
	var vote atomix.Vote
	var proof []byte
	step("atomix vote proof", &a.Prove, func() (func() error, error) {
		var err error
		if vote, err = lock(); err != nil {
			return nil, err
		}
		commit := last
		return func() error {
			var err error
			proof, err = sh.Prove(commit, vote)
			return err
		}, nil
	})
	step("atomix vote verify", &a.Verify, func() (func() error, error) {
		key, val := atomix.VoteKey(vote.Tx, vote.Attempt), vote.Encode()
		return func() error { return xshard.WriteProofVerifier{}.VerifyMembership(last.Commitment, key, val, proof) }, nil
	})
	return a, err
}

// acceptNothing is the certificate verifier of the calibration's shard:
// the lock path never checks a certificate, and nothing may pass one.
type acceptNothing struct{}

func (acceptNothing) VerifyFinality(atomix.ShardID, uint64, uint64, common.Hash, []byte) error {
	return errors.New("calib: no certificates here")
}
