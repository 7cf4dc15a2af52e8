package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/consensus"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"golang.org/x/sync/errgroup"
)

// ErrUnknownTx means the node has no record of a transaction.
var ErrUnknownTx = errors.New("node: unknown transaction")

// BlockInfo summarises a block for the API and the web page.
type BlockInfo struct {
	Shard    uint32    `json:"shard"`
	Height   uint64    `json:"height"`
	Hash     string    `json:"hash"`
	Epoch    uint64    `json:"epoch"`
	Proposer string    `json:"proposer"`
	Txs      int       `json:"txs"`
	Credits  int       `json:"credits"`
	Status   string    `json:"status"` // optimistic or final
	Time     time.Time `json:"time"`
}

// Node is a running node: every shard of the chain, the engines of the
// validators it hosts, and what the API reads.
type Node struct {
	cfg     config.Config
	log     *slog.Logger
	shards  []*chain.Shard
	engines []consensus.Engine
	relay   *relay
	track   *tracker
	Metrics *Metrics

	mu         sync.Mutex
	recent     []BlockInfo
	epoch      uint64
	validators []eds.Validator
	assignment eds.Assignment

	finalTxs      atomic.Uint64
	crossExported atomic.Uint64
	crossCredited atomic.Uint64
	started       time.Time
	rate          rateWindow
}

// New builds a node from a validated config: the genesis, one shard chain
// per shard over its backend, and one engine per shard.
func New(cfg config.Config, log *slog.Logger) (*Node, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g, err := chain.Genesis(cfg.DemoAccounts)
	if err != nil {
		return nil, err
	}
	n := &Node{
		cfg: cfg, log: log, relay: newRelay(cfg.Shards), track: newTracker(200_000),
		Metrics: newMetrics(), started: time.Now(),
	}
	for i := 0; i < cfg.Validators; i++ {
		n.validators = append(n.validators, eds.Validator{ID: ValidatorID(i), Weight: 1})
	}
	if n.assignment, err = eds.Assign(n.validators, epochRandomness(0), 0, cfg.Shards); err != nil {
		return nil, err
	}
	for s := uint32(0); s < cfg.Shards; s++ {
		pool, err := mempool.New(mempool.Config(cfg.Mempool))
		if err != nil {
			return nil, err
		}
		backend, err := openBackend(cfg, s)
		if err != nil {
			return nil, err
		}
		sh, err := chain.NewShard(chain.Executor{ChainID: cfg.ChainID, Shard: s, Shards: cfg.Shards}, backend, pool, g)
		if err != nil {
			return nil, err
		}
		n.shards = append(n.shards, sh)
		n.engines = append(n.engines, n.newEngine(s))
	}
	return n, nil
}

// ValidatorID names validator i of the deterministic validator set.
func ValidatorID(i int) string { return fmt.Sprintf("v%02d", i) }

func openBackend(cfg config.Config, shard uint32) (state.Backend, error) {
	return state.NewMem(), nil
}

// newEngine builds the consensus engine of shard s: this is the one line
// that decides which engine the chain runs.
func (n *Node) newEngine(s uint32) consensus.Engine {
	members := make([]string, 0)
	for _, v := range n.assignment.Shards[s] {
		members = append(members, v.ID)
	}
	return consensus.NewSolo(shardApp{n, s}, members, 4)
}

// shardApp is the consensus.App of one shard.
type shardApp struct {
	n *Node
	s uint32
}

func (a shardApp) Propose(proposer string) *chain.Block {
	return a.n.shards[a.s].Propose(proposer, a.n.Epoch(), uint64(time.Now().UnixMilli()), a.n.relay.next(a.s, 500))
}

func (a shardApp) Verify(b *chain.Block) error {
	if err := a.n.relay.check(a.s, b.Body.Credits); err != nil {
		return err
	}
	return a.n.shards[a.s].Verify(b)
}

// Config is the node's configuration, with defaults applied.
func (n *Node) Config() config.Config { return n.cfg }

// Shards returns the shard chains.
func (n *Node) Shards() []*chain.Shard { return n.shards }

// Epoch is the current epoch.
func (n *Node) Epoch() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.epoch
}

// Assignment is the current validator→shard assignment.
func (n *Node) Assignment() eds.Assignment {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.assignment
}

// ShardOf returns the shard of addr.
func (n *Node) ShardOf(addr common.Address) uint32 { return eds.ShardOf(addr, n.cfg.Shards) }

// Submit routes t to its sender's shard and queues it.
func (n *Node) Submit(t *txn.Tx) error {
	if t.Shard >= n.cfg.Shards {
		return fmt.Errorf("%w: shard %d of %d", chain.ErrWrongShard, t.Shard, n.cfg.Shards)
	}
	if err := n.shards[t.Shard].Submit(t); err != nil {
		n.Metrics.rejected.WithLabelValues(reason(err)).Inc()
		return err
	}
	n.Metrics.accepted.Inc()
	n.track.add(TxStatus{Hash: t.Hash(), Shard: t.Shard, ToShard: n.ShardOf(t.To), Status: "pending", Submitted: time.Now()})
	return nil
}

