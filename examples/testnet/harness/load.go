package harness

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/eds"
)

// TxRecord is a transfer the harness signed.
type TxRecord struct {
	Hash      common.Hash
	From, To  common.Address
	FromShard uint32
	ToShard   uint32
	Nonce     uint64
	Amount    uint64
}

// Cross reports whether the transfer crosses shards.
func (r TxRecord) Cross() bool { return r.FromShard != r.ToShard }

type sender struct {
	key    *ecdsa.PrivateKey
	addr   common.Address
	shard  uint32
	mu     sync.Mutex
	next   uint64    // next nonce to sign
	ledger uint64    // last ledger nonce read from a node
	moved  time.Time // when ledger last advanced
}

// Load offers signed transfers between demo accounts to the live nodes at
// a set rate and remembers every transfer it signed.
type Load struct {
	net      *Network
	senders  []*sender
	byShard  [][]int
	chainID  uint64
	rng      *rand.Rand
	rngMu    sync.Mutex
	window   uint64
	crossPct int

	mu      sync.Mutex
	txs     map[common.Hash]TxRecord
	raw     map[common.Hash][]byte
	refused map[string]int

	offered, accepted, dropped, transport atomic.Int64
	reoffered                             atomic.Int64
	rate                                  atomic.Int64
}

// NewLoad prepares a load over the network's first m.Accounts demo
// accounts, reading their nonces from a live node.
func NewLoad(ctx context.Context, n *Network) (*Load, error) {
	m := n.M
	l := &Load{
		net: n, byShard: make([][]int, m.Shards), rng: rand.New(rand.NewPCG(uint64(m.Seed), 0x10ad)),
		window: uint64(m.Window), crossPct: m.CrossShardPercent,
		txs: map[common.Hash]TxRecord{}, raw: map[common.Hash][]byte{}, refused: map[string]int{},
	}
	l.rate.Store(int64(m.Rate))
	st, err := n.Nodes[0].API.Status(ctx)
	if err != nil {
		return nil, err
	}
	l.chainID = st.ChainID
	for i := 0; i < m.Accounts; i++ {
		k := DemoKey(i)
		a := crypto.PubkeyToAddress(k.PublicKey)
		s := eds.ShardOf(a, uint32(m.Shards))
		l.byShard[s] = append(l.byShard[s], len(l.senders))
		l.senders = append(l.senders, &sender{key: k, addr: a, shard: s, moved: time.Now()})
	}
	if err := l.PollNonces(ctx); err != nil {
		return nil, err
	}
	for _, s := range l.senders {
		s.next = s.ledger
	}
	return l, nil
}

// Accounts returns the addresses the load sends from and to.
func (l *Load) Accounts() []common.Address {
	out := make([]common.Address, len(l.senders))
	for i, s := range l.senders {
		out[i] = s.addr
	}
	return out
}

// SetRate changes the offered rate (transfers per second).
func (l *Load) SetRate(r int) { l.rate.Store(int64(r)) }

// Record returns the transfer with hash h, if the harness signed it.
func (l *Load) Record(h common.Hash) (TxRecord, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.txs[h]
	return r, ok
}

// LoadStats counts what the load did.
type LoadStats struct {
	Signed, Offered, Accepted int64
	// Dropped are transfers not offered because every submitter was busy
	// or no sender had room in its window.
	Dropped int64
	// Transport are requests that got no answer (node down or paused).
	Transport int64
	// Refused counts refusals by the API's reason code.
	Refused map[string]int
	// Reoffered counts transfers FillGaps offered again because they sat
	// in some pool without ever reaching a block.
	Reoffered int64
}

// Stats returns the counts so far.
func (l *Load) Stats() LoadStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := make(map[string]int, len(l.refused))
	for k, v := range l.refused {
		r[k] = v
	}
	return LoadStats{Signed: int64(len(l.txs)), Offered: l.offered.Load(), Accepted: l.accepted.Load(),
		Dropped: l.dropped.Load(), Transport: l.transport.Load(), Refused: r, Reoffered: l.reoffered.Load()}
}

