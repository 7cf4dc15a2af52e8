package microstate

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
)

// Keys of the state database. Everything that must change together with a
// block (its flat-state writes, its body, the meta record) is written in one
// synced batch, so a crash leaves either all of it or none.
var (
	keyMeta      = []byte("m")
	prefixFlat   = byte('f') // f ‖ gen ‖ key → value: the latest state
	prefixBlock  = byte('b') // b ‖ height → Block
	prefixHeader = byte('h') // h ‖ number → Header
	prefixCert   = byte('c') // c ‖ number → certificate
)

const stateDBName = "state"

func u64key(prefix byte, n uint64) []byte {
	k := make([]byte, 9)
	k[0] = prefix
	binary.BigEndian.PutUint64(k[1:], n)
	return k
}

func flatPrefix(gen uint64) []byte { return u64key(prefixFlat, gen) }

func flatKey(gen uint64, key []byte) []byte {
	k := make([]byte, 9, 9+len(key))
	k[0] = prefixFlat
	binary.BigEndian.PutUint64(k[1:], gen)
	return append(k, key...)
}

// meta is the store's commit point: the state database says which block
// the flat state reflects and which MSB is the latest.
type meta struct {
	Gen        uint64 // generation of the flat state (a snapshot import starts a new one)
	Height     uint64
	Epoch      uint64
	EndOfEpoch bool
	Commitment common.Hash
	MSB        uint64 // number of the latest MSB, 0 if none
	MSBHash    common.Hash
	MSBHeight  uint64
}

// crashPoint marks the steps between which a crash leaves different
// things on disk. It does nothing, except in the child process of the crash
// tests, which sets crashHook to kill itself at a chosen step.
func crashPoint(step string) {
	if crashHook != nil {
		crashHook(step)
	}
}

// crashHook is nil outside the crash tests.
var crashHook func(step string)

// Result is what committing a block produces: its commitment and, when the
// block closed an MSB interval or an epoch, the new MSB header.
type Result struct {
	Block BlockCommit
	MSB   *Header
}

// Store is a shard's versioned state: the latest state for reads and writes,
// a commitment per block, and an IAVL tree per Micro State Block for proofs
// and snapshots. It is safe for concurrent use; commits are serialized.
type Store struct {
	cfg Config

	// commit serializes everything that changes the state (commits, MSB
	// builds, imports); mu guards the fields below for readers, and is held
	// for writing only for short swaps, so reads go on during an MSB build.
	commit sync.Mutex
	mu     sync.RWMutex
	db     dbm.DB
	meta   meta
	last   *Header // latest MSB header
	trees  map[uint64]*msbTree
	closed bool

	importing bool
}

// Open opens the store in cfg.Dir, creating it if needed, and recovers from
// any crash: an interrupted MSB build is redone from the flat state (it is a
// deterministic function of it), partial trees, staged imports and pruned
// leftovers are removed.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	db, err := openDB(stateDBName, cfg.Backend, cfg.Dir)
	if err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, db: db, trees: map[uint64]*msbTree{}}
	if err := s.recover(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) recover(ctx context.Context) error {
	raw, err := s.db.Get(keyMeta)
	if err != nil {
		return fmt.Errorf("microstate: read meta: %w", err)
	}
	if raw == nil {
		s.meta = meta{Gen: 1}
	} else if err := rlp.DecodeBytes(raw, &s.meta); err != nil {
		return fmt.Errorf("%w: meta: %v", ErrCorrupt, err)
	}
	if s.meta.MSB > 0 {
		h, err := s.header(s.meta.MSB)
		if err != nil {
			return err
		}
		s.last = &h
	}
	if err := s.dropOtherGens(); err != nil {
		return err
	}
	if err := s.dropStrayTrees(); err != nil {
		return err
	}
	if s.cfg.Backend != BackendMemDB {
		if err := sweepTrash(s.cfg.Dir); err != nil {
			return fmt.Errorf("microstate: sweep %s: %w", s.cfg.Dir, err)
		}
	}
	for n := s.oldestKept(); n >= 1 && n <= s.meta.MSB; n++ {
		if s.cfg.Backend == BackendMemDB {
			break
		}
		if _, err := os.Stat(s.treePath(n)); err != nil {
			continue // pruned, or never built here (fast sync)
		}
		t, err := openTree(s.cfg, n)
		if err != nil {
			return err
		}
		s.trees[n] = t
	}
	if s.msbDue() {
		if _, err := s.buildMSB(ctx); err != nil {
			return err
		}
	}
	return s.prune()
}

