package chain

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/iostkit/iostkit/microstate"
	"github.com/iostkit/iostkit/token"
)

// How a cross-shard transfer runs through atomix in the example node:
//
//  1. The sender's shard executes the user's transfer: the ledger debits
//     amount and fee (token's Export) and the amount becomes an escrow coin,
//     an atomix object named by the transfer's hash. The shard steps a
//     MsgLock of the atomix transaction "escrow coin → account of the
//     recipient on the other shard": it locks the coin and votes, and the
//     vote record lands in the block's write set.
//  2. Once the block is final, the node gets the shard's committee to
//     attest the block's state commitment and builds an atomix.Proof: the
//     attestation plus a Merkle proof of the vote record in the block's
//     write set (microstate's WriteProof).
//  3. atomix.Shard sends the proof to the recipient's shard; any proposer
//     there includes the message in a block (AtomixTag ‖ message). The
//     recipient's shard verifies it and commits: atomix credits the
//     recipient's transit account, which the executor drains into the token
//     ledger in the same block. The recipient's shard acknowledges; the
//     sender's shard consumes the coin.
//
// A rejection aborts instead: the coin comes back and the executor refunds
// the sender. Proof binding, replay defences and retransmission are
// atomix's; this file only carries messages and moves value between the
// token ledger and atomix objects.

// AtomixTag is the first byte of an atomix protocol message carried as a
// system transaction. A user transaction is an RLP list (≥ 0xc0) and a
// credit starts with CreditTag, so the three never collide.
const AtomixTag = 0x02

// CrossExpiryEpochs is how many epochs after its lock epoch a cross-shard
// transfer may still be accepted (atomix.Tx.Expiry).
const CrossExpiryEpochs = 2

// Errors of the atomix wiring.
var (
	// ErrBadAtomix means bytes tagged as an atomix message that do not
	// decode, or a message for a transaction this shard takes no part in.
	ErrBadAtomix = errors.New("chain: malformed atomix message")
	// ErrNoCross means a cross-shard transfer on a shard opened without
	// atomix.
	ErrNoCross = errors.New("chain: cross-shard transfers need atomix")
)

// IsAtomix reports whether a block transaction is an atomix message.
func IsAtomix(tx []byte) bool { return len(tx) > 0 && tx[0] == AtomixTag }

// EncodeAtomix returns m as a system transaction: AtomixTag ‖ message.
func EncodeAtomix(m atomix.Message) []byte { return append([]byte{AtomixTag}, m.Encode()...) }

// DecodeAtomix parses an atomix system transaction.
func DecodeAtomix(b []byte) (atomix.Message, error) {
	if !IsAtomix(b) {
		return atomix.Message{}, ErrBadAtomix
	}
	m, err := atomix.DecodeMessage(b[1:])
	if err != nil {
		return atomix.Message{}, fmt.Errorf("%w: %v", ErrBadAtomix, err)
	}
	return m, nil
}

// AccountObject is the atomix object of an account: its address, left
// padded. It is a transit account: what atomix credits to it, the executor
// moves into the token ledger in the same block.
func AccountObject(a common.Address) common.Hash { return common.BytesToHash(a.Bytes()) }

// ObjectAccount inverts AccountObject.
func ObjectAccount(h common.Hash) common.Address { return common.BytesToAddress(h[12:]) }

// CrossTx is the atomix transaction of the cross-shard transfer whose
// export is x, locked in epoch: the escrow coin named by the transfer's hash
// on the sender's shard, to the recipient's account on the other shard.
func CrossTx(x Export, epoch uint64) atomix.Tx {
	return atomix.Tx{
		Inputs:  []atomix.Input{{Shard: atomix.ShardID(x.FromShard), Kind: atomix.KindCoin, Object: x.TxHash, Amount: x.Amount}},
		Outputs: []atomix.Output{{Shard: atomix.ShardID(x.ToShard), Kind: atomix.KindAccount, Object: AccountObject(x.To), Amount: x.Amount}},
		Expiry:  epoch + CrossExpiryEpochs,
	}
}

