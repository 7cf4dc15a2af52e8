package chain

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/iostkit/iostkit/token"
)

// ErrUnknownAccount means a transaction from an account the shard has never
// credited: it could not pay, so it is refused before it reaches the pool.
var ErrUnknownAccount = errors.New("chain: unknown account")

// ErrBadHeight means a block that does not follow the last committed one.
var ErrBadHeight = errors.New("chain: block does not follow the committed chain")

// Block is a finalized block as the shard stores it: what consensus
// finalized (Raw, the engine's encoding of block and certificate, which a
// syncing node verifies), the transactions it finalized in execution order,
// and their receipts.
type Block struct {
	Height   uint64
	Hash     common.Hash
	Parent   common.Hash
	Epoch    uint64
	TimeMs   uint64
	Txs      [][]byte
	Receipts []Receipt
	Raw      []byte
	// EndOfEpoch marks the last block of an epoch (not stored: the
	// backend learns it at commit).
	EndOfEpoch bool `rlp:"-"`
}

// meta keys live in the state itself, so the committed height moves
// atomically with the state it describes.
var (
	keyHeight = []byte("chain/height")
	keyHead   = []byte("chain/head")
)

// Shard is one shard's chain as a node holds it: committed state, mempool,
// finalized blocks and the cross-shard exports they produced. It is safe for
// concurrent use; Commit calls must come from one goroutine.
type Shard struct {
	Exec   Executor
	state  state.Backend
	blocks dbm.DB
	pool   *mempool.Pool

	mu      sync.RWMutex
	exports map[common.Hash]Export
}

// NewShard opens a shard over a state backend and a block store. A backend
// at version zero gets the shard's part of the genesis g as its first
// commit; otherwise the shard resumes at the height its state records.
func NewShard(exec Executor, backend state.Backend, blocks dbm.DB, pool *mempool.Pool, g Genesis) (*Shard, error) {
	s := &Shard{Exec: exec, state: backend, blocks: blocks, pool: pool, exports: map[common.Hash]Export{}}
	if backend.Version() == 0 {
		o := state.NewOverlay(backend)
		if err := g.Apply(o, exec.Shard, exec.Shards); err != nil {
			return nil, fmt.Errorf("shard %d genesis: %w", exec.Shard, err)
		}
		if _, err := backend.Commit(state.Meta{}, o.Writes()); err != nil {
			return nil, err
		}
	}
	// Rebuild the export index from stored blocks (exports are needed by
	// other shards' credits until they are applied).
	for h := uint64(1); h <= s.Height(); h++ {
		b, ok := s.Block(h)
		if !ok {
			break
		}
		for _, r := range b.Receipts {
			if r.Export != nil {
				s.exports[r.Export.TxHash] = *r.Export
			}
		}
	}
	return s, nil
}

// State is the shard's committed state backend.
func (s *Shard) State() state.Backend { return s.state }

// Pool is the shard's mempool.
func (s *Shard) Pool() *mempool.Pool { return s.pool }

// Ledger returns a read-only view of the committed ledger (writes to it are
// discarded).
func (s *Shard) Ledger() *token.Ledger {
	l, err := token.NewLedger(state.NewOverlay(s.state), token.Config{})
	if err != nil {
		panic(err) // the zero Config is always valid
	}
	return l
}

// Account returns the committed record of addr, or token.ErrUnknownAccount.
func (s *Shard) Account(addr common.Address) (token.Account, error) {
	return s.Ledger().Account(addr)
}

// Nonce returns the committed next nonce of addr.
func (s *Shard) Nonce(addr common.Address) uint64 {
	n, err := s.Ledger().Nonce(addr)
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
	s.Exec.Cache.Add(t)
	acct, err := s.Account(t.From())
	if errors.Is(err, token.ErrUnknownAccount) {
		return fmt.Errorf("%w: %s", ErrUnknownAccount, t.From())
	} else if err != nil {
		return err
	}
	if sum, err := token.Amount(t.Amount).Add(token.Amount(t.Fee)); err != nil || acct.Balance < sum {
		return fmt.Errorf("%w: balance %s, amount %s + fee %s", token.ErrInsufficientFunds, acct.Balance, token.Amount(t.Amount), token.Amount(t.Fee))
	}
	return s.pool.Add(t, acct.Nonce)
}

// Height is the height of the last committed block (0: only genesis).
func (s *Shard) Height() uint64 {
	b, err := s.state.Get(keyHeight)
	if err != nil || len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// Head is the hash of the last committed block (zero at genesis).
func (s *Shard) Head() common.Hash {
	b, _ := s.state.Get(keyHead)
	return common.BytesToHash(b)
}

func blockKey(h uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte("b/"), h)
}