// Tx returns the status of a transaction this node accepted.
func (n *Node) Tx(h common.Hash) (TxStatus, error) {
	s, ok := n.track.get(h)
	if !ok {
		return TxStatus{}, fmt.Errorf("%w: %s", ErrUnknownTx, h)
	}
	return s, nil
}

// Recent returns the most recent blocks, newest first.
func (n *Node) Recent() []BlockInfo {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]BlockInfo, len(n.recent))
	for i, b := range n.recent {
		out[len(out)-1-i] = b
	}
	return out
}

func (n *Node) remember(b *chain.Block, status string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.recent = append(n.recent, BlockInfo{
		Shard: b.Header.Shard, Height: b.Header.Height, Hash: b.Hash().Hex(), Epoch: b.Header.Epoch,
		Proposer: b.Header.Proposer, Txs: len(b.Body.Txs), Credits: len(b.Body.Credits), Status: status, Time: time.Now(),
	})
	if len(n.recent) > 100 {
		n.recent = n.recent[len(n.recent)-100:]
	}
}

// Run drives every shard until ctx ends: one goroutine per shard ticks its
// engine, delivers its messages and acts on its Ready.
func (n *Node) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for s := range n.shards {
		g.Go(func() error { return n.runShard(ctx, uint32(s)) })
	}
	g.Go(func() error { return n.runEpochs(ctx) })
	return g.Wait()
}

func (n *Node) runShard(ctx context.Context, s uint32) error {
	t := time.NewTicker(time.Duration(n.cfg.Tick))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		e := n.engines[s]
		e.Tick()
		if err := n.handle(s, e.Ready()); err != nil {
			return err
		}
	}
}

func (n *Node) handle(s uint32, rd consensus.Ready) error {
	now := time.Now()
	for _, b := range rd.Optimistic {
		n.remember(b, "optimistic")
		n.Metrics.optimistic.WithLabelValues(shardLabel(s)).Set(float64(b.Header.Height))
		for _, raw := range b.Body.Txs {
			n.track.update(txHash(raw), func(st *TxStatus) {
				if st.Status == "pending" {
					st.Status, st.Optimistic = "optimistic", now
				}
			})
		}
	}
	for _, f := range rd.Final {
		if err := n.commit(s, f.Block, now); err != nil {
			return err
		}
	}
	return nil
}

func (n *Node) commit(s uint32, b *chain.Block, now time.Time) error {
	xs, err := n.shards[s].Commit(b)
	if err != nil {
		return fmt.Errorf("shard %d: commit finalized block %d: %w", s, b.Header.Height, err)
	}
	n.relay.exported(xs)
	n.relay.credited(s, b.Body.Credits)
	n.remember(b, "final")
	n.finalTxs.Add(uint64(len(b.Body.Txs)))
	n.rate.add(now, len(b.Body.Txs))
	n.crossExported.Add(uint64(len(xs)))
	n.crossCredited.Add(uint64(len(b.Body.Credits)))
	n.Metrics.finalized.WithLabelValues(shardLabel(s)).Set(float64(b.Header.Height))
	n.Metrics.txs.Add(float64(len(b.Body.Txs)))
	n.Metrics.credits.Add(float64(len(b.Body.Credits)))
	for _, raw := range b.Body.Txs {
		n.track.update(txHash(raw), func(st *TxStatus) {
			if st.Optimistic.IsZero() {
				st.Optimistic = now
			}
			st.Status, st.Final, st.Height = "final", now, b.Header.Height
			if !st.Optimistic.IsZero() {
				n.Metrics.latency.WithLabelValues("optimistic").Observe(st.Optimistic.Sub(st.Submitted).Seconds())
			}
			n.Metrics.latency.WithLabelValues("final").Observe(now.Sub(st.Submitted).Seconds())
		})
	}
	for _, c := range b.Body.Credits {
		n.track.update(c.TxHash, func(st *TxStatus) { st.Status, st.Credited = "credited", now })
	}
	n.log.Debug("finalized", "shard", s, "height", b.Header.Height, "txs", len(b.Body.Txs), "credits", len(b.Body.Credits))
	return nil
}

func (n *Node) runEpochs(ctx context.Context) error {
	t := time.NewTicker(time.Duration(n.cfg.EpochLength))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		n.mu.Lock()
		e := n.epoch + 1
		a, err := eds.Assign(n.validators, epochRandomness(e), e, n.cfg.Shards)
		if err != nil {
			n.mu.Unlock()
			return err
		}
		n.epoch, n.assignment = e, a
		n.mu.Unlock()
		n.Metrics.epoch.Set(float64(e))
		n.log.Info("epoch change", "epoch", e)
	}
}

// Close closes every shard's state backend.
func (n *Node) Close() error {
	var errs []error
	for _, s := range n.shards {
		errs = append(errs, s.State().Close())
	}
	return errors.Join(errs...)
}
