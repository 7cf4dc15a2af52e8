package state

import (
	"context"
	"errors"
	"fmt"

	"github.com/iostkit/iostkit/microstate"
)

// Micro is the Backend over microstate's Store: the flat latest state for
// reads, one ApplyBlock per block (a per-block commitment, and a Micro
// State Block every MSB interval and at each epoch's end), ICS-23 proofs
// against the latest MSB, and proofs of a block's writes.
type Micro struct {
	s     *microstate.Store
	shard uint32
	quota *Quota // nil: unlimited
}

var (
	_ Backend = (*Micro)(nil)
	_ Prover  = (*Micro)(nil)
)

// KeepBlocks is how many of the latest block bodies (write sets) a node
// keeps whatever its Micro State Blocks: atomix proves a vote with its
// block's write set, and a vote may need a new certificate a few hundred
// heights later (after a partition, or an epoch change).
const KeepBlocks = 1024

// OpenMicro opens shard's microstate store in dir. kind is pebble,
// goleveldb or memdb. certs checks the certificates attached to Micro State
// Block headers; nil means none can be attached.
func OpenMicro(chainID uint64, shard uint32, kind, dir string, certs microstate.CertificateVerifier) (*Micro, error) {
	return OpenMicroLimited(chainID, shard, kind, dir, certs, nil)
}

// OpenMicroLimited is OpenMicro with every block's write set charged to
// quota before it is applied (see Quota); a nil quota is unlimited.
func OpenMicroLimited(chainID uint64, shard uint32, kind, dir string, certs microstate.CertificateVerifier, quota *Quota) (*Micro, error) {
	backend, ok := map[string]string{"pebble": microstate.BackendPebble, "goleveldb": microstate.BackendGoLevelDB, "memdb": microstate.BackendMemDB}[kind]
	if !ok {
		return nil, fmt.Errorf("state: unknown backend %q (pebble, goleveldb or memdb)", kind)
	}
	s, err := microstate.Open(context.Background(), microstate.Config{
		Dir: dir, Backend: backend, ChainID: fmt.Sprint(chainID), Shard: shard,
		KeepBlocks: KeepBlocks,
		Verifier:   certs,
	})
	if err != nil {
		return nil, err
	}
	return &Micro{s: s, shard: shard, quota: quota}, nil
}

// Store is the underlying microstate store.
func (m *Micro) Store() *microstate.Store { return m.s }

// Get implements Backend.
func (m *Micro) Get(key []byte) ([]byte, error) { return m.s.Get(key) }

// Commit implements Backend: one ApplyBlock at the next height.
func (m *Micro) Commit(meta Meta, writes []Write) ([]byte, error) {
	if err := m.quota.charge(fmt.Sprintf("shard %d state commit %d", m.shard, m.s.Height()+1), writesSize(writes)); err != nil {
		return nil, err
	}
	ws := make([]microstate.Write, len(writes))
	for i, w := range writes {
		ws[i] = microstate.Write{Key: w.Key, Value: w.Value, Delete: w.Delete}
	}
	res, err := m.s.ApplyBlock(context.Background(), microstate.BlockInfo{
		Height: m.s.Height() + 1, Epoch: meta.Epoch, EndOfEpoch: meta.EndOfEpoch,
	}, ws)
	if err != nil {
		return nil, err
	}
	return res.Block.Commitment.Bytes(), nil
}

// Root implements Backend: the last block commitment.
func (m *Micro) Root() []byte {
	if m.s.Height() == 0 {
		return nil
	}
	return m.s.Commitment().Bytes()
}

// Version implements Backend.
func (m *Micro) Version() int64 { return int64(m.s.Height()) }

// Close implements Backend.
func (m *Micro) Close() error { return m.s.Close() }

// Prove implements Prover: an ICS-23 proof against the latest Micro State
// Block.
func (m *Micro) Prove(key []byte) (Proof, error) {
	p, err := m.s.Prove(key, 0)
	if err != nil {
		return Proof{}, err
	}
	if p.Proof == nil {
		return Proof{}, errors.New("state: empty proof")
	}
	enc, err := p.Proof.Marshal()
	if err != nil {
		return Proof{}, err
	}
	return Proof{Key: p.Key, Value: p.Value, Root: p.Root, Version: int64(p.Height), Encoded: enc}, nil
}

// ProveWrite returns the commitment of the block at version and
// microstate's proof that its write set holds key.
func (m *Micro) ProveWrite(version uint64, key []byte) (microstate.BlockCommit, microstate.WriteProof, error) {
	b, err := m.s.Block(version)
	if err != nil {
		return microstate.BlockCommit{}, microstate.WriteProof{}, err
	}
	p, err := m.s.ProveWrite(version, key)
	if err != nil {
		return microstate.BlockCommit{}, microstate.WriteProof{}, err
	}
	return b.Commit, p, nil
}