// Block returns the committed block at height h.
func (s *Shard) Block(h uint64) (*Block, bool) {
	raw, err := s.blocks.Get(blockKey(h))
	if err != nil || raw == nil {
		return nil, false
	}
	var sb storedBlock
	if err := rlp.DecodeBytes(raw, &sb); err != nil {
		return nil, false
	}
	return sb.block(s.Exec), true
}

// Commit executes a finalized block at the next height and makes its writes
// the next state version. It returns ErrWait, having changed nothing, when a
// credit's source block is not yet known here.
func (s *Shard) Commit(b Block, check CreditCheck) (*Block, error) {
	if b.Height != s.Height()+1 {
		return nil, fmt.Errorf("%w: height %d, committed %d", ErrBadHeight, b.Height, s.Height())
	}
	o := state.NewOverlay(s.state)
	receipts, err := s.Exec.Execute(o, b.Txs, b.Height, check)
	if err != nil {
		return nil, err
	}
	b.Receipts = receipts
	if err := o.Set(keyHeight, binary.BigEndian.AppendUint64(nil, b.Height)); err != nil {
		return nil, err
	}
	if err := o.Set(keyHead, b.Hash.Bytes()); err != nil {
		return nil, err
	}
	// Block first, then state: a crash in between leaves a stored block
	// above the committed height, which the next commit overwrites.
	enc, err := rlp.EncodeToBytes(newStored(&b))
	if err != nil {
		return nil, err
	}
	if err := s.blocks.SetSync(blockKey(b.Height), enc); err != nil {
		return nil, err
	}
	if _, err := s.state.Commit(state.Meta{Epoch: b.Epoch, EndOfEpoch: b.EndOfEpoch}, o.Writes()); err != nil {
		return nil, fmt.Errorf("shard %d commit %d: %w", s.Exec.Shard, b.Height, err)
	}
	var senders []common.Address
	s.mu.Lock()
	for _, r := range receipts {
		if r.Export != nil {
			s.exports[r.Export.TxHash] = *r.Export
		}
		if r.Sender != (common.Address{}) {
			senders = append(senders, r.Sender)
		}
	}
	s.mu.Unlock()
	s.pool.Committed(s.Nonce, senders...)
	return &b, nil
}

// ExportOf returns the finalized export of transaction h.
func (s *Shard) ExportOf(h common.Hash) (Export, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	x, ok := s.exports[h]
	return x, ok
}

// Credited reports whether the credit of c is applied in committed state.
func (s *Shard) Credited(c Credit) bool {
	v, err := s.state.Get(CreditKey(c))
	return err == nil && v != nil
}

// Close closes the state backend and the block store.
func (s *Shard) Close() error {
	return errors.Join(s.state.Close(), s.blocks.Close())
}

// storedBlock is the RLP form of a Block with its receipts' outcomes.
type storedBlock struct {
	Height uint64
	Hash   common.Hash
	Parent common.Hash
	Epoch  uint64
	TimeMs uint64
	Txs    [][]byte
	OK     []bool
	Errs   []string
	Raw    []byte
}

func newStored(b *Block) storedBlock {
	sb := storedBlock{Height: b.Height, Hash: b.Hash, Parent: b.Parent, Epoch: b.Epoch, TimeMs: b.TimeMs, Txs: b.Txs, Raw: b.Raw}
	for _, r := range b.Receipts {
		sb.OK = append(sb.OK, r.OK)
		sb.Errs = append(sb.Errs, r.Err)
	}
	return sb
}

// block rebuilds the receipts' derived fields (sender, export, credit)
// from the transactions, which determine them.
func (sb storedBlock) block(e Executor) *Block {
	b := &Block{Height: sb.Height, Hash: sb.Hash, Parent: sb.Parent, Epoch: sb.Epoch, TimeMs: sb.TimeMs, Txs: sb.Txs, Raw: sb.Raw}
	for i, raw := range sb.Txs {
		r := Receipt{Hash: crypto.Keccak256Hash(raw)}
		if i < len(sb.OK) {
			r.OK, r.Err = sb.OK[i], sb.Errs[i]
		}
		if c, err := DecodeCredit(raw); err == nil {
			r.Credit = &c
		} else if t, err := txn.Decode(raw); err == nil {
			r.Sender = t.From()
			if to := eds.ShardOf(t.To, e.Shards); r.OK && to != e.Shard {
				r.Export = &Export{
					Credit:  Credit{FromShard: e.Shard, FromHeight: sb.Height, TxHash: r.Hash, To: t.To, Amount: t.Amount},
					ToShard: to, Sender: t.From(),
				}
			}
		}
		b.Receipts = append(b.Receipts, r)
	}
	return b
}

// Exports lists every finalized export of this shard known to the node.
func (s *Shard) Exports() []Export {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Export, 0, len(s.exports))
	for _, x := range s.exports {
		out = append(out, x)
	}
	return out
}
