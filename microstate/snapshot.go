package microstate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"sync/atomic"

	dbm "github.com/cometbft/cometbft-db"
	ics23 "github.com/cosmos/ics23/go"
	"github.com/ethereum/go-ethereum/rlp"
)

// chunkFormat is the version of the chunk encoding.
const chunkFormat = 1

// MaxChunkSize bounds an encoded chunk.
const MaxChunkSize = 64 << 20

// Chunk is one piece of a snapshot: consecutive leaves of an MSB's state
// tree (positions Start … Start+len(Keys)-1 in key order) and the hashes of
// the subtrees around them, enough to recompute the tree's root from this
// chunk alone. Because the tree's shape is canonical (fixed by the number of
// keys, which the MSB header states), positions are authenticated too: a
// chunk verifies only at its own place in its own snapshot.
type Chunk struct {
	Format  uint64
	ChainID string
	Shard   uint32
	Number  uint64 // MSB number (and IAVL version)
	Root    []byte // the MSB's state root
	Index   uint64
	Start   uint64
	Keys    [][]byte
	Values  [][]byte
	// Left holds the hashes of the maximal subtrees left of the chunk, root
	// side first; Right those right of it, leaf side first.
	Left  [][]byte
	Right [][]byte
}

// Encode returns the canonical RLP encoding of c.
func (c Chunk) Encode() []byte {
	b, err := rlp.EncodeToBytes(&c)
	if err != nil {
		panic(err)
	}
	return b
}

// DecodeChunk parses an encoded chunk and checks its shape (not its proof:
// that needs the MSB header, see Importer.Add).
func DecodeChunk(b []byte) (Chunk, error) {
	var c Chunk
	if len(b) > MaxChunkSize {
		return Chunk{}, fmt.Errorf("%w: %d bytes", ErrChunkDecode, len(b))
	}
	if err := rlp.DecodeBytes(b, &c); err != nil {
		return Chunk{}, fmt.Errorf("%w: %v", ErrChunkDecode, err)
	}
	switch {
	case c.Format != chunkFormat:
		return Chunk{}, fmt.Errorf("%w: format %d", ErrChunkDecode, c.Format)
	case len(c.Keys) == 0 || len(c.Keys) != len(c.Values):
		return Chunk{}, fmt.Errorf("%w: %d keys, %d values", ErrChunkDecode, len(c.Keys), len(c.Values))
	case len(c.Left) > 64 || len(c.Right) > 64:
		return Chunk{}, fmt.Errorf("%w: %d+%d boundary hashes", ErrChunkDecode, len(c.Left), len(c.Right))
	}
	for _, h := range append(c.Left[:len(c.Left):len(c.Left)], c.Right...) {
		if len(h) != 32 {
			return Chunk{}, fmt.Errorf("%w: boundary hash of %d bytes", ErrChunkDecode, len(h))
		}
	}
	for i, k := range c.Keys {
		if len(k) == 0 {
			return Chunk{}, fmt.Errorf("%w: empty key", ErrChunkDecode)
		}
		if i > 0 && bytes.Compare(c.Keys[i-1], k) >= 0 {
			return Chunk{}, fmt.Errorf("%w: keys out of order", ErrChunkDecode)
		}
	}
	return c, nil
}

// boundary extracts the sibling hashes of an IAVL existence proof: those on
// the left of the path (root side first) and on the right (leaf side first).
func boundary(p *ics23.CommitmentProof) (left, right [][]byte, err error) {
	ex := p.GetExist()
	if ex == nil {
		return nil, nil, fmt.Errorf("%w: not an existence proof", ErrCorrupt)
	}
	for _, op := range ex.Path { // leaf to root
		switch {
		case len(op.Suffix) == 33:
			right = append(right, bytes.Clone(op.Suffix[1:]))
		case len(op.Suffix) == 0 && len(op.Prefix) >= 37:
			left = append([][]byte{bytes.Clone(op.Prefix[len(op.Prefix)-33 : len(op.Prefix)-1])}, left...)
		default:
			return nil, nil, fmt.Errorf("%w: unexpected IAVL inner op", ErrCorrupt)
		}
	}
	return left, right, nil
}