// Certify asks the node for the proof of a vote this shard wrote at Height.
type Certify struct {
	Vote   atomix.Vote
	Height uint64
}

// CrossReady is what the shard's atomix machine asks the node to do:
// deliver Messages to other shards (into their blocks), and certify votes.
type CrossReady struct {
	Messages []atomix.Envelope
	Certify  []Certify
}

// Empty reports whether r asks for nothing.
func (r CrossReady) Empty() bool { return len(r.Messages)+len(r.Certify) == 0 }

// switchStore is atomix's Store: the working overlay of the block being
// executed, or the committed state between blocks (read only in practice:
// atomix writes only from Step and Tick, which run inside blocks).
type switchStore struct{ cur token.Store }

func (s *switchStore) Get(k []byte) ([]byte, error) { return s.cur.Get(k) }
func (s *switchStore) Set(k, v []byte) error        { return s.cur.Set(k, v) }

// cross is a shard's atomix machine and the glue that moves value between
// it and the token ledger.
type cross struct {
	mu      sync.Mutex
	m       *atomix.Shard
	st      *switchStore
	base    state.Backend
	shard   uint32
	pending CrossReady // asked outside a block (open, Certified)
}

// Keys the executor keeps beside atomix's records.
var (
	keySenderPrefix = []byte("xshard/sender/") // escrow coin → sender, for refunds
	keyVoteHeight   = []byte("xshard/voteh/")  // vote record → height it was written at
)

func senderKey(tx common.Hash) []byte {
	return append(append([]byte{}, keySenderPrefix...), tx.Bytes()...)
}

func voteHeightKey(v atomix.Vote) []byte {
	return append(append([]byte{}, keyVoteHeight...), atomix.VoteKey(v.Tx, v.Attempt)...)
}

func newCross(shard uint32, base state.Backend, v atomix.Verifier, epoch uint64) (*cross, error) {
	x := &cross{st: &switchStore{cur: state.NewOverlay(base)}, base: base, shard: shard}
	m, err := atomix.NewShard(atomix.Config{ID: atomix.ShardID(shard), Store: x.st, Verifier: v, Epoch: epoch})
	if err != nil {
		return nil, fmt.Errorf("atomix shard %d: %w", shard, err)
	}
	x.m = m
	// Sessions pending at a restart ask for their proofs again.
	rd := m.Ready()
	x.pending.Messages = append(x.pending.Messages, rd.Messages...)
	for _, vote := range rd.Certify {
		raw, err := base.Get(voteHeightKey(vote))
		if err != nil {
			return nil, err
		}
		if len(raw) != 8 {
			continue // written before heights were recorded: nothing to prove against
		}
		x.pending.Certify = append(x.pending.Certify, Certify{Vote: vote, Height: binary.BigEndian.Uint64(raw)})
	}
	return x, nil
}

// begin points atomix at the block's overlay and moves it to the block's
// epoch.
func (x *cross) begin(o token.Store, epoch uint64) {
	x.st.cur = o
	x.m.SetEpoch(epoch)
}

// end ticks the machine once for the block, records the heights of the
// votes it wrote, and returns what the block asks of the node.
func (x *cross) end(o token.Store, h uint64, out *CrossReady) error {
	x.m.Tick()
	if err := x.collect(o, h, out, nil); err != nil {
		return err
	}
	x.st.cur = state.NewOverlay(x.base)
	return nil
}

// collect drains the machine's Ready into out, applying outcomes to the
// ledger (when o is a block's overlay) and recording vote heights.
func (x *cross) collect(o token.Store, h uint64, out *CrossReady, applied func(atomix.Applied) error) error {
	rd := x.m.Ready()
	out.Messages = append(out.Messages, rd.Messages...)
	for _, v := range rd.Certify {
		key := voteHeightKey(v)
		raw, err := o.Get(key)
		if err != nil {
			return err
		}
		at := h
		if len(raw) == 8 {
			at = binary.BigEndian.Uint64(raw)
		} else if err := o.Set(key, binary.BigEndian.AppendUint64(nil, h)); err != nil {
			return err
		}
		out.Certify = append(out.Certify, Certify{Vote: v, Height: at})
	}
	for _, a := range rd.Applied {
		if applied != nil {
			if err := applied(a); err != nil {
				return err
			}
		}
	}
	return nil
}

