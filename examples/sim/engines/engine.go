package engines

import (
	"errors"

	"github.com/ethereum/go-ethereum/common"

	"github.com/iostkit/iostkit/examples/sim/shardsim"
	"github.com/iostkit/iostkit/pob"
)

// adapter is one simulated validator: a real pob.Engine behind the
// shardsim.Engine interface.
type adapter struct {
	p              *Protocol
	eng            pob.Engine
	index          map[common.Address]int
	members        []common.Address
	committeeIndex int
	committeeSize  int
	inCommittee    bool
	producer       bool
	sample         float64
	app            simApp
	rejected       uint64
}

var _ shardsim.Engine = (*adapter)(nil)

// simApp is the Application the engine sees: the simulator's batches are
// its transactions, cut from the shard's mempool when the engine asks.
type simApp struct {
	queue  [][]byte
	source func() []byte
}

// ErrNotABatch rejects a transaction the simulator did not make.
var ErrNotABatch = errors.New("engines: not a simulator batch")

// Validate implements pob.TxValidator: every batch the simulator made is
// valid (the transfers in it were checked when it was cut).
func (a *simApp) Validate(tx []byte) error {
	if !shardsim.IsPayload(tx) {
		return ErrNotABatch
	}
	return nil
}

// Propose implements pob.Application: one batch (pob's MaxTxs transfers by
// default) per block, from the simulator's mempool when it is connected.
func (a *simApp) Propose(_ uint64, limit int) [][]byte {
	if a.source != nil && limit > 0 {
		if b := a.source(); b != nil {
			return [][]byte{b}
		}
		return nil
	}
	n := min(len(a.queue), max(limit, 0))
	out := a.queue[:n:n]
	a.queue = a.queue[n:]
	return out
}

func (a *adapter) Tick() { a.eng.Tick() }

// SetSource implements shardsim.Puller: the engine takes a batch from the
// shard's mempool exactly when pob asks its Application for transactions.
func (a *adapter) SetSource(next func() []byte) { a.app.source = next }

var _ shardsim.Puller = (*adapter)(nil)

func (a *adapter) Step(_ int, msg any) {
	if err := a.eng.Step(msg.(pob.Message)); err != nil {
		a.rejected++
	}
}

// WantsPayload: a believable producer always takes one batch at a time;
// in one-league mode (or pob's fallback) the proposer of the current round
// and the proposer of the next height do.
func (a *adapter) WantsPayload() bool {
	if len(a.app.queue) > 0 {
		return false
	}
	st := a.eng.Status()
	if a.producer && !st.Fallback {
		return true
	}
	if !a.inCommittee || a.committeeSize == 0 {
		return false
	}
	n := uint64(a.committeeSize)
	me := uint64(a.committeeIndex)
	return (st.Height+st.Round)%n == me || (st.Height+1)%n == me
}

func (a *adapter) Propose(payload []byte) { a.app.queue = append(a.app.queue, payload) }

// VerifyShare implements shardsim's optional Sampler: a normal-league
// member re-verifies a share p of an optimistic block's transfers; a
// believable member does not check its peers' blocks.
func (a *adapter) VerifyShare(msg any) (float64, bool) {
	m, ok := msg.(pob.Message)
	if !ok || m.Kind != pob.KindOptimistic {
		return 0, false
	}
	if !a.inCommittee {
		return 0, true
	}
	return a.sample, true
}

func (a *adapter) Ready() shardsim.Ready {
	if !a.eng.HasReady() {
		return shardsim.Ready{}
	}
	rd := a.eng.Ready()
	a.eng.Advance()
	var out shardsim.Ready
	for _, o := range rd.Messages {
		to := shardsim.Broadcast
		if o.To != (common.Address{}) {
			i, ok := a.index[o.To]
			if !ok {
				continue
			}
			to = i
		}
		out.Messages = append(out.Messages, shardsim.Outbound{To: to, Msg: o.Msg})
	}
	for _, o := range rd.Optimistic {
		out.Optimistic = append(out.Optimistic, shardsim.Block{Height: o.Base + 1, ID: o.Hash(), Payloads: o.Txs})
	}
	for _, c := range rd.Committed {
		blk := shardsim.Block{Height: c.Block.Height, ID: c.Block.Hash(), Payloads: c.Block.Txs()}
		if a.inCommittee {
			// A committee member decides from the precommits it collected
			// and aggregates the certificate itself (pob's tryDecide).
			blk.Aggregated = c.Cert.SignerCount()
		}
		out.Final = append(out.Final, blk)
	}
	return out
}

// Rejected is the number of messages the engine refused.
func (a *adapter) Rejected() uint64 { return a.rejected }