// Export streams the state of MSB number n (0: the latest) as chunks of at
// most chunkKeys keys each, in order, to fn. An empty state has no chunks.
func (s *Store) Export(ctx context.Context, n uint64, chunkKeys int, fn func(chunk []byte) error) (Header, error) {
	if chunkKeys < 1 {
		return Header{}, fmt.Errorf("%w: chunk of %d keys", ErrBadConfig, chunkKeys)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return Header{}, ErrClosed
	}
	if n == 0 {
		n = s.meta.MSB
	}
	h, err := s.header(n)
	if err != nil {
		return Header{}, err
	}
	t, ok := s.trees[n]
	if !ok {
		return Header{}, fmt.Errorf("%w: state of MSB %d", ErrPruned, n)
	}
	it, err := t.imm.Iterator(nil, nil, true)
	if err != nil {
		return Header{}, err
	}
	defer it.Close()
	c := Chunk{Format: chunkFormat, ChainID: h.ChainID, Shard: h.Shard, Number: n, Root: h.StateRoot}
	flush := func() error {
		if len(c.Keys) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		pf, err := t.imm.GetMembershipProof(c.Keys[0])
		if err != nil {
			return err
		}
		pl, err := t.imm.GetMembershipProof(c.Keys[len(c.Keys)-1])
		if err != nil {
			return err
		}
		if c.Left, _, err = boundary(pf); err != nil {
			return err
		}
		if _, c.Right, err = boundary(pl); err != nil {
			return err
		}
		if err := fn(c.Encode()); err != nil {
			return err
		}
		c.Index++
		c.Start += uint64(len(c.Keys))
		c.Keys, c.Values = c.Keys[:0], c.Values[:0]
		return nil
	}
	for ; it.Valid(); it.Next() {
		c.Keys = append(c.Keys, bytes.Clone(it.Key()))
		c.Values = append(c.Values, bytes.Clone(it.Value()))
		if len(c.Keys) == chunkKeys {
			if err := flush(); err != nil {
				return Header{}, err
			}
		}
	}
	if err := it.Error(); err != nil {
		return Header{}, err
	}
	return h, flush()
}

// Importer restores a store from a snapshot: it checks each chunk against
// the MSB header's state root before accepting it, stages accepted leaves
// out of sight (a new flat-state generation and a new tree), and switches
// the store over in one synced write at Commit. A rejected chunk changes
// nothing, so the caller may fetch it again (from another peer) and go on;
// Abort, or an import never committed, leaves the store as it was. Commit
// or Abort releases what the import holds (its databases and the goroutine
// that writes verified chunks while the next are checked).
type Importer struct {
	s    *Store
	h    Header
	cert []byte
	gen  uint64
	// A non-empty state goes the bulk path (bulk.go): tdb is the tree's
	// database, stage the directory of pebble's SSTables until Commit. An
	// empty state has no chunks, only an empty tree (tw).
	tw               *treeWriter
	tdb              dbm.DB
	bt               *bulkTree
	flat, nodes, top kvSink
	stage            string
	index            uint64
	last             []byte
	done             bool
	// A goroutine writes what Add has verified (bw), so that the next
	// chunk is checked while the last one is written; Commit and Abort
	// stop it. failed tells Add that it stopped on a storage error.
	bw     *bulkWriter
	jobs   chan stageJob
	staged chan error
	failed atomic.Bool
}

// stageJob is a verified chunk and the tree nodes it finishes.
type stageJob struct {
	c     Chunk
	nodes []done
}

