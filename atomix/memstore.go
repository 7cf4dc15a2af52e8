package atomix

// MemStore is an in-memory Store for tests, examples and simulations. It is
// not safe for concurrent use.
type MemStore struct {
	m map[string][]byte
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{m: map[string][]byte{}} }

// Get returns a copy of the value under key, or nil.
func (s *MemStore) Get(key []byte) ([]byte, error) {
	v, ok := s.m[string(key)]
	if !ok {
		return nil, nil
	}
	return append([]byte(nil), v...), nil
}

// Set stores a copy of value under key.
func (s *MemStore) Set(key, value []byte) error {
	s.m[string(key)] = append([]byte(nil), value...)
	return nil
}

// Len is the number of keys held.
func (s *MemStore) Len() int { return len(s.m) }
