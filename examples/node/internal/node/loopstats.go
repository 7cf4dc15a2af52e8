package node

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/pob"
	"github.com/prometheus/client_golang/prometheus"
)

// recentFinal is how many finalized transaction hashes per shard loopStats
// remembers to recognise a transaction finalized a second time: minutes of
// traffic at the rates one process reaches, far longer than a duplicate
// inclusion takes (heights apart).
const recentFinal = 1 << 16

// loopStats are the counters that say how a shard's loop spends its
// heights: ticks and message rounds, heights finalized and how full they
// are, where their transfers came from (believable producers' optimistic
// blocks or a proposer's own payload), and why transfers fail at
// execution — the figures docs/performance.md compares with the
// simulator's node loop.
type loopStats struct {
	ticks        *prometheus.CounterVec
	rounds       *prometheus.CounterVec
	roundCap     *prometheus.CounterVec
	tickSeconds  *prometheus.HistogramVec
	optimisticTx *prometheus.CounterVec
	heights      *prometheus.CounterVec
	empty        *prometheus.CounterVec
	optIncluded  *prometheus.CounterVec
	payloadTxs   *prometheus.CounterVec
	blockTxs     *prometheus.HistogramVec
	failed       *prometheus.CounterVec
	refinalized  *prometheus.CounterVec

	mu     sync.Mutex
	recent map[uint32]*hashRing
}

func newLoopStats(reg *prometheus.Registry) *loopStats {
	shard := []string{"shard"}
	l := &loopStats{
		ticks:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iostkit_loop_ticks_total", Help: "Ticks of a shard's loop."}, shard),
		rounds:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iostkit_loop_rounds_total", Help: "Message-exchange rounds with work, over all ticks of a shard's loop."}, shard),
		roundCap: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iostkit_loop_round_cap_total", Help: "Ticks that stopped at the round cap with work left."}, shard),
		tickSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "iostkit_loop_tick_seconds", Help: "Wall time of one tick of a shard's loop (engines, rounds, execution).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}, shard),
		optimisticTx: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iostkit_optimistic_txs_total", Help: "Transactions in the optimistic blocks seen."}, shard),
		heights:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iostkit_heights_finalized_total", Help: "Heights finalized and executed."}, shard),
		empty:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iostkit_heights_empty_total", Help: "Finalized heights that carry no user transfer."}, shard),
		optIncluded:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iostkit_optimistic_blocks_finalized_total", Help: "Optimistic blocks included in finalized blocks."}, shard),
		payloadTxs:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iostkit_payload_txs_finalized_total", Help: "User transfers finalized from a proposer's own payload (pob's fallback), not from an optimistic block."}, shard),
		blockTxs: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "iostkit_block_transfers", Help: "User transfers per finalized height (succeeded or failed).",
			Buckets: []float64{0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}}, shard),
		failed:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iostkit_tx_failed_reason_total", Help: "User transfers finalized but failed at execution, by reason."}, []string{"shard", "reason"}),
		refinalized: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iostkit_tx_refinalized_total", Help: "User transfers finalized again: the same transaction was in an earlier finalized block or earlier in the same one."}, shard),
		recent:      map[uint32]*hashRing{},
	}
	reg.MustRegister(l.ticks, l.rounds, l.roundCap, l.tickSeconds, l.optimisticTx, l.heights, l.empty, l.optIncluded, l.payloadTxs, l.blockTxs, l.failed, l.refinalized)
	return l
}

// tick records the wall time of one tick of shard s's loop.
func (l *loopStats) tick(s uint32, took time.Duration) {
	lb := shardLabel(s)
	l.ticks.WithLabelValues(lb).Inc()
	l.tickSeconds.WithLabelValues(lb).Observe(took.Seconds())
}

// pumped records the message rounds of one tick that had work, and
// whether it stopped at the cap (limit) with work left.
func (l *loopStats) pumped(s uint32, rounds, limit int) {
	lb := shardLabel(s)
	l.rounds.WithLabelValues(lb).Add(float64(rounds))
	if rounds >= limit {
		l.roundCap.WithLabelValues(lb).Inc()
	}
}

// optimistic records an optimistic block seen for the first time.
func (l *loopStats) optimistic(s uint32, o pob.OptimisticBlock) {
	l.optimisticTx.WithLabelValues(shardLabel(s)).Add(float64(len(o.Txs)))
}

// committed records an executed block: its receipts are in the order of
// c.Block.Txs(), the optimistic blocks' transactions first, then the
// proposer's payload.
func (l *loopStats) committed(s uint32, b *chain.Block, c pob.Commit) {
	lb := shardLabel(s)
	payloadFrom := len(b.Receipts) - len(c.Block.Payload)
	l.mu.Lock()
	ring := l.recent[s]
	if ring == nil {
		ring = newHashRing(recentFinal)
		l.recent[s] = ring
	}
	transfers, fromPayload, again := 0, 0, 0
	failed := map[string]int{}
	for i, r := range b.Receipts {
		if chain.IsAtomix(b.Txs[i]) {
			continue
		}
		transfers++
		if i >= payloadFrom {
			fromPayload++
		}
		if ring.has(r.Hash) {
			again++
		} else {
			ring.add(r.Hash)
		}
		if !r.OK {
			failed[failReason(r.Err)]++
		}
	}
	l.mu.Unlock()
	l.heights.WithLabelValues(lb).Inc()
	if transfers == 0 {
		l.empty.WithLabelValues(lb).Inc()
	}
	l.optIncluded.WithLabelValues(lb).Add(float64(len(c.Block.Optimistic)))
	l.payloadTxs.WithLabelValues(lb).Add(float64(fromPayload))
	l.blockTxs.WithLabelValues(lb).Observe(float64(transfers))
	l.refinalized.WithLabelValues(lb).Add(float64(again))
	for reason, k := range failed {
		l.failed.WithLabelValues(lb, reason).Add(float64(k))
	}
}

// failReason labels an execution error. A bad nonce is split by its
// direction: "bad_nonce_used" (the nonce was already consumed: a replay or
// the same transfer included twice) or "bad_nonce_gap" (an earlier nonce
// of the sender is missing).
func failReason(err string) string {
	const badNonce = "token: bad nonce"
	i := strings.Index(err, badNonce)
	if i < 0 {
		if strings.Contains(err, "token: insufficient funds") {
			return "insufficient_funds"
		}
		return "other"
	}
	var got, want uint64
	if _, e := fmt.Sscanf(err[i+len(badNonce):], ": got %d, want %d", &got, &want); e != nil {
		return "bad_nonce"
	}
	if got < want {
		return "bad_nonce_used"
	}
	return "bad_nonce_gap"
}

// hashRing remembers the last n hashes added.
type hashRing struct {
	ring []common.Hash
	next int
	full bool
	in   map[common.Hash]int
}

func newHashRing(n int) *hashRing {
	return &hashRing{ring: make([]common.Hash, n), in: make(map[common.Hash]int, n)}
}

func (r *hashRing) has(h common.Hash) bool { return r.in[h] > 0 }

func (r *hashRing) add(h common.Hash) {
	if r.full {
		old := r.ring[r.next]
		if r.in[old]--; r.in[old] <= 0 {
			delete(r.in, old)
		}
	}
	r.ring[r.next] = h
	r.in[h]++
	if r.next++; r.next == len(r.ring) {
		r.next, r.full = 0, true
	}
}
