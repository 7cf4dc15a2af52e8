package node

import (
	"time"
)

// ShardStatus is one shard's progress.
type ShardStatus struct {
	Shard      uint32   `json:"shard"`
	Height     uint64   `json:"height"`
	Mempool    int      `json:"mempool"`
	StateRoot  string   `json:"state_root"`
	Validators []string `json:"validators"`
}

// Status is the node's summary, as /status serves it.
type Status struct {
	ChainID       uint64        `json:"chain_id"`
	Engine        string        `json:"engine"`
	Epoch         uint64        `json:"epoch"`
	Shards        []ShardStatus `json:"shards"`
	FinalTxs      uint64        `json:"final_txs"`
	TxPerSecond   float64       `json:"tx_per_second"`
	CrossExported uint64        `json:"cross_shard_exported"`
	CrossCredited uint64        `json:"cross_shard_committed"`
	CrossBacklog  int           `json:"cross_shard_in_flight"`
	Uptime        string        `json:"uptime"`
}

// Status reports the node's progress.
func (n *Node) Status() Status {
	a := n.Assignment()
	st := Status{
		ChainID: n.cfg.ChainID, Engine: n.cfg.Engine, Epoch: n.Epoch(),
		FinalTxs: n.finalTxs.Load(), TxPerSecond: n.rate.perSecond(time.Now()),
		CrossExported: n.crossExported.Load(), CrossCredited: n.crossCredited.Load(),
		CrossBacklog: n.relay.backlog(), Uptime: time.Since(n.started).Round(time.Second).String(),
	}
	for i, sh := range n.shards {
		ss := ShardStatus{Shard: uint32(i), Height: sh.Height(), Mempool: sh.Pool().Len(), StateRoot: hexBytes(sh.State().Root())}
		for _, v := range a.Shards[i] {
			ss.Validators = append(ss.Validators, v.ID)
		}
		st.Shards = append(st.Shards, ss)
	}
	return st
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