// RefusalCodes lists the refusal codes seen, sorted.
func (s LoadStats) RefusalCodes() []string {
	var out []string
	for k := range s.Refused {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// PollNonces reads every sender's ledger nonce from a live node. A sender
// whose ledger nonce has not moved for 10 s while it has transfers
// outstanding lost them (accepted by a node killed before it gossiped
// them): its next nonce goes back to the ledger's, to refill the gap.
func (l *Load) PollNonces(ctx context.Context) error {
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, s := range l.senders {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var err error
			for _, nd := range l.net.Live() {
				var a Account
				if a, err = nd.API.Account(ctx, s.addr); err == nil {
					s.mu.Lock()
					if a.Nonce > s.ledger {
						s.ledger, s.moved = a.Nonce, time.Now()
					}
					if s.next < s.ledger {
						s.next = s.ledger
					}
					if s.next > s.ledger && time.Since(s.moved) > 10*time.Second {
						s.next, s.moved = s.ledger, time.Now()
					}
					s.mu.Unlock()
					return
				}
			}
			if err == nil {
				err = errors.New("harness: no live node")
			}
			mu.Lock()
			if firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return firstErr
}

type job struct {
	raw []byte
	rec TxRecord
	s   *sender
}

// Run offers load until ctx ends.
func (l *Load) Run(ctx context.Context) {
	jobs := make(chan job, 4*l.net.M.Workers)
	var wg sync.WaitGroup
	for w := 0; w < l.net.M.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				l.submit(ctx, j)
			}
		}()
	}
	wg.Add(1)
	go func() { // nonce poller
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = l.PollNonces(ctx)
			}
		}
	}()
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	last, owed := time.Now(), 0.0
	for {
		select {
		case <-ctx.Done():
			close(jobs)
			wg.Wait()
			return
		case now := <-t.C:
			owed += now.Sub(last).Seconds() * float64(l.rate.Load())
			last = now
			for ; owed >= 1; owed-- {
				j, ok := l.next()
				if !ok {
					l.dropped.Add(1)
					continue
				}
				select {
				case jobs <- j:
				default:
					l.dropped.Add(1)
					j.s.mu.Lock()
					if j.s.next == j.rec.Nonce+1 {
						j.s.next-- // not sent: reuse the nonce
					}
					j.s.mu.Unlock()
				}
			}
		}
	}
}

// recipient draws the recipient of a transfer from s: on another shard
// with probability crossPct percent, else on s's shard; nil when s's shard
// has no other account. l.rngMu is held.
func (l *Load) recipient(s *sender) *sender {
	var to *sender
	if l.rng.IntN(100) < l.crossPct && len(l.byShard[s.shard]) < len(l.senders) {
		for to == nil || to.shard == s.shard {
			to = l.senders[l.rng.IntN(len(l.senders))]
		}
	} else if local := l.byShard[s.shard]; len(local) >= 2 {
		for to == nil || to == s {
			to = l.senders[local[l.rng.IntN(len(local))]]
		}
	}
	return to
}

// next signs the next transfer from a sender with room in its window.
func (l *Load) next() (job, bool) {
	l.rngMu.Lock()
	defer l.rngMu.Unlock()
	for try := 0; try < 8; try++ {
		s := l.senders[l.rng.IntN(len(l.senders))]
		to := l.recipient(s)
		if to == nil {
			continue
		}
		s.mu.Lock()
		if s.next-s.ledger >= l.window {
			s.mu.Unlock()
			continue
		}
		nonce := s.next
		s.next++
		s.mu.Unlock()
		rec := TxRecord{From: s.addr, To: to.addr, FromShard: s.shard, ToShard: to.shard, Nonce: nonce, Amount: 1 + uint64(l.rng.IntN(1000))}
		raw, h, err := Transfer{ChainID: l.chainID, Shard: s.shard, Nonce: nonce, To: to.addr, Amount: rec.Amount}.Sign(s.key)
		if err != nil {
			continue
		}
		rec.Hash = h
		l.mu.Lock()
		l.txs[h], l.raw[h] = rec, raw
		l.mu.Unlock()
		return job{raw: raw, rec: rec, s: s}, true
	}
	return job{}, false
}

