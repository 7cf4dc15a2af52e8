package token

import (
	"bytes"
	"sort"
	"sync"
)

// Store is the state the ledger reads and writes. Get returns (nil, nil) for a
// missing key. The example node passes microstate's per-block working set;
// tests and examples use MemStore.
//
// The ledger validates before it writes, so a Store whose writes cannot fail
// (a write cache, MemStore) is never left half-updated by a failed operation.
type Store interface {
	Get(key []byte) ([]byte, error)
	Set(key, value []byte) error
	Delete(key []byte) error
}

// MemStore is an in-memory Store, safe for concurrent use. It copies keys and
// values on the way in and out, so callers may reuse their buffers.
type MemStore struct {
	mu sync.RWMutex
	m  map[string][]byte
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{m: map[string][]byte{}} }

// Get returns a copy of the value at key, or nil if there is none.
func (s *MemStore) Get(key []byte) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.m[string(key)]
	if !ok {
		return nil, nil
	}
	return bytes.Clone(v), nil
}

// Set stores a copy of value at key.
func (s *MemStore) Set(key, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[string(key)] = bytes.Clone(value)
	return nil
}

// Delete removes key; deleting a missing key is not an error.
func (s *MemStore) Delete(key []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, string(key))
	return nil
}

// Len is the number of keys held.
func (s *MemStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}

// Snapshot returns a deterministic byte image of the whole store (keys in
// order), for tests that check an operation changed nothing.
func (s *MemStore) Snapshot() []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, len(s.m))
	for k := range s.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0)
		b.Write(s.m[k])
		b.WriteByte(0xff)
	}
	return b.Bytes()
}
