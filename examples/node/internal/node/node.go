package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/drp"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/iostkit/iostkit/pob"
	"github.com/iostkit/iostkit/pob/rrbft"
	"golang.org/x/sync/errgroup"
)

// ErrUnknownTx means the node has no record of a transaction.
var ErrUnknownTx = errors.New("node: unknown transaction")

// Inbound is what the network hands the node: an engine message for a
// shard, or a gossiped transaction.
type Inbound struct {
	Shard  uint32
	Msg    *pob.Message
	Tx     []byte
	Beacon []byte // an encoded drp.Partial
}

// Transport carries the node's traffic in network mode (package p2p
// implements it over libp2p). The local network has none: all engines are
// in one process.
type Transport interface {
	// Send sends an engine message to one validator, or to every node
	// following the shard when to is the zero address.
	Send(shard uint32, to common.Address, m pob.Message)
	// PublishTx gossips an accepted transaction.
	PublishTx(raw []byte)
	// PublishBeacon gossips a beacon partial signature.
	PublishBeacon(raw []byte)
	// Inbound delivers what peers send.
	Inbound() <-chan Inbound
}

// BlockInfo summarises a block for the API and the web page.
type BlockInfo struct {
	Shard    uint32    `json:"shard"`
	Height   uint64    `json:"height"`
	Hash     string    `json:"hash"`
	Epoch    uint64    `json:"epoch"`
	Producer string    `json:"producer"`
	Txs      int       `json:"txs"`
	Status   string    `json:"status"` // optimistic or final
	Signers  int       `json:"signers,omitempty"`
	Time     time.Time `json:"time"`
}

// Node is a running node: every shard's chain, the engines of the
// validators it hosts, and what the API reads.
type Node struct {
	cfg        config.Config
	log        *slog.Logger
	validators []Validator
	self       *Validator // network mode: this process's validator
	shards     []*chain.Shard
	runners    []*runner
	transport  Transport
	verifier   pob.Verifier
	beacon     *beacon
	genesis    chain.Genesis
	track      *tracker
	// Metrics are the node's Prometheus metrics.
	Metrics *Metrics
	disk    *state.Quota // every store's writes: the debug API's disk-full hook

	mu         sync.Mutex
	recent     []BlockInfo
	epochs     []shardEpoch
	outbox     [][][]byte // per destination shard: atomix messages for its blocks
	outboxSeen map[common.Hash]bool
	committees committees
	names      map[common.Address]string
	started    time.Time

	finalTxs      atomic.Uint64
	failedTxs     atomic.Uint64
	crossExported atomic.Uint64
	crossCredited atomic.Uint64
	convictions   atomic.Uint64
	rate          rateWindow
}

type shardEpoch struct {
	Epoch   uint64
	Leagues pob.Leagues
}

// New builds a node from a config: the genesis, one shard chain per shard
// over its state backend and block store, and each shard's engines for the
// epoch its stored chain is in. transport is nil for the local network.
func New(cfg config.Config, log *slog.Logger, transport Transport) (*Node, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := &Node{
		cfg: cfg, log: log, transport: transport, verifier: newCachedVerifier(),
		validators: ValidatorSet(cfg.Validators), track: newTracker(200_000),
		Metrics: newMetrics(), started: time.Now(), names: map[common.Address]string{}, disk: state.NewQuota(),
		epochs: make([]shardEpoch, cfg.Shards), outbox: make([][][]byte, cfg.Shards),
		outboxSeen: map[common.Hash]bool{},
		committees: committees{segs: map[segKey][]segment{}, ok: map[common.Hash]bool{}},
	}
	for i := range n.validators {
		n.names[n.validators[i].Account] = n.validators[i].ID
	}
	if cfg.Network() {
		n.self = &n.validators[cfg.P2P.ValidatorIndex]
	}
	var err error
	if n.beacon, err = newBeacon(cfg.ChainID, min(cfg.Validators, BeaconCommittee), func(i int) bool { return n.self == nil || n.self.Index == i }); err != nil {
		return nil, err
	}
	if n.genesis, err = chain.NewGenesis(cfg.DemoAccounts, stakes(n.validators)); err != nil {
		return nil, err
	}
	if cfg.Backend != "memdb" || cfg.Network() {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, err
		}
	}
	for s := uint32(0); s < cfg.Shards; s++ {
		sh, err := n.openShard(s)
		if err != nil {
			n.Close()
			return nil, err
		}
		n.shards = append(n.shards, sh)
	}
	for _, sh := range n.shards {
		r, err := newRunner(n, sh)
		if err != nil {
			n.Close()
			return nil, err
		}
		n.runners = append(n.runners, r)
	}
	return n, nil
}