// lock starts the atomic commit of export ex, whose amount the ledger has
// just debited: the amount becomes an escrow coin and the shard votes.
func (x *cross) lock(o token.Store, ex Export, epoch, h uint64, out *CrossReady) error {
	if err := atomix.PutObject(o, ex.TxHash, atomix.NewCoin(ex.Amount)); err != nil {
		return err
	}
	if err := o.Set(senderKey(ex.TxHash), ex.Sender.Bytes()); err != nil {
		return err
	}
	tx := CrossTx(ex, epoch)
	if err := x.m.Step(atomix.Message{Type: atomix.MsgLock, From: atomix.ShardID(x.shard), Tx: tx, Attempt: 1}); err != nil {
		return fmt.Errorf("atomix lock: %w", err)
	}
	return x.collect(o, h, out, func(a atomix.Applied) error { return x.settle(o, tx, a, nil) })
}

// deliver steps one atomix message of a block and returns the credit it
// applied on this shard, if it committed a transfer into this shard.
func (x *cross) deliver(o token.Store, m atomix.Message, h uint64, out *CrossReady) (*Credit, error) {
	if err := x.m.Step(m); err != nil {
		return nil, err
	}
	var credit *Credit
	err := x.collect(o, h, out, func(a atomix.Applied) error {
		if a.Tx != m.Tx.ID() {
			return nil
		}
		return x.settle(o, m.Tx, a, func(c Credit) {
			for _, p := range m.Proofs {
				if p.Vote.Tx == a.Tx && uint32(p.Vote.Shard) == c.FromShard {
					c.FromHeight = p.Height
				}
			}
			credit = &c
		})
	})
	return credit, err
}

// settle moves value between atomix and the ledger once an outcome is
// applied here: a commit drains the recipient's transit account into the
// ledger; an abort refunds the sender from the escrow coin atomix released.
func (x *cross) settle(o token.Store, tx atomix.Tx, a atomix.Applied, credited func(Credit)) error {
	l, err := token.NewLedger(o, token.Config{})
	if err != nil {
		return err
	}
	switch a.Outcome {
	case atomix.Commit:
		for _, out := range tx.Outputs {
			if uint32(out.Shard) != x.shard || out.Kind != atomix.KindAccount {
				continue
			}
			obj, ok, err := atomix.GetObject(o, out.Object)
			if err != nil {
				return err
			}
			if !ok || obj.Value < out.Amount || obj.Status != atomix.Active {
				return fmt.Errorf("%w: transit account %s holds %d", ErrBadAtomix, out.Object, obj.Value)
			}
			obj.Value -= out.Amount
			if err := atomix.PutObject(o, out.Object, obj); err != nil {
				return err
			}
			to := ObjectAccount(out.Object)
			if err := l.Import(to, token.Amount(out.Amount)); err != nil {
				return err
			}
			if credited != nil && len(tx.Inputs) > 0 {
				in := tx.Inputs[0]
				credited(Credit{FromShard: uint32(in.Shard), TxHash: in.Object, To: to, Amount: out.Amount})
			}
		}
	case atomix.Abort:
		for _, in := range tx.Inputs {
			if uint32(in.Shard) != x.shard || in.Kind != atomix.KindCoin {
				continue
			}
			obj, ok, err := atomix.GetObject(o, in.Object)
			if err != nil || !ok || obj.Status != atomix.Active {
				return err // not locked by this session: nothing came back
			}
			who, err := o.Get(senderKey(in.Object))
			if err != nil || len(who) != common.AddressLength {
				return err
			}
			obj.Status = atomix.Spent
			if err := atomix.PutObject(o, in.Object, obj); err != nil {
				return err
			}
			if err := l.Import(common.BytesToAddress(who), token.Amount(obj.Value)); err != nil {
				return err
			}
		}
	}
	return nil
}

