package node

import (
	"time"

	"github.com/iostkit/iostkit/examples/node/internal/chain"
)

// ShardStatus is one shard's progress.
type ShardStatus struct {
	Shard     uint32 `json:"shard"`
	Height    uint64 `json:"height"`
	Epoch     uint64 `json:"epoch"`
	Mempool   int    `json:"mempool"`
	StateRoot string `json:"state_root"`
	Fallback  bool   `json:"one_league"`
}

// Status is the node's summary, as /status serves it.
type Status struct {
	ChainID       uint64        `json:"chain_id"`
	Engine        string        `json:"engine"`
	Validator     string        `json:"validator,omitempty"`
	Epoch         uint64        `json:"epoch"`
	Shards        []ShardStatus `json:"shards"`
	FinalTxs      uint64        `json:"final_txs"`
	FailedTxs     uint64        `json:"failed_txs"`
	TxPerSecond   float64       `json:"tx_per_second"`
	CrossExported uint64        `json:"cross_shard_exported"`
	CrossCredited uint64        `json:"cross_shard_committed"`
	CrossBacklog  int           `json:"cross_shard_in_flight"`
	Convictions   uint64        `json:"convictions"`
	Uptime        string        `json:"uptime"`
}

// Status reports the node's progress.
func (n *Node) Status() Status {
	st := Status{
		ChainID: n.cfg.ChainID, Engine: n.cfg.Engine, Epoch: n.Epoch(),
		FinalTxs: n.finalTxs.Load(), FailedTxs: n.failedTxs.Load(), TxPerSecond: n.rate.perSecond(time.Now()),
		CrossExported: n.crossExported.Load(), CrossCredited: n.crossCredited.Load(),
		Convictions: n.convictions.Load(), Uptime: time.Since(n.started).Round(time.Second).String(),
	}
	if n.self != nil {
		st.Validator = n.self.ID
	}
	for _, sh := range n.shards {
		// atomix sessions not yet settled: locked, or decided but not
		// acknowledged by every shard of the transfer.
		st.CrossBacklog += sh.Sessions()
	}
	n.mu.Lock()
	for i, sh := range n.shards {
		h, root := heightAndRoot(sh)
		st.Shards = append(st.Shards, ShardStatus{
			Shard: uint32(i), Height: h, Epoch: n.epochs[i].Epoch, Mempool: sh.Pool().Len(),
			StateRoot: hexBytes(root), Fallback: n.epochs[i].Leagues.Fallback,
		})
	}
	n.mu.Unlock()
	return st
}

// heightAndRoot reads a shard's height and state root as a pair: a commit
// between the two reads would pair a height with the next block's root, so
// it reads the height again and retries until both reads agree.
func heightAndRoot(sh *chain.Shard) (uint64, []byte) {
	h := sh.Height()
	for {
		root := sh.State().Root()
		again := sh.Height()
		if again == h {
			return h, root
		}
		h = again
	}
}

func hexBytes(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2+2*len(b))
	out[0], out[1] = '0', 'x'
	for i, c := range b {
		out[2+2*i], out[3+2*i] = digits[c>>4], digits[c&15]
	}
	return string(out)
}
