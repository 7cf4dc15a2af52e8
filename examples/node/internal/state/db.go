package state

import (
	"bytes"
	"encoding/binary"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
)

// DB is a Backend over a cometbft-db database (pebble, goleveldb or
// memdb) with the same write-set hash chain as Mem for its root. Each
// commit is one synced batch holding the writes, the new root and the new
// version, so a crash leaves either the old or the new version.
type DB struct {
	mu      sync.RWMutex
	db      dbm.DB
	root    []byte
	version int64
}

var _ Backend = (*DB)(nil)

var (
	dbData    = []byte("d/")
	dbRoot    = []byte("m/root")
	dbVersion = []byte("m/version")
)

// OpenDB opens (or creates) a backend over db.
func OpenDB(db dbm.DB) (*DB, error) {
	s := &DB{db: db}
	var err error
	if s.root, err = db.Get(dbRoot); err != nil {
		return nil, err
	}
	v, err := db.Get(dbVersion)
	if err != nil {
		return nil, err
	}
	if len(v) == 8 {
		s.version = int64(binary.BigEndian.Uint64(v))
	}
	return s, nil
}

func dataKey(k []byte) []byte { return append(bytes.Clone(dbData), k...) }

// Get implements Backend.
func (s *DB) Get(key []byte) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return nil, ErrClosed
	}
	v, err := s.db.Get(dataKey(key))
	return bytes.Clone(v), err
}

// Commit implements Backend.
func (s *DB) Commit(_ Meta, writes []Write) ([]byte, error) {
	enc, err := rlp.EncodeToBytes(writes)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil, ErrClosed
	}
	b := s.db.NewBatch()
	defer b.Close()
	for _, w := range writes {
		if w.Delete {
			err = b.Delete(dataKey(w.Key))
		} else {
			err = b.Set(dataKey(w.Key), w.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	root := crypto.Keccak256(s.root, enc)
	if err := b.Set(dbRoot, root); err != nil {
		return nil, err
	}
	if err := b.Set(dbVersion, binary.BigEndian.AppendUint64(nil, uint64(s.version+1))); err != nil {
		return nil, err
	}
	if err := b.WriteSync(); err != nil {
		return nil, err
	}
	s.root, s.version = root, s.version+1
	return bytes.Clone(root), nil
}

// Root implements Backend.
func (s *DB) Root() []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return bytes.Clone(s.root)
}

// Version implements Backend.
func (s *DB) Version() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.version
}

// Close implements Backend.
func (s *DB) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}
