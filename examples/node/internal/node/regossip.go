package node

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
	"github.com/prometheus/client_golang/prometheus"
)

// Re-gossip of stranded transactions.
//
// Gossip is fire-and-forget and pools live in memory, and in two-league mode
// only the believable producer's pool feeds blocks. A transaction that
// reached the other nodes while the producer was down, paused, restarting or
// partitioned away never reaches a block, and its sender's later nonces wait
// behind it for ever. So every node re-publishes the executable transactions
// of its pools that have waited through several rounds, with exponential
// back-off per transaction (after 1, 2, 4, 8, ... rounds) and a cap per
// round, so a full pool under overload costs its peers little.
const (
	regossipPeriod   = 2 * time.Second
	regossipPerShard = 256
)

func (n *Node) regossip(ctx context.Context) error {
	sentTotal := prometheus.NewCounter(prometheus.CounterOpts{Name: "iostkit_tx_regossiped_total", Help: "Pool transactions published again after waiting (stranded-transaction re-gossip)."})
	if err := n.Metrics.Registry.Register(sentTotal); err != nil {
		var already prometheus.AlreadyRegisteredError
		if !errors.As(err, &already) {
			return err
		}
		sentTotal = already.ExistingCollector.(prometheus.Counter)
	}
	t := time.NewTicker(regossipPeriod)
	defer t.Stop()
	waited := make([]map[common.Hash]uint64, len(n.shards)) // rounds seen pending, per shard
	for i := range waited {
		waited[i] = map[common.Hash]uint64{}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		for i, sh := range n.shards {
			pending := sh.Pool().Pending(regossipPerShard, sh.Nonce, nil)
			next := make(map[common.Hash]uint64, len(pending))
			sent := 0
			for _, tx := range pending {
				r := waited[i][tx.Hash()] + 1
				next[tx.Hash()] = r
				if r > 1 && bits.OnesCount64(r-1) == 1 { // waited 1, 2, 4, 8, ... full rounds
					n.transport.PublishTx(tx.Bytes())
					sent++
				}
			}
			waited[i] = next
			if sent > 0 {
				sentTotal.Add(float64(sent))
				n.log.Debug("regossip", "shard", i, "txs", sent)
			}
		}
	}
}

// Precheck refuses, before the costly signature recovery of txn.Decode, a
// transaction that Submit would refuse anyway: one a pool already holds
// (mempool.ErrKnown), or one for a shard whose pool is full
// (mempool.ErrFull). Anything it cannot tell cheaply passes (nil): Decode
// and Submit judge it.
func (n *Node) Precheck(raw []byte) error {
	h := crypto.Keccak256Hash(raw)
	for _, sh := range n.shards {
		if sh.Pool().Has(h) {
			n.Metrics.rejected.WithLabelValues(reason(mempool.ErrKnown)).Inc()
			return fmt.Errorf("%w: %s", mempool.ErrKnown, h)
		}
	}
	// The shard is the second field of the transaction's RLP list.
	body, _, err := rlp.SplitList(raw)
	if err != nil {
		return nil
	}
	if _, body, err = rlp.SplitUint64(body); err != nil {
		return nil
	}
	s, _, err := rlp.SplitUint64(body)
	if err != nil || s >= uint64(len(n.shards)) {
		return nil
	}
	if n.shards[s].Pool().Full() {
		n.Metrics.rejected.WithLabelValues(reason(mempool.ErrFull)).Inc()
		return fmt.Errorf("%w: shard %d", mempool.ErrFull, s)
	}
	return nil
}