// Import starts restoring the snapshot of the MSB header sh. The header must
// be trusted: when the store has a Verifier its certificate is checked,
// otherwise the caller vouches for it (for example through VerifyPath from a
// trusted header). Only one import runs at a time, and only to an MSB newer
// than the store's state.
func (s *Store) Import(sh SignedHeader) (*Importer, error) {
	h := sh.Header
	if err := h.check(); err != nil {
		return nil, err
	}
	if h.ChainID != s.cfg.ChainID || h.Shard != s.cfg.Shard {
		return nil, fmt.Errorf("%w: header of chain %q shard %d", ErrChunkForeign, h.ChainID, h.Shard)
	}
	if s.cfg.Verifier != nil {
		if err := VerifyHeader(s.cfg.Verifier, sh); err != nil {
			return nil, err
		}
	}
	s.commit.Lock()
	defer s.commit.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.importing {
		return nil, fmt.Errorf("%w: an import is running", ErrStaleSnapshot)
	}
	if h.Height <= s.meta.Height || h.Number <= s.meta.MSB {
		return nil, fmt.Errorf("%w: MSB %d at height %d, store at height %d with MSB %d", ErrStaleSnapshot, h.Number, h.Height, s.meta.Height, s.meta.MSB)
	}
	gen := s.meta.Gen + 1
	if err := s.deleteRange(flatPrefix(gen), flatPrefix(gen+1)); err != nil {
		return nil, err
	}
	im := &Importer{s: s, h: h, cert: bytes.Clone(sh.Certificate), gen: gen}
	if err := im.start(); err != nil {
		im.drop()
		return nil, err
	}
	s.importing = true
	return im, nil
}

// start opens what the import writes to.
func (im *Importer) start() error {
	s, h := im.s, im.h
	if h.StateSize == 0 {
		tw, err := newTreeWriter(s.cfg, h.Number, 0)
		im.tw = tw
		return err
	}
	name := treeName(h.Number)
	if err := removeDB(name, s.cfg.Backend, s.cfg.Dir); err != nil {
		return fmt.Errorf("microstate: remove stale tree %s: %w", name, err)
	}
	tdb, err := openDB(name, s.cfg.Backend, s.cfg.Dir)
	if err != nil {
		return err
	}
	im.tdb = tdb
	if s.cfg.Backend == BackendPebble {
		im.stage = filepath.Join(s.cfg.Dir, stagingPrefix+name)
		if err := os.RemoveAll(im.stage); err != nil {
			return err
		}
		if err := os.MkdirAll(im.stage, 0o755); err != nil {
			return fmt.Errorf("microstate: create %s: %w", im.stage, err)
		}
	}
	if im.flat, err = sinkFor(s.db, im.stage, "flat"); err != nil {
		return err
	}
	if im.nodes, err = sinkFor(tdb, im.stage, "nodes"); err != nil {
		return err
	}
	if im.top, err = sinkFor(tdb, im.stage, "root"); err != nil {
		return err
	}
	im.bt = newBulkTree(h.StateSize, int64(h.Number), h.StateRoot)
	im.bw = &bulkWriter{n: h.StateSize, version: int64(h.Number), pending: map[uint64][]byte{}, nonce: 1,
		prefix: flatPrefix(im.gen), flat: im.flat, nodes: im.nodes, top: im.top}
	im.jobs, im.staged = make(chan stageJob, 2), make(chan error, 1)
	go im.stageLoop(im.jobs)
	return nil
}

func (im *Importer) stageLoop(jobs <-chan stageJob) {
	var err error
	for j := range jobs {
		if err == nil {
			if err = im.bw.stage(&j.c, j.nodes); err != nil {
				im.failed.Store(true)
			}
		}
	}
	im.staged <- err
}

// wait stops the staging goroutine once it has written every verified
// chunk, and returns its error.
func (im *Importer) wait() error {
	if im.jobs == nil {
		return nil
	}
	close(im.jobs)
	im.jobs = nil
	return <-im.staged
}

