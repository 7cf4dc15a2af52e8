package chain

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/atomix"
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
	// Cross is what executing the block asked of the node for atomix (not
	// stored).
	Cross CrossReady `rlp:"-"`
	// EndOfEpoch marks the last block of an epoch (not stored: the
	// backend learns it at commit).
	EndOfEpoch bool `rlp:"-"`
}

// meta keys live in the state itself, so the committed height moves
// atomically with the state it describes.
var (
	keyHeight = []byte("chain/height")
	keyHead   = []byte("chain/head")
	keyEpoch  = []byte("chain/epoch")
)

// Shard is one shard's chain as a node holds it: committed state, mempool,
// finalized blocks, and the shard's atomix machine for cross-shard
// transfers. It is safe for concurrent use; Commit calls must come from one
// goroutine.
type Shard struct {
	Exec     Executor
	state    state.Backend
	blocks   dbm.DB
	pool     *mempool.Pool
	x        *cross
	verifier atomix.Verifier
}

// NewShard opens a shard over a state backend and a block store. A backend
// at version zero gets the shard's part of the genesis g as its first
// commit; otherwise the shard resumes at the height its state records.
// verifier checks other shards' atomix proofs. A zero verifier (no Certs) leaves atomix out: the shard then
// refuses cross-shard transfers at execution.
func NewShard(exec Executor, backend state.Backend, blocks dbm.DB, pool *mempool.Pool, g Genesis, verifier atomix.Verifier) (*Shard, error) {
	s := &Shard{Exec: exec, state: backend, blocks: blocks, pool: pool, verifier: verifier}
	if backend.Version() == 0 {
		o := state.NewOverlay(backend)
		if err := g.Apply(o, exec.Shard, exec.Shards); err != nil {
			return nil, fmt.Errorf("shard %d genesis: %w", exec.Shard, err)
		}
		if _, err := backend.Commit(state.Meta{}, o.Writes()); err != nil {
			return nil, err
		}
	}
	if err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload rebuilds what the shard derives from its committed state (the
// atomix machine): after a fast sync replaced the state with a snapshot.
func (s *Shard) Reload() error {
	if s.verifier.Certs == nil {
		return nil
	}
	var epoch uint64
	if raw, err := s.state.Get(keyEpoch); err != nil {
		return err
	} else if len(raw) == 8 {
		epoch = binary.BigEndian.Uint64(raw)
	}
	x, err := newCross(s.Exec.Shard, s.state, s.verifier, epoch)
	if err != nil {
		return err
	}
	s.x = x
	return nil
}

// StoreHistory stores a finalized block at or below the committed height
// without executing it: a node that fast-synced its state from a snapshot
// fetches the blocks its consensus engine needs as history. Receipts are
// not known for such blocks.
func (s *Shard) StoreHistory(b Block) error {
	if b.Height == 0 || b.Height > s.Height() {
		return fmt.Errorf("%w: history block %d above the committed height %d", ErrBadHeight, b.Height, s.Height())
	}
	enc, err := rlp.EncodeToBytes(newStored(&b))
	if err != nil {
		return err
	}
	return s.blocks.SetSync(blockKey(b.Height), enc)
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
// the next state version. The returned block's Cross holds what its atomix
// machine asks of the node (messages for other shards, votes to certify).
func (s *Shard) Commit(b Block) (*Block, error) {
	if b.Height != s.Height()+1 {
		return nil, fmt.Errorf("%w: height %d, committed %d", ErrBadHeight, b.Height, s.Height())
	}
	o := state.NewOverlay(s.state)
	if s.x != nil {
		s.x.mu.Lock()
		defer s.x.mu.Unlock()
		s.x.begin(o, b.Epoch)
	}
	receipts, err := s.Exec.execute(o, b.Txs, b.Height, b.Epoch, s.x, &b.Cross)
	if err != nil {
		return nil, err
	}
	if s.x != nil {
		if err := s.x.end(o, b.Height, &b.Cross); err != nil {
			return nil, err
		}
	}
	b.Receipts = receipts
	if err := o.Set(keyHeight, binary.BigEndian.AppendUint64(nil, b.Height)); err != nil {
		return nil, err
	}
	if err := o.Set(keyHead, b.Hash.Bytes()); err != nil {
		return nil, err
	}
	if err := o.Set(keyEpoch, binary.BigEndian.AppendUint64(nil, b.Epoch)); err != nil {
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
	for _, r := range receipts {
		if r.Sender != (common.Address{}) {
			senders = append(senders, r.Sender)
		}
	}
	s.pool.Committed(s.Nonce, senders...)
	// A transfer that failed at its own nonce (insufficient funds, say)
	// left the nonce where it was and would fail again in every block it
	// were offered for: the pool lets it go, and its sender may send it
	// again. One that failed on a nonce still ahead waits for its
	// predecessor; one below the nonce went with Committed.
	for _, r := range receipts {
		if r.OK || r.Sender == (common.Address{}) {
			continue
		}
		if t, ok := s.pool.Get(r.Hash); ok && t.Nonce == s.Nonce(r.Sender) {
			s.pool.Remove(t)
		}
	}
	return &b, nil
}

// Certified hands the shard's atomix machine the proof of one of its
// votes; what it then asks of the node comes out of TakeCross.
func (s *Shard) Certified(p atomix.Proof) error {
	if s.x == nil {
		return ErrNoCross
	}
	return s.x.certified(p)
}

// TakeCross returns and clears what the atomix machine asked of the node
// outside blocks: at open (sessions pending at a restart) and after
// Certified.
func (s *Shard) TakeCross() CrossReady {
	if s.x == nil {
		return CrossReady{}
	}
	return s.x.take()
}

// ProveVote builds the Merkle part of an atomix proof: that the block at
// height wrote the vote record, against the block's commitment.
func (s *Shard) ProveVote(height uint64, v atomix.Vote) (root common.Hash, proof []byte, err error) {
	wp, ok := s.state.(WriteProver)
	if !ok {
		return common.Hash{}, nil, fmt.Errorf("%w: the state backend proves no writes", ErrNoCross)
	}
	// The backend counts the genesis commit as its first version, so block
	// h is version h + (version − height).
	version := height + uint64(s.state.Version()) - s.Height()
	c, w, err := wp.ProveWrite(version, atomix.VoteKey(v.Tx, v.Attempt))
	if err != nil {
		return common.Hash{}, nil, err
	}
	if !bytes.Equal(w.Write.Value, v.Encode()) {
		return common.Hash{}, nil, fmt.Errorf("%w: block %d wrote another vote record", ErrBadVoteProof, height)
	}
	enc, err := VoteProof{Commit: c, Write: w}.Encode()
	return c.Commitment, enc, err
}

// Sessions is the number of cross-shard sessions the shard's atomix
// machine still tracks.
func (s *Shard) Sessions() int {
	if s.x == nil {
		return 0
	}
	s.x.mu.Lock()
	defer s.x.mu.Unlock()
	return s.x.m.Sessions()
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
	// Credits are the cross-shard credits the block's atomix messages
	// applied, by transaction index.
	Credits []storedCredit `rlp:"optional"`
}

type storedCredit struct {
	Index  uint64
	Credit Credit
}

func newStored(b *Block) storedBlock {
	sb := storedBlock{Height: b.Height, Hash: b.Hash, Parent: b.Parent, Epoch: b.Epoch, TimeMs: b.TimeMs, Txs: b.Txs, Raw: b.Raw}
	for i, r := range b.Receipts {
		sb.OK = append(sb.OK, r.OK)
		sb.Errs = append(sb.Errs, r.Err)
		if r.Credit != nil {
			sb.Credits = append(sb.Credits, storedCredit{Index: uint64(i), Credit: *r.Credit})
		}
	}
	return sb
}

// block rebuilds the receipts' derived fields (sender, export) from the
// transactions, which determine them, and the credits from the record.
func (sb storedBlock) block(e Executor) *Block {
	b := &Block{Height: sb.Height, Hash: sb.Hash, Parent: sb.Parent, Epoch: sb.Epoch, TimeMs: sb.TimeMs, Txs: sb.Txs, Raw: sb.Raw}
	for i, raw := range sb.Txs {
		r := Receipt{Hash: crypto.Keccak256Hash(raw)}
		if i < len(sb.OK) {
			r.OK, r.Err = sb.OK[i], sb.Errs[i]
		}
		if IsAtomix(raw) {
			b.Receipts = append(b.Receipts, r)
			continue
		}
		if t, err := txn.Decode(raw); err == nil {
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
	for _, c := range sb.Credits {
		if c.Index < uint64(len(b.Receipts)) {
			cr := c.Credit
			b.Receipts[c.Index].Credit = &cr
		}
	}
	return b
}
