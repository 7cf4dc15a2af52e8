package state

import (
	"bytes"
	"errors"
	"sort"
	"sync"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/token"
)

// ErrClosed is returned by a closed backend.
var ErrClosed = errors.New("state: backend closed")

// Write is one key's new value in a block's write set; Delete removes it.
type Write struct {
	Key    []byte
	Value  []byte
	Delete bool
}

// Meta describes the block a write set belongs to.
type Meta struct {
	Epoch uint64
	// EndOfEpoch is set on an epoch's last block (microstate then builds
	// a Micro State Block).
	EndOfEpoch bool
}

// Backend is a shard's committed, versioned state. Reads see the last
// commit and may run concurrently with Commit.
type Backend interface {
	// Get returns the committed value at key, or nil.
	Get(key []byte) ([]byte, error)
	// Commit applies one block's writes atomically as the next version and
	// returns the new state commitment.
	Commit(meta Meta, writes []Write) (root []byte, err error)
	// Root is the root of the last commit (nil before the first).
	Root() []byte
	// Version is the number of commits so far.
	Version() int64
	// Close releases the backend.
	Close() error
}

// Proof is a membership or non-membership proof of one key against a
// committed root.
type Proof struct {
	Key     []byte
	Value   []byte
	Root    []byte
	Version int64
	// Encoded is the backend's proof encoding (an ICS-23 commitment proof
	// for microstate).
	Encoded []byte
}

// Prover is the optional capability of a backend that proves keys.
type Prover interface {
	Prove(key []byte) (Proof, error)
}

// Overlay is a write cache over a Backend: a token.Store whose writes stay
// in memory until the caller takes them with Writes. The executor runs a
// block's transactions on one Overlay and commits its writes at once.
type Overlay struct {
	base    Backend
	writes  map[string]*Write
	journal []journalEntry
}

type journalEntry struct {
	key  string
	prev *Write // nil: key was not in the cache
}

var _ token.Store = (*Overlay)(nil)

// NewOverlay returns an empty overlay over base.
func NewOverlay(base Backend) *Overlay {
	return &Overlay{base: base, writes: map[string]*Write{}}
}

// Get returns the cached value, or the backend's.
func (o *Overlay) Get(key []byte) ([]byte, error) {
	if w, ok := o.writes[string(key)]; ok {
		if w.Delete {
			return nil, nil
		}
		return bytes.Clone(w.Value), nil
	}
	return o.base.Get(key)
}

// Set caches a write.
func (o *Overlay) Set(key, value []byte) error {
	o.put(string(key), &Write{Key: bytes.Clone(key), Value: bytes.Clone(value)})
	return nil
}

// Delete caches a deletion.
func (o *Overlay) Delete(key []byte) error {
	o.put(string(key), &Write{Key: bytes.Clone(key), Delete: true})
	return nil
}

func (o *Overlay) put(k string, w *Write) {
	o.journal = append(o.journal, journalEntry{key: k, prev: o.writes[k]})
	o.writes[k] = w
}

// Mark returns a point to roll back to with Revert.
func (o *Overlay) Mark() int { return len(o.journal) }

// Revert undoes every write since mark.
func (o *Overlay) Revert(mark int) {
	for i := len(o.journal) - 1; i >= mark; i-- {
		e := o.journal[i]
		if e.prev == nil {
			delete(o.writes, e.key)
		} else {
			o.writes[e.key] = e.prev
		}
	}
	o.journal = o.journal[:mark]
}

// Writes returns the cached writes sorted by key: the block's write set.
func (o *Overlay) Writes() []Write {
	out := make([]Write, 0, len(o.writes))
	for _, w := range o.writes {
		out = append(out, *w)
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Key, out[j].Key) < 0 })
	return out
}

// Mem is an in-memory Backend. Its root is a hash chain over the write sets
// (keccak256(previous root ‖ RLP(writes))): a commitment every node computes
// identically, but not one that can prove a single key — for that, use
// microstate.
type Mem struct {
	mu      sync.RWMutex
	kv      map[string][]byte
	root    []byte
	version int64
	closed  bool
}

var _ Backend = (*Mem)(nil)

// NewMem returns an empty in-memory backend.
func NewMem() *Mem { return &Mem{kv: map[string][]byte{}} }

// Get implements Backend.
func (m *Mem) Get(key []byte) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	return bytes.Clone(m.kv[string(key)]), nil
}

// Commit implements Backend.
func (m *Mem) Commit(_ Meta, writes []Write) ([]byte, error) {
	enc, err := rlp.EncodeToBytes(writes)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	for _, w := range writes {
		if w.Delete {
			delete(m.kv, string(w.Key))
		} else {
			m.kv[string(w.Key)] = bytes.Clone(w.Value)
		}
	}
	m.root = crypto.Keccak256(m.root, enc)
	m.version++
	return bytes.Clone(m.root), nil
}

// Root implements Backend.
func (m *Mem) Root() []byte {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return bytes.Clone(m.root)
}

// Version implements Backend.
func (m *Mem) Version() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.version
}

// Close implements Backend.
func (m *Mem) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}
