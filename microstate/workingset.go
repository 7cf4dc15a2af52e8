package microstate

import (
	"bytes"
	"context"
	"fmt"
	"slices"
)

// WorkingSet is the state of the block being built: a write cache over the
// committed state. Reads see the block's own writes first; writes stay in
// memory until Store.Commit turns them into one atomic, coalesced write set
// (one entry per key, however often the block wrote it).
//
// It has the shape of token.Store (Get returns nil, nil for a missing key;
// Set; Delete), so the node hands it to the token ledger directly. It is not
// safe for concurrent use.
type WorkingSet struct {
	s      *Store
	height uint64 // the store height it was begun at
	gen    uint64
	writes map[string]entry
	marks  []journal
}

type entry struct {
	value []byte
	del   bool
}

type journal struct {
	key  string
	prev entry
	had  bool
}

// Begin starts a working set for the block after the current height.
func (s *Store) Begin() *WorkingSet {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return &WorkingSet{s: s, height: s.meta.Height, gen: s.meta.Gen, writes: map[string]entry{}}
}

// Get returns the value of key as the block sees it, or (nil, nil).
func (w *WorkingSet) Get(key []byte) ([]byte, error) {
	if len(key) == 0 {
		return nil, ErrEmptyKey
	}
	if e, ok := w.writes[string(key)]; ok {
		if e.del {
			return nil, nil
		}
		return bytes.Clone(e.value), nil
	}
	return w.s.Get(key)
}

// Set records a write of a copy of value at key.
func (w *WorkingSet) Set(key, value []byte) error {
	if len(key) == 0 {
		return ErrEmptyKey
	}
	v := bytes.Clone(value)
	if v == nil {
		v = []byte{}
	}
	w.put(string(key), entry{value: v})
	return nil
}

// Delete records the removal of key; deleting a missing key is not an error.
func (w *WorkingSet) Delete(key []byte) error {
	if len(key) == 0 {
		return ErrEmptyKey
	}
	w.put(string(key), entry{del: true})
	return nil
}

func (w *WorkingSet) put(k string, e entry) {
	prev, had := w.writes[k]
	w.marks = append(w.marks, journal{key: k, prev: prev, had: had})
	w.writes[k] = e
}

// Mark returns a point that Revert rolls back to (for a transaction that
// fails half-way).
func (w *WorkingSet) Mark() int { return len(w.marks) }

// Revert undoes every write made since mark.
func (w *WorkingSet) Revert(mark int) {
	for i := len(w.marks) - 1; i >= mark; i-- {
		j := w.marks[i]
		if j.had {
			w.writes[j.key] = j.prev
		} else {
			delete(w.writes, j.key)
		}
	}
	w.marks = w.marks[:mark]
}

// Len is the number of distinct keys written.
func (w *WorkingSet) Len() int { return len(w.writes) }

// Writes returns the coalesced write set sorted by key.
func (w *WorkingSet) Writes() []Write {
	out := make([]Write, 0, len(w.writes))
	for k, e := range w.writes {
		out = append(out, Write{Key: []byte(k), Value: e.value, Delete: e.del})
	}
	slices.SortFunc(out, func(a, b Write) int { return bytes.Compare(a.Key, b.Key) })
	return out
}

// Commit commits the working set as block info.Height (see ApplyBlock). The
// working set must have been begun on this store at the current height.
func (s *Store) Commit(ctx context.Context, w *WorkingSet, info BlockInfo) (Result, error) {
	if w.s != s {
		return Result{}, fmt.Errorf("%w: begun on another store", ErrStaleWorkingSet)
	}
	ws := w.Writes()
	for i := range ws {
		if ws[i].Delete {
			ws[i].Value = nil
		}
	}
	s.commit.Lock()
	defer s.commit.Unlock()
	if w.height != s.meta.Height || w.gen != s.meta.Gen {
		return Result{}, fmt.Errorf("%w: begun at height %d, store is at %d", ErrStaleWorkingSet, w.height, s.meta.Height)
	}
	return s.apply(ctx, info, ws, nil)
}
