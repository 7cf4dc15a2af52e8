package microstate

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/sstable"
	"github.com/cockroachdb/pebble/vfs"
	dbm "github.com/cometbft/cometbft-db"
)

// A snapshot import writes a whole state at once, in key order, into
// databases nobody reads yet. Going through iavl's Importer and ordinary
// batches would pay for every key three times over: hashing it again after
// the chunk was verified, a WAL record and a memtable insert, then a flush
// and compactions. The bulk path below instead
//
//   - verifies each chunk against the state root by hashing it once, and
//     keeps the hashes: they are the hashes of the tree's nodes, so the
//     nodes are encoded (in IAVL's own node format, byte for byte what
//     iavl's Importer writes: TestBulkTreeMatchesIAVL) without hashing again;
//   - streams the flat state and the nodes, already sorted, into SSTables
//     that pebble ingests at Commit (no WAL, no memtable, no compaction: the
//     files land in the bottom level), or, on the other backends, into large
//     unsynced batches followed by one synced write.

// nodeKeyPrefix is iavl's prefix of node keys: 's' ‖ version ‖ nonce.
const nodeKeyPrefix = 's'

// nodeKey is the database key of the IAVL node (version, nonce).
func nodeKey(dst []byte, version int64, nonce uint32) []byte {
	dst = append(dst, nodeKeyPrefix)
	dst = binary.BigEndian.AppendUint64(dst, uint64(version))
	return binary.BigEndian.AppendUint32(dst, nonce)
}

// encodeLeaf appends the IAVL encoding of a leaf node (iavl's
// Node.writeBytes: height, size, key, value).
func encodeLeaf(dst, key, value []byte) []byte {
	dst = binary.AppendVarint(dst, 0)
	dst = binary.AppendVarint(dst, 1)
	dst = binary.AppendUvarint(dst, uint64(len(key)))
	dst = append(dst, key...)
	dst = binary.AppendUvarint(dst, uint64(len(value)))
	return append(dst, value...)
}

// encodeInner appends the IAVL encoding of an inner node: height, size,
// key, hash, mode 0 (both children addressed by node key), then the
// children's versions and nonces.
func encodeInner(dst []byte, height int8, size uint64, key []byte, hash *[32]byte, version int64, left, right uint32) []byte {
	dst = binary.AppendVarint(dst, int64(height))
	dst = binary.AppendVarint(dst, int64(size))
	dst = binary.AppendUvarint(dst, uint64(len(key)))
	dst = append(dst, key...)
	dst = append(dst, 32)
	dst = append(dst, hash[:]...)
	dst = binary.AppendVarint(dst, 0)
	dst = binary.AppendVarint(dst, version)
	dst = binary.AppendVarint(dst, int64(left))
	dst = binary.AppendVarint(dst, version)
	return binary.AppendVarint(dst, int64(right))
}

// done is a node that a chunk finishes, in post-order, with its hash.
type done struct {
	lo, hi uint64
	hash   [32]byte
}

// bulkTree verifies the chunks of a snapshot one after the other against
// the state root. It keeps the hashes of the finished maximal subtrees left
// of the next leaf, so each node is hashed once, when its chunk is checked.
type bulkTree struct {
	n       uint64
	version int64
	root    [32]byte
	next    uint64
	stack   [][32]byte // finished maximal subtrees left of next, root side first
}

func newBulkTree(n uint64, version int64, root []byte) *bulkTree {
	return &bulkTree{n: n, version: version, root: [32]byte(root)}
}

