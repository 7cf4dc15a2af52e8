package node

import (
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// TxStatus is what the node knows of a transaction it accepted.
type TxStatus struct {
	Hash       common.Hash `json:"hash"`
	Shard      uint32      `json:"shard"`
	ToShard    uint32      `json:"to_shard"`
	Status     string      `json:"status"` // pending, optimistic, final, credited
	Height     uint64      `json:"height,omitempty"`
	OK         bool        `json:"ok"` // executed successfully (once final)
	Submitted  time.Time   `json:"submitted"`
	Optimistic time.Time   `json:"optimistic,omitzero"`
	Final      time.Time   `json:"final,omitzero"`
	Credited   time.Time   `json:"credited,omitzero"`
}

// tracker remembers the last max transactions' statuses.
type tracker struct {
	mu    sync.Mutex
	max   int
	byH   map[common.Hash]*TxStatus
	order []common.Hash
}

func newTracker(max int) *tracker { return &tracker{max: max, byH: map[common.Hash]*TxStatus{}} }

func (t *tracker) add(s TxStatus) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.byH[s.Hash]; ok {
		return
	}
	if len(t.order) >= t.max {
		delete(t.byH, t.order[0])
		t.order = t.order[1:]
	}
	t.byH[s.Hash] = &s
	t.order = append(t.order, s.Hash)
}

func (t *tracker) update(h common.Hash, f func(*TxStatus)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.byH[h]; ok {
		f(s)
	}
}

func (t *tracker) get(h common.Hash) (TxStatus, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.byH[h]
	if !ok {
		return TxStatus{}, false
	}
	return *s, true
}