func (s *Store) treePath(n uint64) string {
	return s.cfg.Dir + string(os.PathSeparator) + treeName(n) + ".db"
}

// oldestKept is the number of the oldest MSB whose tree is kept.
func (s *Store) oldestKept() uint64 {
	if s.meta.MSB < uint64(s.cfg.KeepMSBs) {
		return 1
	}
	return s.meta.MSB - uint64(s.cfg.KeepMSBs) + 1
}

// dropOtherGens deletes flat-state keys of any generation but the current
// one: left by an import that crashed or was aborted, or by the cleanup
// after a committed import.
func (s *Store) dropOtherGens() error {
	if err := s.deleteRange([]byte{prefixFlat}, flatPrefix(s.meta.Gen)); err != nil {
		return err
	}
	return s.deleteRange(flatPrefix(s.meta.Gen+1), []byte{prefixFlat + 1})
}

// dropStrayTrees removes tree databases of MSBs newer than the latest
// (a build interrupted by a crash) or older than the kept ones.
func (s *Store) dropStrayTrees() error {
	if s.cfg.Backend == BackendMemDB {
		return nil
	}
	entries, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return fmt.Errorf("microstate: list %s: %w", s.cfg.Dir, err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".db")
		if !ok || !strings.HasPrefix(name, "msb-") {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimPrefix(name, "msb-"), 10, 64)
		if err != nil {
			continue
		}
		if n > s.meta.MSB || n < s.oldestKept() {
			if err := removeDB(name, s.cfg.Backend, s.cfg.Dir); err != nil {
				return fmt.Errorf("microstate: remove %s: %w", name, err)
			}
		}
	}
	return nil
}

// deleteRange deletes every key in [start, end) in batches.
func (s *Store) deleteRange(start, end []byte) error {
	for {
		it, err := s.db.Iterator(start, end)
		if err != nil {
			return fmt.Errorf("microstate: iterate: %w", err)
		}
		b := s.db.NewBatch()
		n := 0
		for ; it.Valid() && n < 10_000; it.Next() {
			if err := b.Delete(bytes.Clone(it.Key())); err != nil {
				_ = it.Close()
				_ = b.Close()
				return err
			}
			n++
		}
		err = it.Error()
		_ = it.Close()
		if err == nil && n > 0 {
			err = b.Write()
		}
		_ = b.Close()
		if err != nil {
			return fmt.Errorf("microstate: delete range: %w", err)
		}
		if n < 10_000 {
			return nil
		}
	}
}

// Close releases the databases. Committed blocks are already durable.
func (s *Store) Close() error {
	s.commit.Lock()
	defer s.commit.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	for n, t := range s.trees {
		errs = append(errs, t.close())
		delete(s.trees, n)
	}
	errs = append(errs, s.db.Close())
	return errors.Join(errs...)
}

// Height is the height of the last committed block (0 before the first).
func (s *Store) Height() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.meta.Height
}

// Epoch is the epoch of the last committed block.
func (s *Store) Epoch() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.meta.Epoch
}

// Commitment is the commitment of the last committed block (zero before
// the first).
func (s *Store) Commitment() common.Hash {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.meta.Commitment
}

// Get returns the committed value of key, or (nil, nil) if it has none.
func (s *Store) Get(key []byte) ([]byte, error) {
	if len(key) == 0 {
		return nil, ErrEmptyKey
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	v, err := s.db.Get(flatKey(s.meta.Gen, key))
	if err != nil {
		return nil, fmt.Errorf("microstate: get: %w", err)
	}
	return v, nil
}

// Iterate calls fn for every committed key in [start, end) in order (nil
// bounds are open) until fn returns false. fn must not call the store.
func (s *Store) Iterate(start, end []byte, fn func(key, value []byte) bool) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	lo, hi := flatPrefix(s.meta.Gen), flatPrefix(s.meta.Gen+1)
	if start != nil {
		lo = flatKey(s.meta.Gen, start)
	}
	if end != nil {
		hi = flatKey(s.meta.Gen, end)
	}
	it, err := s.db.Iterator(lo, hi)
	if err != nil {
		return err
	}
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if !fn(it.Key()[9:], it.Value()) {
			break
		}
	}
	return it.Error()
}