// verify recomputes the root from the accepted leaves' subtrees, the
// chunk's leaves and its right boundary hashes, and checks the chunk's left
// boundary hashes against the accepted subtrees. It changes nothing and
// returns the nodes the chunk finishes, in post-order.
func (t *bulkTree) verify(c *Chunk) ([]done, error) {
	a, b := c.Start, c.Start+uint64(len(c.Keys))
	if a != t.next || b > t.n || b < a {
		return nil, fmt.Errorf("%w: leaves %d…%d of %d", ErrChunkOrder, a, b, t.n)
	}
	if len(c.Left) != len(t.stack) {
		return nil, fmt.Errorf("%w: %d left boundary hashes, want %d", ErrChunkProof, len(c.Left), len(t.stack))
	}
	for i, h := range t.stack {
		if !bytes.Equal(c.Left[i], h[:]) {
			return nil, fmt.Errorf("%w: left boundary hash %d differs from the accepted leaves", ErrChunkProof, i)
		}
	}
	out := make([]done, 0, 2*len(c.Keys)+8)
	li, ri := 0, 0
	var rec func(lo, hi uint64) ([32]byte, error)
	rec = func(lo, hi uint64) ([32]byte, error) {
		switch {
		case hi <= a:
			if li >= len(t.stack) {
				return [32]byte{}, fmt.Errorf("%w: too few left hashes", ErrChunkProof)
			}
			li++
			return t.stack[li-1], nil
		case lo >= b:
			if ri >= len(c.Right) {
				return [32]byte{}, fmt.Errorf("%w: too few right hashes", ErrChunkProof)
			}
			ri++
			return [32]byte(c.Right[ri-1]), nil
		case hi-lo == 1:
			h := leafHash(t.version, c.Keys[lo-a], c.Values[lo-a])
			out = append(out, done{lo, hi, h})
			return h, nil
		}
		mid := split(lo, hi)
		l, err := rec(lo, mid)
		if err != nil {
			return l, err
		}
		r, err := rec(mid, hi)
		if err != nil {
			return r, err
		}
		h := innerHash(treeHeight(hi-lo), hi-lo, t.version, l[:], r[:])
		if hi <= b {
			out = append(out, done{lo, hi, h})
		}
		return h, nil
	}
	root, err := rec(0, t.n)
	if err != nil {
		return nil, err
	}
	if li != len(t.stack) || ri != len(c.Right) {
		return nil, fmt.Errorf("%w: unused boundary hashes", ErrChunkProof)
	}
	if root != t.root {
		return nil, fmt.Errorf("%w: leaves %d…%d", ErrChunkProof, a, b-1)
	}
	return out, nil
}

// accept records a verified chunk's finished nodes.
func (t *bulkTree) accept(c *Chunk, nodes []done) {
	for _, d := range nodes {
		if d.hi-d.lo > 1 {
			t.stack = t.stack[:len(t.stack)-2]
		}
		t.stack = append(t.stack, d.hash)
	}
	t.next = c.Start + uint64(len(c.Keys))
}

// bulkWriter writes the nodes of verified chunks in IAVL's format, and
// their leaves to the flat state. Nonces follow iavl's Importer: 2, 3, …
// in post-order, 1 for the root.
type bulkWriter struct {
	n       uint64
	version int64
	nonces  []uint32          // nonces of the finished maximal subtrees left of the next leaf
	pending map[uint64][]byte // key of leaf mid, for unfinished nodes split at mid
	nonce   uint32
	prefix  []byte // of the flat state's keys
	flat    kvSink
	nodes   kvSink // every node but the root, in key (= nonce) order
	top     kvSink // the root, nonce 1
	key     []byte
	val     []byte
}

// stage writes the nodes a verified chunk finishes, and its leaves.
func (w *bulkWriter) stage(c *Chunk, nodes []done) error {
	a, b := c.Start, c.Start+uint64(len(c.Keys))
	for i := range nodes {
		d := &nodes[i]
		w.nonce++
		nonce := w.nonce
		if d.lo == 0 && d.hi == w.n {
			nonce = 1
		}
		if d.hi-d.lo == 1 {
			k, v := c.Keys[d.lo-a], c.Values[d.lo-a]
			w.val = encodeLeaf(w.val[:0], k, v)
			if d.lo > 0 && !w.finishes(d.lo, b) {
				w.pending[d.lo] = k // a decoded chunk's own slice, never reused
			}
			w.key = append(append(w.key[:0], w.prefix...), k...)
			if err := w.flat.set(w.key, v); err != nil {
				return err
			}
		} else {
			mid := split(d.lo, d.hi)
			var k []byte
			if mid >= a {
				k = c.Keys[mid-a]
			} else {
				k = w.pending[mid]
				delete(w.pending, mid)
			}
			l, r := w.nonces[len(w.nonces)-2], w.nonces[len(w.nonces)-1]
			w.nonces = w.nonces[:len(w.nonces)-2]
			w.val = encodeInner(w.val[:0], treeHeight(d.hi-d.lo), d.hi-d.lo, k, &d.hash, w.version, l, r)
		}
		w.key = nodeKey(w.key[:0], w.version, nonce)
		var err error
		if nonce == 1 {
			err = w.top.set(w.key, w.val)
		} else {
			err = w.nodes.set(w.key, w.val)
		}
		if err != nil {
			return err
		}
		w.nonces = append(w.nonces, nonce)
	}
	return nil
}

