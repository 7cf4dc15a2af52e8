package harness

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// A flood offers pre-signed transfers at a fixed rate. The overload run
// uses it so that the offered-load window measures the nodes, not the
// harness: signing a transfer costs about as much as the node's signature
// recovery, and on a shared machine the load generator signing inside the
// window was what capped the offered rate (6.7–7.9× instead of 10×).
//
// Each sender gets a run of consecutive nonces signed before the flood,
// from the next nonce the load would have used, with the cross-shard share
// of the ramp that measured the sustainable rate (before 24 November
// 2026, 19:15 UTC, every recipient was drawn from all accounts: about half
// the flood crossed shards against the ramp's 20%). During the flood a sender
// offers them in nonce order, at most window beyond its ledger nonce; a
// transfer refused outright (pool full, sender limit, nonce gap) is offered
// again later, as a wallet would — the same signed bytes, so no signing.
type flood struct {
	l       *Load
	window  int
	senders []*floodSender

	sent     atomic.Int64 // requests made
	answered atomic.Int64
	// busy and full count transfers not offered: every submitter busy, or
	// no sender with room in its window.
	busy, full atomic.Int64
	latency    atomic.Int64 // summed request time, ns
}

type floodSender struct {
	s    *sender
	base uint64 // nonce of txs[0]
	txs  []floodTx

	mu     sync.Mutex
	cursor int // next index to offer
}

type floodTx struct {
	raw  []byte
	body []byte // POST /tx JSON
	rec  TxRecord
}

// presign signs perSender transfers for every sender of l, from its next
// nonce on. l must not be running.
func presign(l *Load, perSender, window int) *flood {
	f := &flood{l: l, window: window}
	var wg sync.WaitGroup
	f.senders = make([]*floodSender, len(l.senders))
	for i, s := range l.senders {
		s.mu.Lock()
		base := s.next
		s.mu.Unlock()
		fs := &floodSender{s: s, base: base, txs: make([]floodTx, perSender)}
		f.senders[i] = fs
		// Recipients and amounts are drawn here, signing runs in parallel.
		recs := make([]TxRecord, perSender)
		l.rngMu.Lock()
		for k := range recs {
			// the ramp's mix: the same cross-shard share
			to := l.recipient(s)
			for to == nil {
				to = l.senders[l.rng.IntN(len(l.senders))]
				if to == s {
					to = nil
				}
			}
			recs[k] = TxRecord{From: s.addr, To: to.addr, FromShard: s.shard, ToShard: to.shard, Nonce: base + uint64(k), Amount: 1 + uint64(l.rng.IntN(1000))}
		}
		l.rngMu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k, rec := range recs {
				raw, h, err := Transfer{ChainID: l.chainID, Shard: rec.FromShard, Nonce: rec.Nonce, To: rec.To, Amount: rec.Amount}.Sign(s.key)
				if err != nil {
					panic(err) // a valid key and fixed-size fields always sign
				}
				rec.Hash = h
				body, _ := json.Marshal(map[string]string{"tx": "0x" + hex.EncodeToString(raw)})
				fs.txs[k] = floodTx{raw: raw, body: body, rec: rec}
			}
		}()
	}
	wg.Wait()
	return f
}

// take returns the next transfer of a sender with room, or false.
func (f *flood) take(start int) (*floodSender, int, bool) {
	for i := range f.senders {
		fs := f.senders[(start+i)%len(f.senders)]
		fs.s.mu.Lock()
		ledger := fs.s.ledger
		fs.s.mu.Unlock()
		fs.mu.Lock()
		if ledger > fs.base && fs.cursor < int(ledger-fs.base) {
			fs.cursor = int(ledger - fs.base) // those are in the chain
		}
		k := fs.cursor
		if k < len(fs.txs) && fs.base+uint64(k) < ledger+uint64(f.window) {
			fs.cursor++
			fs.mu.Unlock()
			return fs, k, true
		}
		fs.mu.Unlock()
	}
	return nil, 0, false
}