// openShard opens shard s's state backend and block store under the data
// directory: this is where the state store is chosen.
func (n *Node) openShard(s uint32) (*chain.Shard, error) {
	pool, err := mempool.New(mempool.Config(n.cfg.Mempool))
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(n.cfg.DataDir, fmt.Sprintf("shard%d", s))
	var blocks dbm.DB
	if n.cfg.Backend == "memdb" {
		blocks = dbm.NewMemDB()
	} else {
		kind := dbm.BackendType(n.cfg.Backend)
		if kind == "pebble" {
			kind = dbm.PebbleDBBackend
		}
		if blocks, err = dbm.NewDB("blocks", kind, dir); err != nil {
			return nil, err
		}
	}
	blocks = state.LimitDB(blocks, n.disk)
	backend, err := openState(n.cfg.ChainID, s, n.cfg.Backend, filepath.Join(dir, "state"), msbVerifier{n, s}, n.disk)
	if err != nil {
		blocks.Close()
		return nil, err
	}
	exec := chain.Executor{ChainID: n.cfg.ChainID, Shard: s, Shards: n.cfg.Shards, Cache: chain.NewTxCache(100_000)}
	// atomix checks other shards' proofs with the committees' state
	// attestations (attest.go) and microstate's write-set proofs. Shards
	// cross an epoch boundary at different times (their heights differ),
	// so a proof stays valid for a few epochs: at least atomixLagBlocks.
	verifier := atomix.Verifier{Certs: n, Proofs: chain.WriteProofVerifier{}, EpochLag: n.atomixLag()}
	return chain.NewShard(exec, backend, blocks, pool, n.genesis, verifier)
}

// errCheckpoint means a finalized block that contradicts a trusted
// checkpoint: the chain this node is offered is not the one its operator
// trusts (a long range attack, or the wrong network).
var errCheckpoint = errors.New("node: block contradicts a trusted checkpoint")

// checkpoint checks a block about to be executed against the trusted
// checkpoints of the configuration.
func (n *Node) checkpoint(s uint32, height uint64, hash common.Hash) error {
	for _, cp := range n.cfg.Checkpoints {
		if cp.Shard == s && cp.Height == height && common.HexToHash(cp.Hash) != hash {
			return fmt.Errorf("%w: shard %d height %d is %s, checkpoint says %s", errCheckpoint, s, height, hash.Hex(), cp.Hash)
		}
	}
	return nil
}

// atomixLagBlocks is how many heights' worth of epochs an atomix proof's
// certifying committee may lag behind the verifying shard's epoch (at
// least two epochs): a message that waits that long in the other shard's
// queue is still accepted, and older ones are certified again by the
// current committee.
const atomixLagBlocks = 200

// atomixLag is how many epochs an atomix proof's certifying committee may
// lag behind the verifying shard: at least atomixLagBlocks heights, at
// least two epochs.
func (n *Node) atomixLag() uint64 {
	return max(2, (atomixLagBlocks+n.cfg.EpochBlocks-1)/n.cfg.EpochBlocks)
}

