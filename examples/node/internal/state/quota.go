package state

import (
	"errors"
	"fmt"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
)

// ErrDiskFull is returned by a write refused by a Quota: the simulated disk
// is full.
var ErrDiskFull = errors.New("state: disk full")

// ErrQuotaTripped is returned when space is given back to a Quota that has
// already refused a write: the node that owns it stops, and writes again
// only after a restart.
var ErrQuotaTripped = errors.New("state: a write already failed for lack of space; restart the node")

// Quota is a byte budget shared by a node's stores: a simulated disk, for
// fault injection (the node's --debug-api hook POST /debug/disk-full). It
// starts unlimited. Limit gives it a budget; a write that does not fit
// fails with ErrDiskFull before anything of it reaches the database, and
// so does every write after it (a failed write is sticky, as in pebble):
// the node's commit path changes in-memory state (atomix sessions, the
// transaction cache) before it writes, so it must not go on in-process
// after a failed write. Full is closed then, and the node stops; it
// resumes on its data directory after a restart, with space again.
//
// Counted are the bytes of keys and values the node writes: block store
// entries and state write sets (plus a fixed overhead per state commit),
// not the databases' own amplification (WAL, compaction, indexes), nor the
// small consensus files the node writes beside them. A nil *Quota is
// unlimited.
type Quota struct {
	mu      sync.Mutex
	limited bool
	left    int64
	written int64
	err     error // the first refused write
	full    chan struct{}
}

// NewQuota returns an unlimited quota.
func NewQuota() *Quota { return &Quota{full: make(chan struct{})} }

// QuotaState is a Quota's state, as the debug API reports it.
type QuotaState struct {
	// Limited reports whether a budget is set; Left is what remains of it.
	Limited bool  `json:"limited"`
	Left    int64 `json:"left"`
	// Written counts the bytes charged since the node started.
	Written int64 `json:"written"`
	// Failed is the first refused write, empty while none was refused.
	Failed string `json:"failed,omitempty"`
}

// Limit sets the budget: writes fail once bytes more were written. A
// negative bytes removes the budget (space returns); that fails with
// ErrQuotaTripped once a write has been refused.
func (q *Quota) Limit(bytes int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if bytes < 0 {
		if q.err != nil {
			return ErrQuotaTripped
		}
		q.limited, q.left = false, 0
		return nil
	}
	q.limited, q.left = true, bytes
	return nil
}

// State returns the quota's state.
func (q *Quota) State() QuotaState {
	if q == nil {
		return QuotaState{}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	s := QuotaState{Limited: q.limited, Left: q.left, Written: q.written}
	if q.err != nil {
		s.Failed = q.err.Error()
	}
	return s
}

// Full is closed when the quota refuses its first write.
func (q *Quota) Full() <-chan struct{} {
	if q == nil {
		return nil
	}
	return q.full
}

// Err is the first refused write (wrapping ErrDiskFull), or nil.
func (q *Quota) Err() error {
	if q == nil {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.err
}

// charge reserves n bytes for a write of what, or refuses it.
func (q *Quota) charge(what string, n int) error {
	if q == nil {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return fmt.Errorf("%w: %s of %d bytes refused after an earlier failure", ErrDiskFull, what, n)
	}
	if q.limited && int64(n) > q.left {
		q.err = fmt.Errorf("%w: %s of %d bytes, %d left of the budget", ErrDiskFull, what, n, q.left)
		close(q.full)
		return q.err
	}
	if q.limited {
		q.left -= int64(n)
	}
	q.written += int64(n)
	return nil
}

// commitOverhead is what a state commit is charged beyond its write set:
// the version, the commitment and the block header microstate keeps.
const commitOverhead = 256

func writesSize(ws []Write) int {
	n := commitOverhead
	for _, w := range ws {
		n += len(w.Key) + len(w.Value)
	}
	return n
}

// LimitDB returns db with its writes charged to q: Set, SetSync and
// batches' Write and WriteSync fail with ErrDiskFull, writing nothing, once
// q refuses. Deletes and reads pass. A nil q returns db itself.
func LimitDB(db dbm.DB, q *Quota) dbm.DB {
	if q == nil {
		return db
	}
	return &quotaDB{DB: db, q: q}
}

type quotaDB struct {
	dbm.DB
	q *Quota
}

func (d *quotaDB) Set(k, v []byte) error {
	if err := d.q.charge("block store write", len(k)+len(v)); err != nil {
		return err
	}
	return d.DB.Set(k, v)
}

func (d *quotaDB) SetSync(k, v []byte) error {
	if err := d.q.charge("block store write", len(k)+len(v)); err != nil {
		return err
	}
	return d.DB.SetSync(k, v)
}

func (d *quotaDB) NewBatch() dbm.Batch { return &quotaBatch{Batch: d.DB.NewBatch(), q: d.q} }

type quotaBatch struct {
	dbm.Batch
	q *Quota
	n int
}

func (b *quotaBatch) Set(k, v []byte) error {
	b.n += len(k) + len(v)
	return b.Batch.Set(k, v)
}

func (b *quotaBatch) Write() error {
	if err := b.q.charge("block store batch", b.n); err != nil {
		return err
	}
	return b.Batch.Write()
}

func (b *quotaBatch) WriteSync() error {
	if err := b.q.charge("block store batch", b.n); err != nil {
		return err
	}
	return b.Batch.WriteSync()
}