func (l *Load) submit(ctx context.Context, j job) {
	live := l.net.Live()
	if len(live) == 0 {
		l.transport.Add(1)
		return
	}
	l.rngMu.Lock()
	nd := live[l.rng.IntN(len(live))]
	l.rngMu.Unlock()
	l.offered.Add(1)
	err := nd.API.Submit(ctx, j.raw)
	var ae *APIError
	switch {
	case err == nil:
		l.accepted.Add(1)
	case errors.As(err, &ae):
		l.mu.Lock()
		l.refused[ae.Code]++
		l.mu.Unlock()
		j.s.mu.Lock()
		switch ae.Code {
		case "nonce_taken":
			// another transfer of ours holds the nonce: go on after it
		case "known":
		default:
			// refused outright (pool full, sender limit, gap, replay):
			// sign again from the ledger nonce next time
			if j.s.next > j.s.ledger {
				j.s.next = max(j.s.ledger, min(j.s.next, j.rec.Nonce))
			}
		}
		j.s.mu.Unlock()
	default:
		l.transport.Add(1)
	}
}

// FillGaps helps senders whose ledger nonce has not moved for stall while
// they have transfers outstanding: it offers again, to every live node,
// each transfer of theirs the harness signed from the ledger nonce on (a
// node that accepted one while the block producer was down keeps it in its
// own pool only), and signs a fresh one when none holds the ledger nonce
// (a crash lost it). It returns how many transfers it offered.
func (l *Load) FillGaps(ctx context.Context, stall time.Duration) int {
	_ = l.PollNonces(ctx)
	l.mu.Lock()
	bySender := map[common.Address][]TxRecord{}
	for _, r := range l.txs {
		bySender[r.From] = append(bySender[r.From], r)
	}
	l.mu.Unlock()
	sent := 0
	for _, s := range l.senders {
		s.mu.Lock()
		stalled := time.Since(s.moved) > stall
		ledger := s.ledger
		s.mu.Unlock()
		if !stalled {
			continue
		}
		// Any transfer signed at or above the ledger nonce may wait in
		// some pool behind a gap.
		var again []TxRecord
		hasLedger := false
		for _, r := range bySender[s.addr] {
			if r.Nonce >= ledger {
				again = append(again, r)
				hasLedger = hasLedger || r.Nonce == ledger
			}
		}
		if len(again) == 0 {
			continue
		}
		if !hasLedger {
			var to *sender
			for _, o := range l.senders {
				if o != s && o.shard == s.shard {
					to = o
					break
				}
			}
			if to == nil {
				continue
			}
			raw, h, err := Transfer{ChainID: l.chainID, Shard: s.shard, Nonce: ledger, To: to.addr, Amount: 1}.Sign(s.key)
			if err != nil {
				continue
			}
			rec := TxRecord{Hash: h, From: s.addr, To: to.addr, FromShard: s.shard, ToShard: to.shard, Nonce: ledger, Amount: 1}
			l.mu.Lock()
			l.txs[h], l.raw[h] = rec, raw
			l.mu.Unlock()
			again = append(again, rec)
		}
		sort.Slice(again, func(i, j int) bool { return again[i].Nonce < again[j].Nonce })
		for _, r := range again {
			l.mu.Lock()
			raw := l.raw[r.Hash]
			l.mu.Unlock()
			for _, nd := range l.net.Live() {
				_ = nd.API.Submit(ctx, raw)
				sent++
			}
		}
		l.reoffered.Add(int64(len(again)))
		s.mu.Lock()
		s.moved = time.Now()
		s.mu.Unlock()
	}
	return sent
}