// proofCommitteesKnown reports whether this node can derive the committee
// of every proof the atomix messages of txs carry. A block is executed
// only then: a proof refused because this node lacks a beacon round its
// peers have would make its state differ from theirs.
//
// Only proofs atomix would check against a committee count: one certified
// in an epoch after the block's, or more than the lag before it, or before
// its own vote, is refused by atomix itself, the same way on every node,
// before any committee is looked up.
func (n *Node) proofCommitteesKnown(txs [][]byte, epoch uint64) bool {
	for _, raw := range txs {
		if !chain.IsAtomix(raw) {
			continue
		}
		m, err := chain.DecodeAtomix(raw)
		if err != nil {
			continue // refused the same way everywhere
		}
		for _, p := range m.Proofs {
			if p.Epoch > epoch || p.Epoch+n.atomixLag() < epoch || p.Epoch < p.Vote.Epoch {
				continue
			}
			a, err := chain.DecodeAttestation(p.Certificate)
			if err != nil || uint32(p.Vote.Shard) >= n.cfg.Shards {
				continue
			}
			if _, _, err := n.committee(uint32(p.Vote.Shard), p.Epoch, a.Version); errors.Is(err, errNoRandomness) {
				return false
			}
		}
	}
	return true
}

// newEngine builds one validator's consensus engine: the one place that
// decides which engine the chain runs.
func (n *Node) newEngine(cfg pob.Config) (pob.Engine, error) {
	switch n.cfg.Engine {
	case "pob":
		return pob.New(cfg)
	case "roundrobin":
		// rrbft: round-robin proposers over the same BFT finality and
		// certificates, no leagues, no optimistic blocks.
		cfg.Believable = nil
		return rrbft.FromPoB(cfg)
	default:
		return nil, fmt.Errorf("node: engine %q is not available in this build", n.cfg.Engine)
	}
}

// errNoRandomness means an epoch's beacon round is not recovered yet (in
// network mode the partials of other validators are still on their way).
var errNoRandomness = errors.New("node: epoch randomness not available yet")

// randomness is epoch e's randomness: a genesis seed for epoch 0, then drp
// beacon round e. This node signs its own partials for the round on the
// way (and publishes them in network mode).
func (n *Node) randomness(e uint64) ([]byte, error) {
	if e == 0 {
		return genesisRandomness(n.cfg.ChainID), nil
	}
	if r, ok := n.beacon.randomness(e); ok {
		return r, nil
	}
	n.contribute(e)
	if r, ok := n.beacon.randomness(e); ok {
		return r, nil
	}
	return nil, fmt.Errorf("%w: epoch %d", errNoRandomness, e)
}

// contribute signs and records this node's partials for round, and
// publishes them in network mode.
func (n *Node) contribute(round uint64) {
	ps, err := n.beacon.partials(round)
	if err != nil {
		n.log.Error("beacon: sign", "round", round, "err", err)
		return
	}
	for _, p := range ps {
		if err := n.beacon.add(p); err != nil {
			n.log.Error("beacon: own partial", "round", round, "err", err)
		}
		if n.transport != nil {
			if b, err := p.MarshalBinary(); err == nil {
				n.transport.PublishBeacon(b)
			}
		}
	}
}

// believable is the believable league size the engine runs with.
func (n *Node) believable() int {
	if n.cfg.Engine == "roundrobin" {
		return -1
	}
	return n.cfg.Believable
}

// hosted returns the members whose engines run in this process.
func (n *Node) hosted(members []Validator) []*Validator {
	var out []*Validator
	for i := range members {
		if n.self == nil || members[i].Index == n.self.Index {
			out = append(out, &n.validators[members[i].Index])
		}
	}
	return out
}

func (n *Node) observerAddress() common.Address {
	if n.self != nil {
		return n.self.Account
	}
	return common.HexToAddress("0x000000000000000000000000000000000000dead")
}

func (n *Node) setEpoch(s uint32, e uint64, lg pob.Leagues) {
	n.mu.Lock()
	n.epochs[s] = shardEpoch{Epoch: e, Leagues: lg}
	n.mu.Unlock()
	n.Metrics.epoch.WithLabelValues(shardLabel(s)).Set(float64(e))
}

