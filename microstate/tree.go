package microstate

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cosmos/iavl"
)

// The state at an MSB is an IAVL tree in a canonical shape: the n keys in
// order, split recursively with the larger half on the left (sizes differ by
// at most one, so it is AVL-balanced), every node at version = MSB number.
// The shape depends on the set of keys alone, never on the order of past
// writes, which is what lets the store rebuild it from the flat state in one
// streaming pass through iavl's Importer (no read-modify-write of tree nodes)
// and lets a snapshot chunk be checked against the root by position.

// split returns the first index of the right child of the node over [lo, hi).
func split(lo, hi uint64) uint64 { return lo + (hi-lo+1)/2 }

// treeHeight is the height of the canonical tree over n ≥ 1 leaves.
func treeHeight(n uint64) int8 {
	h := int8(0)
	for n > 1 {
		n = (n + 1) / 2
		h++
	}
	return h
}

// treeBuilder emits the canonical tree over n leaves in the post-order that
// iavl's Importer expects, from leaves given one at a time in key order.
type treeBuilder struct {
	n, next uint64
	version int64
	// pending holds the key of leaf mid for every unfinished inner node
	// whose right child starts at mid (at most one per tree level).
	pending map[uint64][]byte
	emit    func(*iavl.ExportNode) error
}

func newTreeBuilder(n uint64, version int64, emit func(*iavl.ExportNode) error) *treeBuilder {
	return &treeBuilder{n: n, version: version, pending: map[uint64][]byte{}, emit: emit}
}

type span struct{ lo, hi uint64 }

func (b *treeBuilder) add(key, value []byte) error {
	i := b.next
	if i >= b.n {
		return fmt.Errorf("%w: more than %d leaves", ErrCorrupt, b.n)
	}
	b.next++
	if err := b.emit(&iavl.ExportNode{Key: key, Value: value, Version: b.version, Height: 0}); err != nil {
		return err
	}
	// walk root→leaf; remember the inner nodes this leaf completes
	var done [64]span
	nd := 0
	lo, hi := uint64(0), b.n
	for hi-lo > 1 {
		mid := split(lo, hi)
		if mid == i {
			b.pending[mid] = key
		}
		if hi == i+1 {
			done[nd] = span{lo, hi}
			nd++
		}
		if i < mid {
			hi = mid
		} else {
			lo = mid
		}
	}
	for k := nd - 1; k >= 0; k-- { // deepest first
		s := done[k]
		mid := split(s.lo, s.hi)
		mk := b.pending[mid]
		delete(b.pending, mid)
		if err := b.emit(&iavl.ExportNode{Key: mk, Version: b.version, Height: treeHeight(s.hi - s.lo)}); err != nil {
			return err
		}
	}
	return nil
}

// IAVL node hashing, as iavl's Node.writeHashBytes and the ICS-23 IavlSpec
// define it: a leaf is sha256(varint 0 ‖ varint 1 ‖ varint version ‖
// uvarint len(key) ‖ key ‖ uvarint 32 ‖ sha256(value)); an inner node is
// sha256(varint height ‖ varint size ‖ varint version ‖ uvarint 32 ‖ left ‖
// uvarint 32 ‖ right). The empty tree hashes to sha256 of nothing.

var hashPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

func leafHash(version int64, key, value []byte) [32]byte {
	bp := hashPool.Get().(*[]byte)
	b := (*bp)[:0]
	b = binary.AppendVarint(b, 0)
	b = binary.AppendVarint(b, 1)
	b = binary.AppendVarint(b, version)
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	vh := sha256.Sum256(value)
	b = binary.AppendUvarint(b, 32)
	b = append(b, vh[:]...)
	h := sha256.Sum256(b)
	*bp = b
	hashPool.Put(bp)
	return h
}

func innerHash(height int8, size uint64, version int64, left, right []byte) [32]byte {
	var buf [3*binary.MaxVarintLen64 + 2 + 64]byte
	b := buf[:0]
	b = binary.AppendVarint(b, int64(height))
	b = binary.AppendVarint(b, int64(size))
	b = binary.AppendVarint(b, version)
	b = append(b, 32)
	b = append(b, left...)
	b = append(b, 32)
	b = append(b, right...)
	return sha256.Sum256(b)
}

func emptyRoot() []byte { h := sha256.Sum256(nil); return h[:] }

// msbTree is an open IAVL tree holding the state of one MSB.
type msbTree struct {
	name string
	db   dbm.DB
	tree *iavl.MutableTree
	imm  *iavl.ImmutableTree
}

func treeName(number uint64) string { return fmt.Sprintf("msb-%016d", number) }