// ApplyBlock commits one block's writes as the next height, atomically and
// durably, and builds an MSB if the block closes an interval or an epoch.
// Writes may come in any order and repeat a key (the last one wins).
// Readers see the block as soon as it is durable, which is before
// ApplyBlock returns when an MSB is built: a caller that publishes more
// about the block (an index of it, say) after ApplyBlock returns should
// publish it before, or not rely on the state's height to tell it is there.
func (s *Store) ApplyBlock(ctx context.Context, info BlockInfo, writes []Write) (Result, error) {
	ws, err := normalize(writes)
	if err != nil {
		return Result{}, err
	}
	s.commit.Lock()
	defer s.commit.Unlock()
	return s.apply(ctx, info, ws, nil)
}

// Replay applies a stored block (from a peer, during fast sync) and checks
// that it reproduces the block's recorded commitment before committing it.
func (s *Store) Replay(ctx context.Context, b Block) (Result, error) {
	ws, err := normalize(b.Writes)
	if err != nil {
		return Result{}, err
	}
	s.commit.Lock()
	defer s.commit.Unlock()
	c := b.Commit
	want := c.Commitment
	return s.apply(ctx, BlockInfo{Height: c.Height, Epoch: c.Epoch, EndOfEpoch: c.EndOfEpoch}, ws, &want)
}