// run offers rate transfers per second until ctx ends, with workers
// concurrent submitters spread over the live nodes.
func (f *flood) run(ctx context.Context, rate, workers int) {
	type job struct {
		fs *floodSender
		k  int
	}
	jobs := make(chan job, 8*workers) // a late dispatcher tick sends a burst
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			turn := w
			for j := range jobs {
				turn++
				f.submit(ctx, j.fs, j.k, turn)
			}
		}()
	}
	wg.Add(1)
	go func() { // ledger nonces: which transfers reached the chain
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = f.l.PollNonces(ctx)
			}
		}
	}()
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	last, owed, next := time.Now(), 0.0, 0
	for {
		select {
		case <-ctx.Done():
			close(jobs)
			wg.Wait()
			return
		case now := <-t.C:
			owed += now.Sub(last).Seconds() * float64(rate)
			last = now
			for ; owed >= 1; owed-- {
				next++
				fs, k, ok := f.take(next)
				if !ok {
					f.l.dropped.Add(1)
					f.full.Add(1)
					continue
				}
				select {
				case jobs <- job{fs, k}:
				default:
					f.l.dropped.Add(1) // every submitter busy: not offered
					f.busy.Add(1)
					fs.mu.Lock()
					fs.cursor = min(fs.cursor, k)
					fs.mu.Unlock()
				}
			}
		}
	}
}

func (f *flood) submit(ctx context.Context, fs *floodSender, k, turn int) {
	live := f.l.net.Live()
	if len(live) == 0 {
		f.l.transport.Add(1)
		return
	}
	tx := fs.txs[k]
	f.l.mu.Lock()
	f.l.txs[tx.rec.Hash], f.l.raw[tx.rec.Hash] = tx.rec, tx.raw
	f.l.mu.Unlock()
	f.l.offered.Add(1)
	f.sent.Add(1)
	start := time.Now()
	err := live[turn%len(live)].API.do(ctx, http.MethodPost, "/tx", tx.body, nil)
	f.latency.Add(int64(time.Since(start)))
	var ae *APIError
	switch {
	case err == nil:
		f.answered.Add(1)
		f.l.accepted.Add(1)
	case errors.As(err, &ae):
		f.answered.Add(1)
		f.l.mu.Lock()
		f.l.refused[ae.Code]++
		f.l.mu.Unlock()
		switch ae.Code {
		case "nonce_taken", "known", "replay":
			// in a pool or in the chain already
		default:
			// refused outright: offer it again later
			fs.mu.Lock()
			fs.cursor = min(fs.cursor, k)
			fs.mu.Unlock()
		}
	default:
		f.l.transport.Add(1)
		fs.mu.Lock()
		fs.cursor = min(fs.cursor, k)
		fs.mu.Unlock()
	}
}

// GapStats describes the senders whose ledger nonce stood still at the end
// of a flood: whether the transfer at their ledger nonce waits in some
// node, or is held by none while a later one of theirs is (a nonce gap a
// full pool keeps closed).
type GapStats struct {
	// Stalled counts the senders whose ledger nonce did not move for the
	// stall time, with transfers signed beyond it.
	Stalled int
	// HeadHeld counts those whose transfer at the ledger nonce some node
	// accepted (it waits in a pool, or is on its way into a block).
	HeadHeld int
	// Gap counts those whose transfer at the ledger nonce no node accepted
	// while a node accepted the next one.
	Gap int
}

// gaps classifies the senders stalled for at least stall (see GapStats),
// asking every live node about their next two transfers.
func (f *flood) gaps(ctx context.Context, stall time.Duration) GapStats {
	_ = f.l.PollNonces(ctx)
	var st GapStats
	held := func(h common.Hash) bool {
		for _, nd := range f.l.net.Live() {
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			_, err := nd.API.TxStatus(cctx, h)
			cancel()
			if err == nil {
				return true
			}
		}
		return false
	}
	for _, fs := range f.senders {
		fs.s.mu.Lock()
		ledger, moved := fs.s.ledger, fs.s.moved
		fs.s.mu.Unlock()
		if time.Since(moved) < stall || ledger < fs.base || int(ledger-fs.base)+1 >= len(fs.txs) {
			continue
		}
		k := int(ledger - fs.base)
		st.Stalled++
		switch {
		case held(fs.txs[k].rec.Hash):
			st.HeadHeld++
		case held(fs.txs[k+1].rec.Hash):
			st.Gap++
		}
	}
	return st
}
