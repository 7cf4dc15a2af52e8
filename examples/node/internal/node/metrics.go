package node

import (
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/iostkit/iostkit/token"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the node's Prometheus metrics, in their own registry.
type Metrics struct {
	Registry         *prometheus.Registry
	accepted         prometheus.Counter
	rejected         *prometheus.CounterVec
	txs              prometheus.Counter
	failed           prometheus.Counter
	credits          prometheus.Counter
	convictions      prometheus.Counter
	optimisticBlocks *prometheus.CounterVec
	finalized        *prometheus.GaugeVec
	epoch            *prometheus.GaugeVec
	latency          *prometheus.HistogramVec
	loop             *loopStats
}

func newMetrics() *Metrics {
	m := &Metrics{
		Registry:         prometheus.NewRegistry(),
		accepted:         prometheus.NewCounter(prometheus.CounterOpts{Name: "iostkit_tx_accepted_total", Help: "Transactions accepted into a mempool."}),
		rejected:         prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iostkit_tx_rejected_total", Help: "Transactions refused, by reason."}, []string{"reason"}),
		txs:              prometheus.NewCounter(prometheus.CounterOpts{Name: "iostkit_tx_finalized_total", Help: "Transactions in finalized blocks."}),
		credits:          prometheus.NewCounter(prometheus.CounterOpts{Name: "iostkit_crossshard_credited_total", Help: "Cross-shard transfers committed on their destination shard."}),
		failed:           prometheus.NewCounter(prometheus.CounterOpts{Name: "iostkit_tx_failed_total", Help: "Transactions finalized but failed at execution."}),
		convictions:      prometheus.NewCounter(prometheus.CounterOpts{Name: "iostkit_convictions_total", Help: "Validators convicted by fraud proofs or equivocation evidence."}),
		optimisticBlocks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iostkit_optimistic_blocks_total", Help: "Optimistic blocks seen."}, []string{"shard"}),
		finalized:        prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "iostkit_finalized_height", Help: "Height of the last finalized block."}, []string{"shard"}),
		epoch:            prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "iostkit_epoch", Help: "Current epoch per shard."}, []string{"shard"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "iostkit_tx_latency_seconds", Help: "Submit to optimistic inclusion or finality.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{"kind"}),
	}
	m.Registry.MustRegister(m.accepted, m.rejected, m.txs, m.failed, m.credits, m.convictions, m.optimisticBlocks, m.finalized, m.epoch, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.loop = newLoopStats(m.Registry)
	return m
}

// reason is a short label for a rejection.
func reason(err error) string {
	for _, r := range []struct {
		err   error
		label string
	}{
		{chain.ErrWrongChain, "wrong_chain"}, {chain.ErrWrongShard, "wrong_shard"},
		{chain.ErrUnknownAccount, "unknown_account"}, {token.ErrInsufficientFunds, "insufficient_funds"},
		{mempool.ErrFull, "pool_full"}, {mempool.ErrSenderLimit, "sender_limit"}, {mempool.ErrKnown, "known"},
		{mempool.ErrNonceUsed, "nonce_used"}, {mempool.ErrNonceGap, "nonce_gap"}, {mempool.ErrNonceTaken, "nonce_taken"},
		{txn.ErrOversize, "oversize"}, {txn.ErrBadSignature, "bad_signature"}, {txn.ErrHighS, "high_s"},
	} {
		if errors.Is(err, r.err) {
			return r.label
		}
	}
	return "other"
}

func shardLabel(s uint32) string { return strconv.FormatUint(uint64(s), 10) }

func txHash(raw []byte) common.Hash { return crypto.Keccak256Hash(raw) }

// rateWindow counts finalized transactions over the last 10 seconds.
type rateWindow struct {
	mu      sync.Mutex
	buckets [10]struct {
		sec int64
		n   int
	}
}

func (w *rateWindow) add(t time.Time, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := &w.buckets[t.Unix()%10]
	if b.sec != t.Unix() {
		b.sec, b.n = t.Unix(), 0
	}
	b.n += n
}

// perSecond averages the complete seconds of the last 10.
func (w *rateWindow) perSecond(now time.Time) float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	total := 0
	for _, b := range w.buckets {
		if d := now.Unix() - b.sec; d >= 1 && d <= 9 {
			total += b.n
		}
	}
	return float64(total) / 9
}