// apply runs under s.commit; ws is normalized.
func (s *Store) apply(ctx context.Context, info BlockInfo, ws []Write, want *common.Hash) (Result, error) {
	if s.closed {
		return Result{}, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if s.msbDue() { // an earlier MSB build failed: finish it first
		if _, err := s.buildMSB(ctx); err != nil {
			return Result{}, err
		}
	}
	if info.Height != s.meta.Height+1 {
		return Result{}, fmt.Errorf("%w: height %d after %d", ErrBadBlock, info.Height, s.meta.Height)
	}
	if info.Epoch < s.meta.Epoch {
		return Result{}, fmt.Errorf("%w: epoch %d after %d", ErrBadBlock, info.Epoch, s.meta.Epoch)
	}
	bc := BlockCommit{
		ChainID:    s.cfg.ChainID,
		Shard:      s.cfg.Shard,
		Height:     info.Height,
		Epoch:      info.Epoch,
		EndOfEpoch: info.EndOfEpoch,
		Prev:       s.meta.Commitment,
		MSB:        s.meta.MSBHash,
		WriteRoot:  writeRoot(ws),
		Writes:     uint64(len(ws)),
	}
	bc.Commitment = bc.compute()
	if want != nil && *want != bc.Commitment {
		return Result{}, fmt.Errorf("%w: block %d: replay gives %x, recorded %x", ErrCommitmentMismatch, info.Height, bc.Commitment, *want)
	}
	body, err := rlp.EncodeToBytes(&Block{Commit: bc, Writes: ws})
	if err != nil {
		return Result{}, fmt.Errorf("microstate: encode block: %w", err)
	}
	m := s.meta
	m.Height, m.Epoch, m.EndOfEpoch, m.Commitment = info.Height, info.Epoch, info.EndOfEpoch, bc.Commitment
	mraw, err := rlp.EncodeToBytes(&m)
	if err != nil {
		return Result{}, err
	}
	b := s.db.NewBatch()
	defer b.Close()
	for _, w := range ws {
		k := flatKey(m.Gen, w.Key)
		if w.Delete {
			err = b.Delete(k)
		} else {
			err = b.Set(k, w.Value)
		}
		if err != nil {
			return Result{}, fmt.Errorf("microstate: batch: %w", err)
		}
	}
	if err := b.Set(u64key(prefixBlock, info.Height), body); err != nil {
		return Result{}, err
	}
	if err := b.Set(keyMeta, mraw); err != nil {
		return Result{}, err
	}
	// Pebble makes a batch visible to readers before its WAL sync is done,
	// so a reader could see a block that a kill -9 then takes back (the
	// node served a height it lost on restart: reliability finding 7).
	// Every read goes through s.mu, so the batch is written under the write
	// lock: a block is visible only once it is durable.
	s.mu.Lock()
	err = b.WriteSync()
	if err == nil {
		s.meta = m
	}
	s.mu.Unlock()
	if err != nil {
		return Result{}, fmt.Errorf("microstate: commit block %d: %w", info.Height, err)
	}
	crashPoint("block")
	res := Result{Block: bc}
	if s.msbDue() {
		h, err := s.buildMSB(ctx)
		if err != nil {
			// The block is committed; the MSB is retried by the next
			// commit or Open.
			return res, fmt.Errorf("block %d committed, MSB pending: %w", info.Height, err)
		}
		res.MSB = &h
	}
	return res, nil
}

// msbDue reports whether the last committed block calls for an MSB that is
// not built yet.
func (s *Store) msbDue() bool {
	m := s.meta
	if m.Height == 0 || m.MSBHeight >= m.Height {
		return false
	}
	return m.EndOfEpoch || (s.cfg.MSBInterval > 0 && m.Height%uint64(s.cfg.MSBInterval) == 0)
}

// buildMSB builds the tree of the next MSB from the flat state, records its
// header and prunes. Runs under s.commit (or in Open).
func (s *Store) buildMSB(ctx context.Context) (Header, error) {
	number := s.meta.MSB + 1
	lo, hi := flatPrefix(s.meta.Gen), flatPrefix(s.meta.Gen+1)
	n, err := s.countRange(lo, hi)
	if err != nil {
		return Header{}, err
	}
	tw, err := newTreeWriter(s.cfg, number, n)
	if err != nil {
		return Header{}, err
	}
	it, err := s.db.Iterator(lo, hi)
	if err != nil {
		tw.abort()
		return Header{}, err
	}
	i := 0
	for ; it.Valid(); it.Next() {
		if i++; i%65536 == 0 {
			if err := ctx.Err(); err != nil {
				_ = it.Close()
				tw.abort()
				return Header{}, err
			}
		}
		if err := tw.add(bytes.Clone(it.Key()[9:]), bytes.Clone(it.Value())); err != nil {
			_ = it.Close()
			tw.abort()
			return Header{}, err
		}
	}
	err = it.Error()
	_ = it.Close()
	if err != nil {
		tw.abort()
		return Header{}, err
	}
	t, err := tw.finish()
	if err != nil {
		return Header{}, err
	}
	crashPoint("msb-tree")
	h, err := nextHeader(s.last, Header{
		ChainID:         s.cfg.ChainID,
		Shard:           s.cfg.Shard,
		Number:          number,
		Height:          s.meta.Height,
		Epoch:           s.meta.Epoch,
		StateRoot:       treeRoot(t),
		StateSize:       n,
		BlockCommitment: s.meta.Commitment,
	})
	if err != nil {
		_ = t.close()
		return Header{}, err
	}
	if err := s.recordMSB(h, nil, s.meta, t); err != nil {
		return Header{}, err
	}
	s.cfg.Logger.Debug("microstate: MSB", "number", number, "height", h.Height, "keys", n)
	crashPoint("msb-recorded")
	return h, s.prune()
}

// recordMSB makes h the latest MSB, with tree t, over the meta record base
// in one synced write.
func (s *Store) recordMSB(h Header, cert []byte, base meta, t *msbTree) error {
	m := base
	m.MSB, m.MSBHash, m.MSBHeight = h.Number, h.Hash(), h.Height
	mraw, err := rlp.EncodeToBytes(&m)
	if err != nil {
		_ = t.close()
		return err
	}
	b := s.db.NewBatch()
	defer b.Close()
	err = b.Set(u64key(prefixHeader, h.Number), h.Encode())
	if err == nil && len(cert) > 0 {
		err = b.Set(u64key(prefixCert, h.Number), cert)
	}
	if err == nil {
		err = b.Set(keyMeta, mraw)
	}
	s.mu.Lock() // visible only once durable, as a block (see apply)
	defer s.mu.Unlock()
	if err == nil {
		err = b.WriteSync()
	}
	if err != nil {
		_ = t.close()
		return fmt.Errorf("microstate: record MSB %d: %w", h.Number, err)
	}
	s.meta = m
	s.last = &h
	s.trees[h.Number] = t
	return nil
}

func (s *Store) countRange(lo, hi []byte) (uint64, error) {
	it, err := s.db.Iterator(lo, hi)
	if err != nil {
		return 0, err
	}
	defer it.Close()
	var n uint64
	for ; it.Valid(); it.Next() {
		n++
	}
	return n, it.Error()
}

// prune closes and deletes MSB trees older than the kept ones, and block
// bodies up to the oldest kept MSB, except the latest KeepBlocks. It is
// idempotent.
func (s *Store) prune() error {
	oldest := s.oldestKept()
	var drop []*msbTree
	s.mu.Lock()
	for n, t := range s.trees {
		if n < oldest {
			drop = append(drop, t)
			delete(s.trees, n)
		}
	}
	s.mu.Unlock()
	for _, t := range drop {
		if err := t.close(); err != nil {
			return err
		}
		if err := removeDB(t.name, s.cfg.Backend, s.cfg.Dir); err != nil {
			return fmt.Errorf("microstate: remove %s: %w", t.name, err)
		}
		crashPoint("prune-tree")
	}
	if s.meta.MSB == 0 {
		return nil
	}
	h, err := s.header(oldest)
	if errors.Is(err, ErrNotFound) {
		h, err = s.header(s.meta.MSB) // fast-synced: older headers unknown
	}
	if err != nil {
		return err
	}
	limit := h.Height + 1
	if k := s.cfg.KeepBlocks; k > 0 {
		if s.meta.Height < k {
			return nil
		}
		limit = min(limit, s.meta.Height-k+1)
	}
	return s.deleteRange([]byte{prefixBlock}, u64key(prefixBlock, limit))
}

func (s *Store) header(n uint64) (Header, error) {
	raw, err := s.db.Get(u64key(prefixHeader, n))
	if err != nil {
		return Header{}, err
	}
	if raw == nil {
		return Header{}, fmt.Errorf("%w: MSB %d", ErrNotFound, n)
	}
	h, err := DecodeHeader(raw)
	if err != nil {
		return Header{}, fmt.Errorf("%w: MSB %d: %v", ErrCorrupt, n, err)
	}
	return h, nil
}

// Header returns MSB number n with its certificate, if one was attached.
func (s *Store) Header(n uint64) (SignedHeader, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return SignedHeader{}, ErrClosed
	}
	h, err := s.header(n)
	if err != nil {
		return SignedHeader{}, err
	}
	cert, err := s.db.Get(u64key(prefixCert, n))
	if err != nil {
		return SignedHeader{}, err
	}
	return SignedHeader{Header: h, Certificate: cert}, nil
}