// drop releases and removes everything staged outside the state database.
func (im *Importer) drop() {
	_ = im.wait()
	for _, k := range []kvSink{im.flat, im.nodes, im.top} {
		if k != nil {
			k.abort()
		}
	}
	if im.tw != nil {
		im.tw.abort()
		im.tw = nil
	}
	if im.tdb != nil {
		_ = im.tdb.Close()
		_ = removeDB(treeName(im.h.Number), im.s.cfg.Backend, im.s.cfg.Dir)
		im.tdb = nil
	}
	if im.stage != "" {
		_ = os.RemoveAll(im.stage)
	}
}

// Header is the MSB header being imported.
func (im *Importer) Header() Header { return im.h }

// Add checks the next chunk and stages its leaves. A rejected chunk returns
// a *ChunkError wrapping ErrChunkDecode, ErrChunkForeign, ErrChunkOrder or
// ErrChunkProof, and stages nothing.
func (im *Importer) Add(raw []byte) error {
	if im.done {
		return ErrImportDone
	}
	reject := func(err error) error { return &ChunkError{Index: im.index, Err: err} }
	c, err := DecodeChunk(raw)
	if err != nil {
		return reject(err)
	}
	if c.ChainID != im.h.ChainID || c.Shard != im.h.Shard || c.Number != im.h.Number || !bytes.Equal(c.Root, im.h.StateRoot) {
		return reject(fmt.Errorf("%w: chunk of MSB %d (chain %q shard %d), importing MSB %d", ErrChunkForeign, c.Number, c.ChainID, c.Shard, im.h.Number))
	}
	if im.bt == nil {
		return reject(fmt.Errorf("%w: chunk %d of an empty state", ErrChunkOrder, c.Index))
	}
	if c.Index != im.index || c.Start != im.bt.next {
		return reject(fmt.Errorf("%w: got chunk %d at leaf %d, want chunk %d at leaf %d", ErrChunkOrder, c.Index, c.Start, im.index, im.bt.next))
	}
	if im.last != nil && bytes.Compare(im.last, c.Keys[0]) >= 0 {
		return reject(fmt.Errorf("%w: keys overlap the previous chunk", ErrChunkOrder))
	}
	nodes, err := im.bt.verify(&c)
	if err != nil {
		return reject(err)
	}
	if im.failed.Load() {
		return im.fail(im.wait())
	}
	// verified: stage
	im.bt.accept(&c, nodes)
	im.jobs <- stageJob{c: c, nodes: nodes}
	im.index++
	im.last = c.Keys[len(c.Keys)-1]
	return nil
}

// fail aborts after a storage error while staging.
func (im *Importer) fail(err error) error {
	im.Abort()
	return fmt.Errorf("microstate: import staging failed, aborted: %w", err)
}

// Missing is the number of leaves not received yet.
func (im *Importer) Missing() uint64 {
	if im.bt == nil {
		return 0
	}
	return im.h.StateSize - im.bt.next
}

