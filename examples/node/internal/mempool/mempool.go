package mempool

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
)

// Errors returned by Add; each says why a transaction was refused.
var (
	// ErrFull means the pool holds Config.Capacity transactions.
	ErrFull = errors.New("mempool: pool is full")
	// ErrSenderLimit means the sender already has Config.PerSender
	// transactions waiting.
	ErrSenderLimit = errors.New("mempool: too many pending transactions from sender")
	// ErrKnown means the pool already holds this transaction.
	ErrKnown = errors.New("mempool: transaction already known")
	// ErrNonceUsed means the nonce is below the sender's ledger nonce:
	// a replay of an included transaction.
	ErrNonceUsed = errors.New("mempool: nonce already used")
	// ErrNonceGap means the nonce is further ahead of the ledger nonce than
	// Config.MaxNonceGap.
	ErrNonceGap = errors.New("mempool: nonce too far in the future")
	// ErrNonceTaken means another transaction with the same sender and nonce
	// is waiting (no replacement: first come, first served).
	ErrNonceTaken = errors.New("mempool: sender already has a transaction with this nonce")
)

// Defaults for Config.
const (
	DefaultCapacity    = 50_000
	DefaultPerSender   = 256
	DefaultMaxNonceGap = 256
)

// Config bounds a Pool. Zero fields take the defaults.
type Config struct {
	// Capacity is the most transactions the pool holds. Its last quarter
	// takes only transactions that can run — no nonce missing between the
	// sender's ledger nonce and theirs — so that transactions waiting on a
	// nonce the pool refused can never fill it.
	Capacity int
	// PerSender is the most transactions one sender may have waiting.
	PerSender int
	// MaxNonceGap is how far ahead of its ledger nonce a sender may go.
	MaxNonceGap uint64
}

func (c Config) withDefaults() Config {
	if c.Capacity == 0 {
		c.Capacity = DefaultCapacity
	}
	if c.PerSender == 0 {
		c.PerSender = DefaultPerSender
	}
	if c.MaxNonceGap == 0 {
		c.MaxNonceGap = DefaultMaxNonceGap
	}
	return c
}

// Validate reports whether c is usable.
func (c Config) Validate() error {
	if c.Capacity < 0 || c.PerSender < 0 {
		return errors.New("mempool: negative limit")
	}
	c = c.withDefaults()
	if c.PerSender > c.Capacity {
		return fmt.Errorf("mempool: per-sender limit %d above capacity %d", c.PerSender, c.Capacity)
	}
	return nil
}

// Pool is a bounded transaction pool, safe for concurrent use.
type Pool struct {
	cfg      Config
	mu       sync.Mutex
	senders  map[common.Address]*queue
	arrivals []common.Address // senders in order of first arrival, for fairness
	known    map[common.Hash]*txn.Tx
	n        int
}

type queue struct {
	byNonce map[uint64]*txn.Tx
}

// contiguous reports whether every nonce from ledger up to (not
// including) nonce is queued: a transaction at nonce can then run once
// they have. q may be nil (a sender with nothing queued).
func (q *queue) contiguous(ledger, nonce uint64) bool {
	for n := ledger; n < nonce; n++ {
		if q == nil || q.byNonce[n] == nil {
			return false
		}
	}
	return true
}

// New returns an empty pool.
func New(cfg Config) (*Pool, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Pool{cfg: cfg.withDefaults(), senders: map[common.Address]*queue{}, known: map[common.Hash]*txn.Tx{}}, nil
}

