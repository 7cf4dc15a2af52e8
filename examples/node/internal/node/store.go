package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/iostkit/iostkit/microstate"
)

// microBackend adapts microstate's Store to the node's state.Backend: the
// flat latest state for reads, one ApplyBlock per block (a per-block
// commitment, and a Micro State Block every MSB interval and at each
// epoch's end), and ICS-23 proofs against the latest MSB.
type microBackend struct {
	s *microstate.Store
}

var (
	_ state.Backend = (*microBackend)(nil)
	_ state.Prover  = (*microBackend)(nil)
)

// openState opens shard s's microstate store in dir. kind is pebble,
// goleveldb or memdb.
func openState(chainID uint64, shard uint32, kind, dir string) (state.Backend, error) {
	backend := map[string]string{"pebble": microstate.BackendPebble, "goleveldb": microstate.BackendGoLevelDB, "memdb": microstate.BackendMemDB}[kind]
	s, err := microstate.Open(context.Background(), microstate.Config{
		Dir: dir, Backend: backend, ChainID: fmt.Sprint(chainID), Shard: shard,
	})
	if err != nil {
		return nil, err
	}
	return &microBackend{s: s}, nil
}

func (m *microBackend) Get(key []byte) ([]byte, error) { return m.s.Get(key) }

func (m *microBackend) Commit(meta state.Meta, writes []state.Write) ([]byte, error) {
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

func (m *microBackend) Root() []byte {
	if m.s.Height() == 0 {
		return nil
	}
	return m.s.Commitment().Bytes()
}

func (m *microBackend) Version() int64 { return int64(m.s.Height()) }

func (m *microBackend) Close() error { return m.s.Close() }

// Prove proves key against the latest Micro State Block.
func (m *microBackend) Prove(key []byte) (state.Proof, error) {
	p, err := m.s.Prove(key, 0)
	if err != nil {
		return state.Proof{}, err
	}
	if p.Proof == nil {
		return state.Proof{}, errors.New("node: empty proof")
	}
	enc, err := p.Proof.Marshal()
	if err != nil {
		return state.Proof{}, err
	}
	return state.Proof{Key: p.Key, Value: p.Value, Root: p.Root, Version: int64(p.Height), Encoded: enc}, nil
}
