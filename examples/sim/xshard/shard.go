package xshard

import (
	"context"
	"errors"
	"fmt"

	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/microstate"
)

// Shard is one shard's atomix state machine over its own microstate store
// (memdb backend), executed block by block: Begin, then Lock and Step for
// what the block carries, then End, which ticks the machine and commits the
// block's writes, giving the commitment a vote's proof is built against.
// The machine is deterministic, so one Shard stands for every replica of the
// shard. It is not safe for concurrent use.
type Shard struct {
	id    uint32
	store *microstate.Store
	m     *atomix.Shard
	cur   *blockStore
	epoch uint64
}

// blockStore is atomix's Store: the working set of the block being
// executed, or the committed state between blocks (read only: atomix
// writes only from Step and Tick, inside blocks).
type blockStore struct {
	base *microstate.Store
	ws   *microstate.WorkingSet
}

func (b *blockStore) Get(k []byte) ([]byte, error) {
	if b.ws == nil {
		return b.base.Get(k)
	}
	return b.ws.Get(k)
}

func (b *blockStore) Set(k, v []byte) error {
	if b.ws == nil {
		return errNoBlock
	}
	return b.ws.Set(k, v)
}

var errNoBlock = errors.New("xshard: atomix state used outside a block")

// NewShard opens shard id's state (in memory) and its atomix machine,
// checking proofs with v, in epoch.
func NewShard(id uint32, v atomix.Verifier, epoch uint64) (*Shard, error) {
	store, err := microstate.Open(context.Background(), microstate.Config{
		Backend: microstate.BackendMemDB, ChainID: "iostkit-sim", Shard: id,
		// Vote proofs are write proofs against block commitments: no Micro
		// State Block is needed until an epoch ends.
		MSBInterval: -1,
	})
	if err != nil {
		return nil, fmt.Errorf("xshard: shard %d state: %w", id, err)
	}
	s := &Shard{id: id, store: store, cur: &blockStore{base: store}, epoch: epoch}
	s.m, err = atomix.NewShard(atomix.Config{ID: atomix.ShardID(id), Store: s.cur, Verifier: v, Epoch: epoch})
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	return s, nil
}

// ID is the shard.
func (s *Shard) ID() uint32 { return s.id }

// Epoch is the shard's current epoch.
func (s *Shard) Epoch() uint64 { return s.epoch }

// Sessions is the number of sessions the machine still tracks.
func (s *Shard) Sessions() int { return s.m.Sessions() }

// Begin starts executing the shard's next block.
func (s *Shard) Begin() { s.cur.ws = s.store.Begin() }

// Lock starts the atomic commit of tx, whose single input is a coin of
// value on this shard minted by this block (the escrow of the transfers it
// exports): the coin is created and the shard steps MsgLock, voting on
// session (tx, 1).
func (s *Shard) Lock(tx atomix.Tx) error {
	for _, in := range tx.Inputs {
		if in.Shard == atomix.ShardID(s.id) {
			if err := atomix.PutObject(s.cur, in.Object, atomix.NewCoin(in.Amount)); err != nil {
				return err
			}
		}
	}
	return s.m.Step(atomix.Message{Type: atomix.MsgLock, From: atomix.ShardID(s.id), Tx: tx, Attempt: 1})
}

// Step processes an atomix message the block carries.
func (s *Shard) Step(m atomix.Message) error { return s.m.Step(m) }

// End ticks the machine for the block, commits the block's writes and
// returns its commitment and what the machine asks for.
func (s *Shard) End() (microstate.BlockCommit, atomix.Ready, error) {
	s.m.Tick()
	ws := s.cur.ws
	s.cur.ws = nil
	res, err := s.store.Commit(context.Background(), ws, microstate.BlockInfo{Height: s.store.Height() + 1, Epoch: s.epoch})
	if err != nil {
		return microstate.BlockCommit{}, atomix.Ready{}, fmt.Errorf("xshard: shard %d commit: %w", s.id, err)
	}
	return res.Block, s.m.Ready(), nil
}

// Prove builds the Merkle proof of vote, written by the block of commit.
func (s *Shard) Prove(commit microstate.BlockCommit, vote atomix.Vote) ([]byte, error) {
	return ProveVote(s.store, commit, atomix.VoteKey(vote.Tx, vote.Attempt))
}

// Certified hands the machine the proof of one of its votes and returns
// what it asks for (the proof's messages to the other shards).
func (s *Shard) Certified(p atomix.Proof) (atomix.Ready, error) {
	if err := s.m.Certified(p); err != nil {
		return atomix.Ready{}, err
	}
	return s.m.Ready(), nil
}

// SetEpoch moves the machine to a later epoch.
func (s *Shard) SetEpoch(epoch uint64) {
	if epoch > s.epoch {
		s.epoch = epoch
		s.m.SetEpoch(epoch)
	}
}

// Close releases the shard's state.
func (s *Shard) Close() error { return s.store.Close() }