// LatestMSB returns the latest MSB header, or ErrNotFound before the first.
func (s *Store) LatestMSB() (SignedHeader, error) {
	s.mu.RLock()
	n := s.meta.MSB
	s.mu.RUnlock()
	if n == 0 {
		return SignedHeader{}, fmt.Errorf("%w: no MSB yet", ErrNotFound)
	}
	return s.Header(n)
}

// Certify attaches the committee's certificate to MSB n after checking it
// with the configured CertificateVerifier.
func (s *Store) Certify(n uint64, cert []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	h, err := s.header(n)
	if err != nil {
		return err
	}
	if err := VerifyHeader(s.cfg.Verifier, SignedHeader{Header: h, Certificate: cert}); err != nil {
		return err
	}
	return s.db.SetSync(u64key(prefixCert, n), bytes.Clone(cert))
}

// Block returns the stored body of block height (kept from the oldest kept
// MSB on), for peers that fast-sync.
func (s *Store) Block(height uint64) (Block, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return Block{}, ErrClosed
	}
	if height == 0 || height > s.meta.Height {
		return Block{}, fmt.Errorf("%w: block %d (height is %d)", ErrNotFound, height, s.meta.Height)
	}
	raw, err := s.db.Get(u64key(prefixBlock, height))
	if err != nil {
		return Block{}, err
	}
	if raw == nil {
		return Block{}, fmt.Errorf("%w: block %d", ErrPruned, height)
	}
	var b Block
	if err := rlp.DecodeBytes(raw, &b); err != nil {
		return Block{}, fmt.Errorf("%w: block %d: %v", ErrCorrupt, height, err)
	}
	return b, nil
}

// ProveWrite proves that block height wrote key (a membership proof in the
// block's write set, checked against the block's commitment with
// WriteProof.Verify).
func (s *Store) ProveWrite(height uint64, key []byte) (WriteProof, error) {
	b, err := s.Block(height)
	if err != nil {
		return WriteProof{}, err
	}
	for i, w := range b.Writes {
		if bytes.Equal(w.Key, key) {
			return WriteProof{Height: height, Write: w, Index: uint64(i), Total: uint64(len(b.Writes)), Path: proveWrite(b.Writes, i)}, nil
		}
	}
	return WriteProof{}, fmt.Errorf("%w: block %d did not write %x", ErrNotFound, height, key)
}