// Config is the node's configuration, with defaults applied.
func (n *Node) Config() config.Config { return n.cfg }

// Disk is the byte budget of the node's stores (unlimited unless a test
// hook limits it): once it refuses a write, Disk().Full() is closed and
// the node must stop (see state.Quota).
func (n *Node) Disk() *state.Quota { return n.disk }

// Shards returns the shard chains.
func (n *Node) Shards() []*chain.Shard { return n.shards }

// Epoch is the lowest epoch any shard is in.
func (n *Node) Epoch() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	e := n.epochs[0].Epoch
	for _, se := range n.epochs {
		e = min(e, se.Epoch)
	}
	return e
}

// ShardOf returns the shard of addr.
func (n *Node) ShardOf(addr common.Address) uint32 { return eds.ShardOf(addr, n.cfg.Shards) }

// Submit routes t to its sender's shard, queues it and gossips it.
func (n *Node) Submit(t *txn.Tx) error {
	if err := n.admit(t); err != nil {
		return err
	}
	if n.transport != nil {
		n.transport.PublishTx(t.Bytes())
	}
	return nil
}

func (n *Node) admit(t *txn.Tx) error {
	if t.Shard >= n.cfg.Shards {
		err := fmt.Errorf("%w: shard %d of %d", chain.ErrWrongShard, t.Shard, n.cfg.Shards)
		n.Metrics.rejected.WithLabelValues(reason(err)).Inc()
		return err
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

func (n *Node) remember(b BlockInfo) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.recent = append(n.recent, b)
	if len(n.recent) > 200 {
		n.recent = n.recent[len(n.recent)-200:]
	}
}

func (n *Node) name(a common.Address) string {
	if s, ok := n.names[a]; ok {
		return s
	}
	return a.Hex()[:10]
}

// optimistic records an optimistic block: its transactions are
// optimistically confirmed.
func (n *Node) optimistic(s uint32, o pob.OptimisticBlock) {
	now := time.Now()
	producer := ""
	n.mu.Lock()
	if lg := n.epochs[s].Leagues; int(o.Producer) < len(lg.Believable) {
		producer = n.names[lg.Believable[o.Producer].Address]
	}
	n.mu.Unlock()
	n.remember(BlockInfo{Shard: s, Height: o.Base + 1, Hash: o.Hash().Hex(), Epoch: o.Domain.Epoch, Producer: producer, Txs: len(o.Txs), Status: "optimistic", Time: now})
	n.Metrics.optimisticBlocks.WithLabelValues(shardLabel(s)).Inc()
	n.Metrics.loop.optimistic(s, o)
	for _, raw := range o.Txs {
		n.track.update(txHash(raw), func(st *TxStatus) {
			if st.Status == "pending" {
				st.Status, st.Optimistic = "optimistic", now
			}
		})
	}
}

// committed records a block the shard executed.
func (n *Node) committed(s uint32, b *chain.Block, c pob.Commit) {
	now := time.Now()
	producer := ""
	n.mu.Lock()
	if lg := n.epochs[s].Leagues; int(c.Block.Builder) < len(lg.Normal) {
		producer = n.names[lg.Normal[c.Block.Builder].Address]
	}
	n.mu.Unlock()
	n.remember(BlockInfo{Shard: s, Height: b.Height, Hash: b.Hash.Hex(), Epoch: b.Epoch, Producer: producer, Txs: len(b.Txs), Status: "final", Signers: c.Cert.SignerCount(), Time: now})
	var user, failed, exported, credited, protocol int
	for i, r := range b.Receipts {
		if chain.IsAtomix(b.Txs[i]) {
			// atomix's own traffic: a message that commits a transfer here
			// is its credit; the rest (proofs, acknowledgements,
			// retransmissions atomix ignores) is protocol overhead.
			if !r.OK {
				n.log.Debug("atomix: message refused", "shard", s, "height", b.Height, "err", r.Err)
			}
			if r.Credit != nil {
				credited++
				n.track.update(r.Credit.TxHash, func(st *TxStatus) { st.Status, st.Credited = "credited", now })
			} else {
				protocol++
			}
			continue
		}
		if r.OK {
			user++
		} else {
			failed++
		}
		if r.OK && r.Export != nil {
			exported++
		}
		ok := r.OK
		n.track.update(r.Hash, func(st *TxStatus) {
			if !st.Final.IsZero() {
				return // a later copy of a final transaction fails on its nonce
			}
			if st.Optimistic.IsZero() {
				st.Optimistic = now
			}
			st.Final, st.Height, st.OK = now, b.Height, ok
			if st.Status != "credited" {
				st.Status = "final"
			}
			n.Metrics.latency.WithLabelValues("optimistic").Observe(st.Optimistic.Sub(st.Submitted).Seconds())
			n.Metrics.latency.WithLabelValues("final").Observe(now.Sub(st.Submitted).Seconds())
		})
	}
	n.pruneOutbox(s, b)
	n.finalTxs.Add(uint64(user))
	n.failedTxs.Add(uint64(failed))
	n.crossExported.Add(uint64(exported))
	n.crossCredited.Add(uint64(credited))
	n.rate.add(now, user)
	m := n.Metrics
	m.finalized.WithLabelValues(shardLabel(s)).Set(float64(b.Height))
	m.txs.Add(float64(user))
	m.failed.Add(float64(failed))
	m.credits.Add(float64(credited))
	m.loop.committed(s, b, c)
	n.log.Debug("finalized", "shard", s, "height", b.Height, "txs", user, "failed", failed, "credits", credited, "atomix", protocol)
}

func (n *Node) conviction(s uint32, cv pob.Conviction) {
	n.convictions.Add(1)
	n.Metrics.convictions.Inc()
	n.log.Warn("validator convicted", "shard", s, "height", cv.Height, "validator", n.name(cv.Address), "reason", cv.Reason)
}

// Run drives every shard until ctx ends: one goroutine per shard ticks its
// engines, delivers their messages and executes what they finalize.
func (n *Node) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, r := range n.runners {
		g.Go(func() error { return n.runShard(ctx, r) })
	}
	if n.transport != nil {
		g.Go(func() error { return n.receive(ctx) })
		g.Go(func() error { return n.publishPartials(ctx) })
		g.Go(func() error { return n.regossip(ctx) })
	}
	return g.Wait()
}