// Add queues t. ledgerNonce is the sender's next nonce in the committed
// state. On error the pool is unchanged.
func (p *Pool) Add(t *txn.Tx, ledgerNonce uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.known[t.Hash()]; ok {
		return ErrKnown
	}
	if t.Nonce < ledgerNonce {
		return fmt.Errorf("%w: nonce %d, next is %d", ErrNonceUsed, t.Nonce, ledgerNonce)
	}
	if t.Nonce-ledgerNonce >= p.cfg.MaxNonceGap {
		return fmt.Errorf("%w: nonce %d, next is %d, gap limit %d", ErrNonceGap, t.Nonce, ledgerNonce, p.cfg.MaxNonceGap)
	}
	q := p.senders[t.From()]
	if q != nil {
		if _, ok := q.byNonce[t.Nonce]; ok {
			return fmt.Errorf("%w: nonce %d", ErrNonceTaken, t.Nonce)
		}
		if len(q.byNonce) >= p.cfg.PerSender {
			return fmt.Errorf("%w: %d waiting", ErrSenderLimit, len(q.byNonce))
		}
	}
	if p.n >= p.cfg.Capacity {
		return fmt.Errorf("%w: %d transactions", ErrFull, p.n)
	}
	if p.n >= p.cfg.Capacity-p.cfg.Capacity/4 && !q.contiguous(ledgerNonce, t.Nonce) {
		// The last quarter is for transactions that can run: a pool full of
		// transfers waiting on nonces it refused would never drain
		// (reliability finding 10: a flood stopped finalization this way).
		return fmt.Errorf("%w: %d transactions; nonce %d waits on a missing nonce from %d, and the last quarter of the pool is kept for transactions that can run", ErrFull, p.n, t.Nonce, ledgerNonce)
	}
	if q == nil {
		q = &queue{byNonce: map[uint64]*txn.Tx{}}
		p.senders[t.From()] = q
		p.arrivals = append(p.arrivals, t.From())
	}
	q.byNonce[t.Nonce] = t
	p.known[t.Hash()] = t
	p.n++
	return nil
}

// Pending returns up to max executable transactions without removing them:
// for each sender the consecutive nonces from nonceOf(sender) on, taken one
// per sender per round in order of the senders' first arrival. keep, when
// not nil, selects the senders to consider (a believable producer takes
// only the senders routed to it).
func (p *Pool) Pending(max int, nonceOf func(common.Address) uint64, keep func(common.Address) bool) []*txn.Tx {
	p.mu.Lock()
	defer p.mu.Unlock()
	next := make(map[common.Address]uint64, len(p.arrivals))
	active := make([]common.Address, 0, len(p.arrivals))
	for _, a := range p.arrivals {
		if keep != nil && !keep(a) {
			continue
		}
		next[a] = nonceOf(a)
		active = append(active, a)
	}
	var out []*txn.Tx
	for len(out) < max && len(active) > 0 {
		kept := active[:0]
		for _, a := range active {
			if len(out) == max {
				break
			}
			t, ok := p.senders[a].byNonce[next[a]]
			if !ok {
				continue
			}
			out = append(out, t)
			next[a]++
			kept = append(kept, a)
		}
		active = kept
	}
	return out
}

// Committed removes every transaction of the given senders whose nonce is
// below their new ledger nonce.
func (p *Pool) Committed(nonceOf func(common.Address) uint64, senders ...common.Address) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range senders {
		q := p.senders[a]
		if q == nil {
			continue
		}
		n := nonceOf(a)
		for nonce, t := range q.byNonce {
			if nonce < n {
				delete(q.byNonce, nonce)
				delete(p.known, t.Hash())
				p.n--
			}
		}
		if len(q.byNonce) == 0 {
			delete(p.senders, a)
		}
	}
	p.compactArrivals()
}

// Remove drops one transaction (one the executor refused, say).
func (p *Pool) Remove(t *txn.Tx) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := p.senders[t.From()]
	if q == nil || q.byNonce[t.Nonce] == nil || q.byNonce[t.Nonce].Hash() != t.Hash() {
		return
	}
	delete(q.byNonce, t.Nonce)
	delete(p.known, t.Hash())
	p.n--
	if len(q.byNonce) == 0 {
		delete(p.senders, t.From())
		p.compactArrivals()
	}
}

func (p *Pool) compactArrivals() {
	kept := p.arrivals[:0]
	for _, a := range p.arrivals {
		if _, ok := p.senders[a]; ok {
			kept = append(kept, a)
		}
	}
	p.arrivals = kept
}

// Len is the number of transactions held.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// Full reports whether the pool holds Config.Capacity transactions: Add
// would refuse any new one with ErrFull. Admission checks it before the
// costly signature recovery.
func (p *Pool) Full() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n >= p.cfg.Capacity
}

// Has reports whether the pool holds the transaction with hash h.
func (p *Pool) Has(h common.Hash) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.known[h]
	return ok
}

// Get returns the transaction with hash h, when the pool holds it.
func (p *Pool) Get(h common.Hash) (*txn.Tx, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.known[h]
	return t, ok
}

// Senders lists the senders with waiting transactions, sorted.
func (p *Pool) Senders() []common.Address {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]common.Address, 0, len(p.senders))
	for a := range p.senders {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Cmp(out[j]) < 0 })
	return out
}

// PendingOf is the number of transactions addr has waiting.
func (p *Pool) PendingOf(addr common.Address) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if q := p.senders[addr]; q != nil {
		return len(q.byNonce)
	}
	return 0
}