// close closes the tree and its database (iavl leaves the database open).
func (t *msbTree) close() error { return errors.Join(t.tree.Close(), t.db.Close()) }

// openTree opens the stored tree of MSB number.
func openTree(cfg Config, number uint64) (*msbTree, error) {
	name := treeName(number)
	db, err := openDB(name, cfg.Backend, cfg.Dir)
	if err != nil {
		return nil, err
	}
	return loadTree(cfg, number, db)
}

// loadTree opens the tree of MSB number stored in db; on error db is
// closed.
func loadTree(cfg Config, number uint64, db dbm.DB) (*msbTree, error) {
	name := treeName(number)
	t := iavl.NewMutableTree(iavlDB{db}, cfg.TreeCacheNodes, true, iavl.NewNopLogger())
	if _, err := t.LoadVersion(int64(number)); err != nil {
		_ = t.Close()
		_ = db.Close()
		return nil, fmt.Errorf("%w: MSB %d tree: %v", ErrCorrupt, number, err)
	}
	imm, err := t.GetImmutable(int64(number))
	if err != nil {
		_ = t.Close()
		_ = db.Close()
		return nil, fmt.Errorf("%w: MSB %d tree: %v", ErrCorrupt, number, err)
	}
	return &msbTree{name: name, db: db, tree: t, imm: imm}, nil
}

// treeWriter builds the tree of one MSB from n leaves fed in key order.
type treeWriter struct {
	cfg     Config
	number  uint64
	n       uint64
	db      dbm.DB
	tree    *iavl.MutableTree
	imp     *iavl.Importer
	builder *treeBuilder
}

// newTreeWriter starts the tree of MSB number in a fresh database (any
// leftover of an interrupted build is removed first).
func newTreeWriter(cfg Config, number, n uint64) (*treeWriter, error) {
	name := treeName(number)
	if err := removeDB(name, cfg.Backend, cfg.Dir); err != nil {
		return nil, fmt.Errorf("microstate: remove stale tree %s: %w", name, err)
	}
	db, err := openDB(name, cfg.Backend, cfg.Dir)
	if err != nil {
		return nil, err
	}
	t := iavl.NewMutableTree(iavlDB{db}, cfg.TreeCacheNodes, true, iavl.NewNopLogger(), iavl.SyncOption(true))
	w := &treeWriter{cfg: cfg, number: number, n: n, db: db, tree: t}
	if n > 0 {
		imp, err := t.Import(int64(number))
		if err != nil {
			_ = t.Close()
			_ = db.Close()
			return nil, fmt.Errorf("microstate: start MSB %d tree: %w", number, err)
		}
		w.imp = imp
		w.builder = newTreeBuilder(n, int64(number), imp.Add)
	}
	return w, nil
}

func (w *treeWriter) add(key, value []byte) error {
	if w.builder == nil {
		return fmt.Errorf("%w: leaf for an empty state", ErrCorrupt)
	}
	return w.builder.add(key, value)
}

// finish commits the tree durably and returns it open, with its root.
func (w *treeWriter) finish() (*msbTree, error) {
	if w.builder != nil && w.builder.next != w.n {
		w.abort()
		return nil, fmt.Errorf("%w: MSB %d tree got %d of %d leaves", ErrCorrupt, w.number, w.builder.next, w.n)
	}
	if w.imp != nil {
		if err := w.imp.Commit(); err != nil {
			w.abort()
			return nil, fmt.Errorf("microstate: commit MSB %d tree: %w", w.number, err)
		}
	} else {
		// empty state: an empty root at version number
		w.tree.SetInitialVersion(w.number)
		if _, _, err := w.tree.SaveVersion(); err != nil {
			w.abort()
			return nil, fmt.Errorf("microstate: commit empty MSB %d tree: %w", w.number, err)
		}
	}
	imm, err := w.tree.GetImmutable(int64(w.number))
	if err != nil {
		w.abort()
		return nil, fmt.Errorf("microstate: load MSB %d tree: %w", w.number, err)
	}
	return &msbTree{name: treeName(w.number), db: w.db, tree: w.tree, imm: imm}, nil
}

func (w *treeWriter) abort() {
	if w.imp != nil {
		w.imp.Close()
	}
	_ = w.tree.Close()
	_ = w.db.Close()
	_ = removeDB(treeName(w.number), w.cfg.Backend, w.cfg.Dir)
}

// treeRoot returns the root hash of an MSB tree (sha256 of nothing when
// empty, as IAVL defines it).
func treeRoot(t *msbTree) []byte {
	h := t.imm.Hash()
	if len(h) == 0 {
		return emptyRoot()
	}
	return h
}