func (n *Node) runShard(ctx context.Context, r *runner) error {
	t := time.NewTicker(time.Duration(n.cfg.Tick))
	defer t.Stop()
	sync := time.NewTicker(2 * time.Second)
	defer sync.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sync.C:
			n.catchUp(ctx, r)
		case <-t.C:
		}
		start := time.Now()
		if err := r.tick(); err != nil {
			return fmt.Errorf("shard %d: %w", r.s, err)
		}
		n.Metrics.loop.tick(r.s, time.Since(start))
	}
}

// publishPartials keeps offering this validator's partials for the next
// epoch's round, so peers that start or restart late still recover it.
func (n *Node) publishPartials(ctx context.Context) error {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		// The next round, and the recent ones for peers that restarted
		// and lost what they had recovered: as far back as an atomix proof
		// may be certified (its committee needs its epoch's round and the
		// one before).
		// Every shard's window, not only the furthest shard's: shards may
		// be epochs apart.
		back := n.atomixLag() + 1
		rounds := map[uint64]bool{}
		for _, se := range n.shardEpochs() {
			for e := max(se, back) - back; e <= se+1; e++ {
				rounds[e] = true
			}
		}
		for e := range rounds {
			if e > 0 {
				n.contribute(e)
			}
		}
	}
}

// shardEpochs is each shard's current epoch.
func (n *Node) shardEpochs() []uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]uint64, len(n.epochs))
	for i, se := range n.epochs {
		out[i] = se.Epoch
	}
	return out
}