// finishes reports whether the node split at leaf mid ends at or before
// leaf b (so it is finished by the chunk that holds mid).
func (w *bulkWriter) finishes(mid, b uint64) bool {
	lo, hi := uint64(0), w.n
	for {
		m := split(lo, hi)
		if m == mid {
			return hi <= b
		}
		if mid < m {
			hi = m
		} else {
			lo = m
		}
	}
}

// kvSink receives keys in increasing order.
type kvSink interface {
	set(key, value []byte) error
	// finish makes what was set durable (or ready to ingest).
	finish() error
	// abort drops what was set and not finished.
	abort()
}

// sinkFor returns a sink into db: an SSTable in dir for pebble (ingested
// by ingest), large unsynced batches and one synced write otherwise.
func sinkFor(db dbm.DB, dir, name string) (kvSink, error) {
	p, ok := db.(*dbm.PebbleDB)
	if !ok {
		return &batchSink{db: db, b: db.NewBatch()}, nil
	}
	path := filepath.Join(dir, name+".sst")
	f, err := vfs.Default.Create(path)
	if err != nil {
		return nil, fmt.Errorf("microstate: create %s: %w", path, err)
	}
	opts := (&pebble.Options{}).EnsureDefaults()
	wo := opts.MakeWriterOptions(len(opts.Levels)-1, p.DB().FormatMajorVersion().MaxTableFormat())
	return &sstSink{path: path, w: sstable.NewWriter(objstorageprovider.NewFileWritable(f), wo)}, nil
}

// sstSink writes one SSTable.
type sstSink struct {
	path  string
	w     *sstable.Writer
	empty bool
	n     int
}

func (s *sstSink) set(key, value []byte) error {
	s.n++
	return s.w.Set(key, value)
}

func (s *sstSink) finish() error {
	if s.w == nil {
		return nil
	}
	err := s.w.Close() // syncs the file
	s.w = nil
	s.empty = s.n == 0
	return err
}

func (s *sstSink) abort() {
	if s.w != nil {
		_ = s.w.Close()
		s.w = nil
	}
	_ = os.Remove(s.path)
}

// batchSink writes through batches of about batchBytes, unsynced, and
// syncs once at the end.
type batchSink struct {
	db   dbm.DB
	b    dbm.Batch
	size int
}

const batchBytes = 16 << 20

func (s *batchSink) set(key, value []byte) error {
	// memdb's batch keeps the slices it is given: hand it copies
	if err := s.b.Set(bytes.Clone(key), bytes.Clone(value)); err != nil {
		return err
	}
	if s.size += len(key) + len(value); s.size >= batchBytes {
		err := s.b.Write()
		_ = s.b.Close()
		s.b, s.size = s.db.NewBatch(), 0
		return err
	}
	return nil
}

func (s *batchSink) finish() error {
	if s.b == nil {
		return nil
	}
	err := s.b.WriteSync()
	_ = s.b.Close()
	s.b = nil
	return err
}

func (s *batchSink) abort() {
	if s.b != nil {
		_ = s.b.Close()
		s.b = nil
	}
}

// ingest makes finished sinks' data part of db: pebble ingests the
// SSTables (durably, in one atomic step); batch sinks are written already.
func ingest(db dbm.DB, sinks ...kvSink) error {
	var paths []string
	for _, s := range sinks {
		if ss, ok := s.(*sstSink); ok && !ss.empty {
			paths = append(paths, ss.path)
		}
	}
	if len(paths) == 0 {
		return nil
	}
	p, ok := db.(*dbm.PebbleDB)
	if !ok {
		return errors.New("microstate: SSTables for a database that is not pebble")
	}
	return p.DB().Ingest(paths)
}

// stagingPrefix names the directory that holds an import's SSTables until
// Commit; Open removes any left by a crash.
const stagingPrefix = ".import-"