// Commit switches the store to the imported state: height, commitment and
// latest MSB become the header's. It fails with ErrSnapshotIncomplete if
// leaves are missing (the import stays open). Afterwards, replay the blocks
// after the MSB with Store.Replay.
func (im *Importer) Commit() error {
	if im.done {
		return ErrImportDone
	}
	if m := im.Missing(); m > 0 {
		return fmt.Errorf("%w: %d of %d keys", ErrSnapshotIncomplete, im.h.StateSize-m, im.h.StateSize)
	}
	t, err := im.finish()
	if err != nil {
		return im.fail(err)
	}
	crashPoint("import-staged")
	if !bytes.Equal(treeRoot(t), im.h.StateRoot) { // cannot happen after verified chunks
		_ = t.close()
		_ = removeDB(t.name, im.s.cfg.Backend, im.s.cfg.Dir)
		return im.fail(fmt.Errorf("%w: rebuilt root differs", ErrChunkProof))
	}
	s := im.s
	s.commit.Lock()
	defer s.commit.Unlock()
	im.done = true
	s.importing = false
	if s.closed {
		_ = t.close()
		return ErrClosed
	}
	if im.h.Height <= s.meta.Height || im.h.Number <= s.meta.MSB {
		_ = t.close()
		_ = removeDB(t.name, s.cfg.Backend, s.cfg.Dir)
		_ = s.deleteRange(flatPrefix(im.gen), flatPrefix(im.gen+1))
		return fmt.Errorf("%w: the store moved to height %d", ErrStaleSnapshot, s.meta.Height)
	}
	old := s.meta
	m := old
	m.Gen, m.Height, m.Epoch, m.EndOfEpoch, m.Commitment = im.gen, im.h.Height, im.h.Epoch, false, im.h.BlockCommitment
	if err := s.recordMSB(im.h, im.cert, m, t); err != nil {
		_ = s.deleteRange(flatPrefix(im.gen), flatPrefix(im.gen+1))
		return err
	}
	crashPoint("import-switched")
	// The switch is durable; clean up what the old state left behind.
	var drop []*msbTree
	s.mu.Lock()
	for n, ot := range s.trees {
		if n != im.h.Number {
			drop = append(drop, ot)
			delete(s.trees, n)
		}
	}
	s.mu.Unlock()
	var errs []error
	for _, ot := range drop {
		errs = append(errs, ot.close(), removeDB(ot.name, s.cfg.Backend, s.cfg.Dir))
	}
	errs = append(errs, s.deleteRange(flatPrefix(old.Gen), flatPrefix(old.Gen+1)))
	errs = append(errs, s.deleteRange([]byte{prefixBlock}, []byte{prefixBlock + 1}))
	return errors.Join(errs...)
}

// finish makes the staged state and tree durable (the flat state under
// the new generation, still invisible) and returns the tree, open.
func (im *Importer) finish() (*msbTree, error) {
	if im.tw != nil {
		t, err := im.tw.finish()
		im.tw = nil
		return t, err
	}
	if err := im.wait(); err != nil {
		return nil, err
	}
	for _, k := range []kvSink{im.flat, im.nodes, im.top} {
		if err := k.finish(); err != nil {
			return nil, err
		}
	}
	if err := ingest(im.s.db, im.flat); err != nil {
		return nil, fmt.Errorf("microstate: ingest state: %w", err)
	}
	if err := ingest(im.tdb, im.nodes, im.top); err != nil {
		return nil, fmt.Errorf("microstate: ingest MSB %d tree: %w", im.h.Number, err)
	}
	if im.stage != "" {
		_ = os.RemoveAll(im.stage)
		im.stage = ""
	}
	im.flat, im.nodes, im.top = nil, nil, nil
	t, err := loadTree(im.s.cfg, im.h.Number, im.tdb)
	if err != nil {
		return nil, err
	}
	im.tdb = nil // t owns it
	return t, nil
}

// Abort drops everything staged; the store is as before Import.
func (im *Importer) Abort() {
	if im.done {
		return
	}
	im.done = true
	im.drop()
	s := im.s
	s.commit.Lock()
	defer s.commit.Unlock()
	s.importing = false
	if !s.closed {
		_ = s.deleteRange(flatPrefix(im.gen), flatPrefix(im.gen+1))
	}
}

// ImportAll imports a whole snapshot from a chunk source and commits it.
func (s *Store) ImportAll(ctx context.Context, sh SignedHeader, chunks iter.Seq[[]byte]) error {
	im, err := s.Import(sh)
	if err != nil {
		return err
	}
	for c := range chunks {
		if err = ctx.Err(); err != nil {
			break
		}
		if err = im.Add(c); err != nil {
			break
		}
	}
	if err == nil {
		err = im.Commit()
	}
	if err != nil {
		im.Abort()
	}
	return err
}