func (n *Node) receive(ctx context.Context) error {
	in := n.transport.Inbound()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-in:
			if !ok {
				return nil
			}
			switch {
			case m.Msg != nil && m.Shard < n.cfg.Shards:
				n.runners[m.Shard].enqueue(*m.Msg)
			case m.Tx != nil:
				if n.Precheck(m.Tx) != nil {
					continue
				}
				if t, err := txn.Decode(m.Tx); err == nil {
					_ = n.admit(t) // gossip duplicates and stale nonces are expected
				}
			case len(m.Beacon) > 0 && m.Beacon[0] == attestTag:
				if p, err := decodeAttestPartial(m.Beacon); err == nil && p.Shard < n.cfg.Shards {
					n.runners[p.Shard].att.deliver(p)
				}
			case m.Beacon != nil:
				if p, err := drp.UnmarshalPartial(m.Beacon); err == nil {
					if err := n.beacon.add(p); err != nil {
						n.log.Debug("beacon: partial refused", "err", err)
					}
				}
			}
		}
	}
}

// Close closes every shard's stores.
func (n *Node) Close() error {
	var errs []error
	for _, s := range n.shards {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

func (n *Node) randomnessSource(e uint64) string {
	if e == 0 {
		return "genesis seed"
	}
	return fmt.Sprintf("drp beacon round %d (%s, threshold %d of %d)", e, drp.SchemeUnchainedG1, n.beacon.group.Threshold(), n.beacon.group.Size())
}

// Commits returns up to max stored commits (the engine's encoding of block
// and certificate) of shard s from height from on, for peers that sync.
func (n *Node) Commits(s uint32, from uint64, max int) [][]byte {
	if s >= n.cfg.Shards {
		return nil
	}
	var out [][]byte
	for h := from; h <= n.shards[s].Height() && len(out) < max; h++ {
		b, ok := n.shards[s].Block(h)
		if !ok {
			break
		}
		out = append(out, b.Raw)
	}
	return out
}

// Fetcher is the optional Transport capability of fetching stored commits
// from peers, which a node that fell behind uses to catch up.
type Fetcher interface {
	Fetch(ctx context.Context, shard uint32, from uint64, max int) ([][]byte, error)
}

// catchUp fetches and executes the commits a lagging shard misses: when a
// peer reports a height well above ours, the engine's own catch-up (the
// last RecheckWindow commits) may not reach back far enough.
func (n *Node) catchUp(ctx context.Context, r *runner) {
	f, ok := n.transport.(Fetcher)
	if !ok {
		return
	}
	// Fetch when well behind, or when behind at all and stuck since the
	// last check: an engine restored above its stored chain signs nothing
	// until it reaches its persisted height, so its peers, waiting for its
	// vote, may never send it the commit it lacks.
	h := r.shard.Height()
	stuck := h == r.checkedAt && r.lastHint > h
	r.checkedAt = h
	if r.lastHint <= h+4 && !stuck {
		return
	}
	if r.lastHint > r.shard.Height()+fastSyncGap && time.Since(r.syncTried) > 10*time.Second {
		r.syncTried = time.Now()
		err := r.fastSync(ctx)
		if errors.Is(err, errNoRandomness) {
			// The snapshot's committee is of an epoch whose beacon round
			// has not reached this node yet: retry shortly, do not replay.
			r.syncTried = time.Now().Add(-8 * time.Second)
			return
		}
		if err != nil {
			n.log.Info("fast sync: not now, fetching blocks instead", "shard", r.s, "err", err)
		}
	}
	if r.waitEpoch {
		return
	}
	raws, err := f.Fetch(ctx, r.s, r.shard.Height()+1, 128)
	if err != nil {
		n.log.Debug("sync: fetch", "shard", r.s, "err", err)
		return
	}
	done, err := r.syncFrom(raws)
	if err != nil {
		n.log.Warn("sync: rejected", "shard", r.s, "err", err)
		return
	}
	if done > 0 {
		n.log.Info("sync: caught up", "shard", r.s, "blocks", done, "height", r.shard.Height())
	}
}
