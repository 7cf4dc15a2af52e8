package microstate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	corestore "cosmossdk.io/core/store"
	"github.com/cockroachdb/pebble"
	dbm "github.com/cometbft/cometbft-db"
	idb "github.com/cosmos/iavl/db"
)

// iavlDB adapts a cometbft-db database to the database interface of
// github.com/cosmos/iavl/db. The two interfaces differ only in batches:
// IAVL's batch reports its byte size (to decide when to flush), which
// cometbft-db's does not, so the adapter counts the bytes it is given.
type iavlDB struct{ db dbm.DB }

var _ idb.DB = iavlDB{}

func (a iavlDB) Get(key []byte) ([]byte, error) { return a.db.Get(key) }
func (a iavlDB) Has(key []byte) (bool, error)   { return a.db.Has(key) }
func (a iavlDB) Close() error                   { return a.db.Close() }

func (a iavlDB) Iterator(start, end []byte) (corestore.Iterator, error) {
	return a.db.Iterator(start, end)
}

func (a iavlDB) ReverseIterator(start, end []byte) (corestore.Iterator, error) {
	return a.db.ReverseIterator(start, end)
}

func (a iavlDB) NewBatch() corestore.Batch            { return &iavlBatch{b: a.db.NewBatch()} }
func (a iavlDB) NewBatchWithSize(int) corestore.Batch { return a.NewBatch() }

type iavlBatch struct {
	b    dbm.Batch
	size int
}

func (b *iavlBatch) Set(key, value []byte) error {
	b.size += len(key) + len(value)
	return b.b.Set(key, value)
}

func (b *iavlBatch) Delete(key []byte) error {
	b.size += len(key)
	return b.b.Delete(key)
}

func (b *iavlBatch) Write() error              { return b.b.Write() }
func (b *iavlBatch) WriteSync() error          { return b.b.WriteSync() }
func (b *iavlBatch) Close() error              { return b.b.Close() }
func (b *iavlBatch) GetByteSize() (int, error) { return b.size, nil }

// openDB opens (creating if needed) the named database of the backend.
func openDB(name, backend, dir string) (dbm.DB, error) {
	if backend != BackendMemDB {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("microstate: create %s: %w", dir, err)
		}
	}
	var db dbm.DB
	var err error
	if backend == BackendPebble {
		db, err = openPebble(name, dir)
	} else {
		db, err = dbm.NewDB(name, dbm.BackendType(backend), dir)
	}
	if err != nil {
		return nil, fmt.Errorf("microstate: open %s database %q: %w", backend, name, err)
	}
	return db, nil
}

// Pebble's defaults (8 MiB block cache, 4 MiB memtables) make every read of
// a state bigger than a few MiB decompress blocks from the OS page cache.
// These are modest, fixed settings; the naive baseline in the benchmarks
// opens its database through the same function.
const pebbleCacheBytes = 256 << 20

// pebbleMemTableBytes is a variable so that the disk-bound test can make
// flushes (and so compactions of pruned data) happen within its run.
var pebbleMemTableBytes uint64 = 64 << 20

func openPebble(name, dir string) (dbm.DB, error) {
	cache := pebble.NewCache(pebbleCacheBytes)
	defer cache.Unref() // the DB holds its own reference
	opts := &pebble.Options{Cache: cache, MemTableSize: pebbleMemTableBytes, Logger: quietLogger{}}
	return dbm.NewPebbleDBWithOpts(name, dir, opts)
}

// quietLogger drops pebble's informational logs (WAL replay after a crash
// is routine here); fatal errors still stop the process, as pebble expects.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}

// trashPrefix marks a database directory that is being deleted.
const trashPrefix = ".trash-"

// removeDB deletes the files of a closed database. The directory is first
// renamed out of the way (one atomic step), then deleted: a crash in the
// middle of the deletion leaves a trash directory that the next Open sweeps
// away, never a half-deleted database under its real name that pebble would
// refuse to open.
func removeDB(name, backend, dir string) error {
	if backend == BackendMemDB {
		return nil
	}
	path := filepath.Join(dir, name+".db")
	trash := filepath.Join(dir, trashPrefix+name+".db")
	if err := os.RemoveAll(trash); err != nil {
		return err
	}
	if err := os.Rename(path, trash); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	return os.RemoveAll(trash)
}

// sweepTrash finishes deletions that a crash interrupted, and removes the
// staged files of an import that a crash interrupted.
func sweepTrash(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), trashPrefix) || strings.HasPrefix(e.Name(), stagingPrefix) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