// certified hands the machine the proof of one of its votes.
func (x *cross) certified(p atomix.Proof) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.m.Certified(p); err != nil {
		return err
	}
	rd := x.m.Ready()
	x.pending.Messages = append(x.pending.Messages, rd.Messages...)
	for _, v := range rd.Certify {
		if raw, err := x.base.Get(voteHeightKey(v)); err == nil && len(raw) == 8 {
			x.pending.Certify = append(x.pending.Certify, Certify{Vote: v, Height: binary.BigEndian.Uint64(raw)})
		}
	}
	return nil
}

func (x *cross) take() CrossReady {
	x.mu.Lock()
	defer x.mu.Unlock()
	r := x.pending
	x.pending = CrossReady{}
	return r
}

// validate is the stateless rule for an atomix system transaction on shard.
func validateAtomix(tx []byte, shard, shards uint32) error {
	m, err := DecodeAtomix(tx)
	if err != nil {
		return err
	}
	involved := false
	for _, s := range m.Tx.Shards() {
		if uint32(s) >= shards {
			return fmt.Errorf("%w: shard %d of %d", ErrBadAtomix, s, shards)
		}
		involved = involved || uint32(s) == shard
	}
	if !involved {
		return fmt.Errorf("%w: transaction does not involve shard %d", ErrBadAtomix, shard)
	}
	for _, out := range m.Tx.Outputs {
		if out.Kind == atomix.KindAccount && eds.ShardOf(ObjectAccount(out.Object), shards) != uint32(out.Shard) {
			return fmt.Errorf("%w: output account lives on shard %d", ErrBadAtomix, eds.ShardOf(ObjectAccount(out.Object), shards))
		}
	}
	return nil
}

// WriteProver is the state backend's optional capability the node needs
// to prove vote records: the commitment of the block at a backend version
// and a proof that its write set holds a key (state.Micro provides both).
type WriteProver interface {
	ProveWrite(version uint64, key []byte) (microstate.BlockCommit, microstate.WriteProof, error)
}

var _ WriteProver = (*state.Micro)(nil)

// VoteProof is atomix.Proof.Merkle in the example node: a block's
// commitment and the proof that its write set holds the vote record.
type VoteProof struct {
	Commit microstate.BlockCommit
	Write  microstate.WriteProof
}

// Encode returns p's RLP encoding.
func (p VoteProof) Encode() ([]byte, error) { return rlp.EncodeToBytes(p) }

// ErrBadVoteProof means a Merkle proof of a vote record that does not
// verify.
var ErrBadVoteProof = errors.New("chain: bad vote proof")

// WriteProofVerifier is atomix's ProofVerifier over microstate's
// per-block commitments: root is a block commitment, and the proof shows
// that the block's write set set key to value.
type WriteProofVerifier struct{}

var _ atomix.ProofVerifier = WriteProofVerifier{}

// VerifyMembership implements atomix.ProofVerifier.
func (WriteProofVerifier) VerifyMembership(root common.Hash, key, value, proof []byte) error {
	var p VoteProof
	if err := rlp.DecodeBytes(proof, &p); err != nil {
		return fmt.Errorf("%w: %v", ErrBadVoteProof, err)
	}
	if p.Commit.Commitment != root {
		return fmt.Errorf("%w: commitment %s, want %s", ErrBadVoteProof, p.Commit.Commitment, root)
	}
	if err := p.Commit.Verify(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadVoteProof, err)
	}
	if err := p.Write.Verify(p.Commit); err != nil {
		return fmt.Errorf("%w: %v", ErrBadVoteProof, err)
	}
	if p.Write.Write.Delete || string(p.Write.Write.Key) != string(key) || string(p.Write.Write.Value) != string(value) {
		return fmt.Errorf("%w: the proof is for another record", ErrBadVoteProof)
	}
	return nil
}
