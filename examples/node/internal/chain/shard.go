package chain

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/iostkit/iostkit/token"
)

// ErrUnknownAccount means a transaction from an account the shard has never
// credited: it could not pay, so it is refused before it reaches the pool.
var ErrUnknownAccount = errors.New("chain: unknown account")

// Shard is one shard's chain as a node holds it: committed state, mempool,
// finalized blocks and the cross-shard exports they produced. It is safe for
// concurrent use.
type Shard struct {
	Exec  Executor
	state state.Backend
	pool  *mempool.Pool

	mu      sync.RWMutex
	blocks  []*Block // blocks[h-1] is the finalized block at height h
	exports []Export // exports of finalized blocks, in order
}

// NewShard opens a shard over a backend. A backend at version zero gets the
// shard's part of the genesis g as its first commit.
func NewShard(exec Executor, backend state.Backend, pool *mempool.Pool, g token.GenesisConfig) (*Shard, error) {
	s := &Shard{Exec: exec, state: backend, pool: pool}
	if backend.Version() == 0 {
		o := state.NewOverlay(backend)
		if err := ApplyGenesis(o, g, exec.Shard, exec.Shards); err != nil {
			return nil, fmt.Errorf("shard %d genesis: %w", exec.Shard, err)
		}
		if _, err := backend.Commit(o.Writes()); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// State is the shard's committed state backend.
func (s *Shard) State() state.Backend { return s.state }

// Pool is the shard's mempool.
func (s *Shard) Pool() *mempool.Pool { return s.pool }

func (s *Shard) ledger() *token.Ledger {
	l, err := token.NewLedger(state.NewOverlay(s.state), token.Config{})
	if err != nil {
		panic(err) // the zero Config is always valid
	}
	return l
}

// Account returns the committed record of addr, or token.ErrUnknownAccount.
func (s *Shard) Account(addr common.Address) (token.Account, error) {
	return s.ledger().Account(addr)
}

// Nonce returns the committed next nonce of addr.
func (s *Shard) Nonce(addr common.Address) uint64 {
	n, err := s.ledger().Nonce(addr)
	if err != nil {
		return 0
	}
	return n
}

// Submit checks t against the committed state and queues it.
func (s *Shard) Submit(t *txn.Tx) error {
	if err := s.Exec.Check(t); err != nil {
		return err
	}
	acct, err := s.Account(t.From())
	if errors.Is(err, token.ErrUnknownAccount) {
		return fmt.Errorf("%w: %s", ErrUnknownAccount, t.From())
	} else if err != nil {
		return err
	}
	if acct.Balance < token.Amount(t.Amount) {
		return fmt.Errorf("%w: balance %s, amount %s", token.ErrInsufficientFunds, acct.Balance, token.Amount(t.Amount))
	}
	return s.pool.Add(t, acct.Nonce)
}

// Height is the height of the last finalized block (0: only genesis).
func (s *Shard) Height() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return uint64(len(s.blocks))
}

// Block returns the finalized block at height h.
func (s *Shard) Block(h uint64) (*Block, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if h == 0 || h > uint64(len(s.blocks)) {
		return nil, false
	}
	return s.blocks[h-1], true
}

// Head returns the hash of the last finalized block (zero at genesis).
func (s *Shard) Head() common.Hash {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.blocks) == 0 {
		return common.Hash{}
	}
	return s.blocks[len(s.blocks)-1].Hash()
}

// Propose builds the next block from the pool and the given credits,
// keeping only what executes. Transactions that fail are dropped from the
// pool.
func (s *Shard) Propose(proposer string, epoch, timeMs uint64, credits []Credit) *Block {
	h := s.Height() + 1
	o := state.NewOverlay(s.state)
	var body Body
	for _, t := range s.pool.Pending(MaxBlockTxs, s.Nonce) {
		m := o.Mark()
		if _, err := s.Exec.ApplyTx(o, t, h); err != nil {
			o.Revert(m)
			s.pool.Remove(t)
			continue
		}
		body.Txs = append(body.Txs, t.Bytes())
	}
	for _, c := range credits {
		m := o.Mark()
		if err := s.Exec.ApplyCredit(o, c); err != nil {
			o.Revert(m)
			continue
		}
		body.Credits = append(body.Credits, c)
	}
	return &Block{
		Header: Header{
			ChainID: s.Exec.ChainID, Shard: s.Exec.Shard, Height: h, Epoch: epoch,
			Parent: s.Head(), StateRoot: s.state.Root(), BodyHash: body.Hash(),
			Proposer: proposer, TimeMs: timeMs,
		},
		Body: body,
	}
}

// Verify checks that b extends the finalized chain and executes.
func (s *Shard) Verify(b *Block) error {
	if err := s.checkHeader(b); err != nil {
		return err
	}
	_, err := s.Exec.ExecuteBody(s.state, b.Body, b.Header.Height)
	return err
}

func (s *Shard) checkHeader(b *Block) error {
	hd := b.Header
	switch {
	case hd.ChainID != s.Exec.ChainID:
		return fmt.Errorf("%w: chain id %d", ErrBadBlock, hd.ChainID)
	case hd.Shard != s.Exec.Shard:
		return fmt.Errorf("%w: shard %d", ErrBadBlock, hd.Shard)
	case hd.Height != s.Height()+1:
		return fmt.Errorf("%w: height %d, expected %d", ErrBadBlock, hd.Height, s.Height()+1)
	case hd.Parent != s.Head():
		return fmt.Errorf("%w: parent %s", ErrBadBlock, hd.Parent)
	case !bytes.Equal(hd.StateRoot, s.state.Root()):
		return fmt.Errorf("%w: state root mismatch at height %d", ErrBadBlock, hd.Height)
	case b.Body.Hash() != hd.BodyHash:
		return fmt.Errorf("%w: body hash", ErrBadBlock)
	}
	return nil
}

// Commit executes a finalized block and makes its writes the next state
// version. It returns the block's exports.
func (s *Shard) Commit(b *Block) ([]Export, error) {
	if err := s.checkHeader(b); err != nil {
		return nil, err
	}
	res, err := s.Exec.ExecuteBody(s.state, b.Body, b.Header.Height)
	if err != nil {
		return nil, err
	}
	if _, err := s.state.Commit(res.Writes); err != nil {
		return nil, fmt.Errorf("shard %d commit %d: %w", s.Exec.Shard, b.Header.Height, err)
	}
	s.mu.Lock()
	s.blocks = append(s.blocks, b)
	s.exports = append(s.exports, res.Exports...)
	s.mu.Unlock()
	s.pool.Committed(s.Nonce, res.Senders...)
	return res.Exports, nil
}

// Exports returns the exports of finalized blocks from index i on, and the
// next index.
func (s *Shard) Exports(i int) ([]Export, int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i >= len(s.exports) {
		return nil, len(s.exports)
	}
	return append([]Export(nil), s.exports[i:]...), len(s.exports)
}

// Credited reports whether the credit of c is applied in committed state.
func (s *Shard) Credited(c Credit) bool {
	v, err := s.state.Get(CreditKey(c))
	return err == nil && v != nil
}
