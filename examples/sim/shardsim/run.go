package shardsim

import (
	"fmt"
	"math"
	"time"

	"github.com/iostkit/iostkit/examples/sim/des"
)

// Result is what one run measured. Latencies are from a transfer's arrival
// in the mempool to the first honest validator's confirmation.
type Result struct {
	// Protocol is the engine's name.
	Protocol string `json:"protocol"`
	// Shards is the number of shards.
	Shards int `json:"shards"`
	// Committee is the number of validators per shard.
	Committee int `json:"committee"`
	// Faulty is the number of faulty members per shard.
	Faulty int `json:"faulty_per_shard"`
	// Tolerated is the number of faulty members the protocol tolerates per
	// shard: its FaultBounder, or ⌊(n−1)/3⌋.
	Tolerated int `json:"tolerated_per_shard"`
	// Behaviour is what the faulty members did.
	Behaviour string `json:"behaviour"`
	// OfferedTPS is the offered load in transfers per second.
	OfferedTPS float64 `json:"offered_tps"`
	// CrossShare is the offered load's cross-shard share.
	CrossShare float64 `json:"cross_share"`
	// Throughput is finalized transfers per second over all shards in the
	// measured window (a cross-shard transfer counts when its destination
	// finalizes the import).
	Throughput float64 `json:"throughput_tps"`
	// PerShard is Throughput / Shards.
	PerShard float64 `json:"per_shard_tps"`
	// Optimistic is arrival → optimistic confirmation (PoB's believable
	// block; the final latency for engines without a fast path).
	Optimistic LatencyStats `json:"optimistic_latency"`
	// Final is arrival → finalization, for intra-shard transfers.
	Final LatencyStats `json:"final_latency"`
	// Cross is arrival → the destination shard finalizes the import.
	Cross LatencyStats `json:"cross_shard_latency"`
	// Blocks is the number of finalized heights in the window, all shards.
	Blocks uint64 `json:"final_blocks"`
	// BlocksAfterHeal counts finalized heights after PartitionUntil (when a
	// partition window was set): liveness after the network heals.
	BlocksAfterHeal uint64 `json:"final_blocks_after_heal"`
	// SafetyViolations counts heights at which two honest validators of a
	// shard finalized different blocks.
	SafetyViolations int `json:"safety_violations"`
	// StalledShards is the number of shards that finalized nothing in the
	// measured window.
	StalledShards int `json:"stalled_shards"`
	// Backlog is the number of transfers still waiting at the end.
	Backlog int `json:"backlog"`
	// CPUUtil is the mean busy fraction of the honest validators' cores.
	CPUUtil float64 `json:"cpu_utilisation"`
	// Messages is the number of messages the network delivered.
	Messages uint64 `json:"messages"`
	// Bytes is the total size put on the wire.
	Bytes uint64 `json:"bytes"`
	// Events is the number of simulation events run.
	Events uint64 `json:"events"`
	// Atomix counts the atomix sessions of cross-shard transfers, when the
	// run drives atomix (several shards, cross-shard load, not NodeLoop).
	Atomix *AtomixStats `json:"atomix,omitempty"`
	// Epoch is what the epoch change measured, when the run crossed one
	// (Config.Epoch).
	Epoch *EpochResult `json:"epoch_change,omitempty"`
	// NodeCPU breaks down the CPU time charged in NodeLoop mode, over the
	// whole run (warm-up included); nil otherwise.
	NodeCPU *NodeCPU `json:"node_cpu,omitempty"`
}

// NodeCPU is the CPU time a NodeLoop run charged, by what paid it, in
// seconds, with the counts that explain it (compare with a CPU profile of
// the node).
type NodeCPU struct {
	// Admission is signing, HTTP and recovery of arriving transfers.
	Admission float64 `json:"admission_s"`
	// BLSVerify is single signatures and certificates checked (once per
	// process).
	BLSVerify float64 `json:"bls_verify_s"`
	// BLSSign is signatures made for messages.
	BLSSign float64 `json:"bls_sign_s"`
	// Aggregate is certificates aggregated.
	Aggregate float64 `json:"bls_aggregate_s"`
	// Sampling is the cached-transaction lookups of sampled transfers.
	Sampling float64 `json:"sampling_s"`
	// Execution is finalized transfers executed on microstate.
	Execution float64 `json:"execution_s"`
	// Iterations is the number of shard-loop iterations (ticks served).
	Iterations uint64 `json:"iterations"`
	// Heights is the number of heights executed, all shards.
	Heights uint64 `json:"heights"`
	// Verifies is the number of BLS checks charged (a certificate is one).
	Verifies uint64 `json:"bls_verifies"`
	// Signs is the number of BLS signatures charged.
	Signs uint64 `json:"bls_signs"`
	// Rounds is the message rounds with work, over all iterations, and
	// RoundCap the iterations that stopped at the round cap (the node's
	// iostkit_loop_rounds_total and iostkit_loop_round_cap_total).
	Rounds   uint64 `json:"rounds"`
	RoundCap uint64 `json:"round_cap"`
	// Optimistic is the optimistic blocks produced, all shards.
	Optimistic uint64 `json:"optimistic_blocks"`
	// Transfers is the transfers in the executed heights, and
	// EmptyHeights the executed heights that carry none.
	Transfers    uint64 `json:"transfers"`
	EmptyHeights uint64 `json:"empty_heights"`
}

type instance struct {
	net       int
	domain    uint64 // consensus domain epoch (epoch changes)
	stopped   bool   // replaced by an engine of another committee
	shard     int
	member    int
	honest    bool
	eng       Engine
	cpu       *des.CPU
	down      bool
	proposing bool
	puller    bool
}

type shardState struct {
	members    [][]*instance // per member: one instance, or two for a twin
	pool       mempool
	finalAt    map[uint64][32]byte
	conflicted map[uint64]bool
	windowBlks uint64
	healBlks   uint64
	domains    map[uint64][][]*instance // epoch changes: members per committee
}

// peers are the members in's messages go to: its committee's.
func (r *runner) peers(in *instance) [][]*instance {
	st := r.shards[in.shard]
	if st.domains != nil {
		return st.domains[in.domain]
	}
	return st.members
}

type runner struct {
	cfg     Config
	sim     *des.Sim
	net     *des.Network
	shards  []*shardState
	all     []*instance
	batches map[uint64]*batch
	nextID  uint64
	gen     generator
	imports map[[2]uint64]bool // (batch, destination) already queued

	x         *xrun        // atomix, when driven (see atomix.go)
	ep        *epochRun    // the epoch change, when run (see epoch.go)
	ticking   bool         // engines' tickers registered
	host      *des.CPU     // the shared CPU (HostCores)
	node      []*nodeShard // NodeLoop: each shard's loop
	nodeMsgs  uint64       // NodeLoop: messages handed over in memory
	nodeBytes uint64
	cpu       NodeCPU // NodeLoop: what was charged

	opt, fin, cross Histogram
	committed       uint64
	committedAll    uint64
	start, end      time.Duration
}

// Run simulates cfg and returns what it measured. The same Config (seed and
// costs included) gives the same Result, bit for bit.
func Run(cfg Config) (Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	r := &runner{cfg: cfg, sim: des.New(cfg.Seed), batches: map[uint64]*batch{}, imports: map[[2]uint64]bool{}}
	r.start, r.end = cfg.Warmup, cfg.Warmup+cfg.Duration
	if err := r.build(); err != nil {
		return Result{}, err
	}
	if !cfg.NodeLoop && cfg.Shards > 1 && cfg.Workload.CrossShare > 0 {
		x, err := newXrun(r)
		if err != nil {
			return Result{}, err
		}
		defer x.close()
		r.x = x
	}
	r.gen = generator{w: cfg.Workload, acc: newAccounts(cfg.Workload.Accounts, uint32(cfg.Shards)), rng: r.sim.Rand()}
	r.sim.Every(cfg.Workload.Batch, func() bool {
		for _, a := range r.gen.next(r.sim.Now()) {
			ch := chunk{arrived: a.at, to: a.to, n: a.n}
			if cfg.NodeLoop {
				r.nodeAdmit(a.from, ch)
				continue
			}
			r.shards[a.from].pool.add(ch)
		}
		return true
	})
	tick := time.Second / time.Duration(cfg.Protocol.TicksPerSecond())
	if cfg.NodeLoop {
		for s := range r.shards {
			r.node = append(r.node, &nodeShard{inbox: map[*instance][]delivery{}})
			r.sim.Every(tick, func() bool {
				r.nodeTick(s)
				return true
			})
		}
	}
	for _, in := range r.all {
		if cfg.NodeLoop {
			break
		}
		r.tickEvery(in)
	}
	r.ticking = !cfg.NodeLoop
	if cfg.Behaviour == Twins && cfg.PartitionUntil > cfg.PartitionFrom {
		r.sim.At(cfg.PartitionFrom, r.partition)
		r.sim.At(cfg.PartitionUntil, r.net.Heal)
	}
	if cfg.Progress != nil {
		r.sim.Every(100*time.Millisecond, func() bool {
			cfg.Progress(Progress{Now: r.sim.Now(), End: r.end, Events: r.sim.Processed(), Committed: r.committedAll})
			return true
		})
	}
	r.sim.RunUntil(r.end)
	return r.result(), nil
}

// tickEvery ticks in's engine at the protocol's rate until it stops.
func (r *runner) tickEvery(in *instance) {
	tick := time.Second / time.Duration(r.cfg.Protocol.TicksPerSecond())
	r.sim.Every(tick, func() bool {
		if in.stopped {
			return false
		}
		if in.down {
			return true
		}
		in.cpu.Run(0, func() {
			if in.stopped {
				return
			}
			in.eng.Tick()
			r.drain(in)
			r.maybePropose(in)
		})
		return true
	})
}

func (r *runner) build() error {
	cfg := r.cfg
	if cfg.Epoch != nil {
		return r.buildEpoch()
	}
	faulty := int(math.Floor(cfg.Faulty*float64(cfg.Committee) + 1e-9))
	netID := 0
	var host *des.CPU
	if cfg.HostCores > 0 {
		host = des.NewSharedCPU(r.sim, cfg.HostCores, cfg.HostShare)
	}
	r.host = host
	for s := range cfg.Shards {
		st := &shardState{finalAt: map[uint64][32]byte{}, conflicted: map[uint64]bool{}}
		for m := range cfg.Committee {
			// The faulty members are the last ones: engines usually pick
			// proposers from the front, so honest proposers start the run.
			honest := m < cfg.Committee-faulty
			copies := 1
			if !honest && cfg.Behaviour == Twins {
				copies = 2
			}
			var insts []*instance
			for range copies {
				eng, err := cfg.Protocol.NewEngine(s, m, cfg.Committee, cfg.Seed)
				if err != nil {
					return fmt.Errorf("shardsim: engine %d/%d: %w", s, m, err)
				}
				cpu := host
				if cpu == nil {
					cpu = des.NewCPU(r.sim, cfg.Cores)
				}
				in := &instance{net: netID, shard: s, member: m, honest: honest, eng: eng, cpu: cpu}
				if p, ok := eng.(Puller); ok {
					in.puller = true
					p.SetSource(func() []byte { return r.pull(in) })
				}
				in.down = !honest && cfg.Behaviour == Crash
				netID++
				insts = append(insts, in)
				r.all = append(r.all, in)
			}
			st.members = append(st.members, insts)
		}
		r.shards = append(r.shards, st)
	}
	var err error
	r.net, err = des.NewNetwork(r.sim, netID, cfg.Net)
	return err
}

// partition splits every shard's honest members by index parity; twin
// instance 0 joins the first half, instance 1 the second.
func (r *runner) partition() {
	var a, b []int
	for _, st := range r.shards {
		half := 0
		for _, insts := range st.members {
			if len(insts) == 2 {
				a, b = append(a, insts[0].net), append(b, insts[1].net)
				continue
			}
			if insts[0].honest {
				if half%2 == 0 {
					a = append(a, insts[0].net)
				} else {
					b = append(b, insts[0].net)
				}
				half++
			}
		}
	}
	r.net.Partition(a, b)
}

func (r *runner) drain(in *instance) {
	rd := in.eng.Ready()
	for _, out := range rd.Messages {
		r.send(in, out)
	}
	for _, b := range rd.Optimistic {
		r.onOptimistic(in, b)
	}
	for _, b := range rd.Final {
		r.onFinal(in, b)
	}
}

func (r *runner) payloadTxs(ps [][]byte) int {
	n := 0
	for _, p := range ps {
		if _, id, ok := decodePayload(p); ok {
			if b := r.batches[id]; b != nil {
				n += b.txs
			}
		}
	}
	return n
}

// payloadSigned counts the signed transfers of the batches ps refer to:
// what a receiver may re-verify (atomix credits carry no user signature).
func (r *runner) payloadSigned(ps [][]byte) int {
	n := 0
	for _, p := range ps {
		if b := r.batchOf(p); b != nil {
			n += b.txs - b.credits
		}
	}
	return n
}

// payloadBytes is the wire size of the batches ps refer to.
func (r *runner) payloadBytes(ps [][]byte) int {
	n := 0
	for _, p := range ps {
		if b := r.batchOf(p); b != nil {
			n += (b.txs-b.credits)*r.cfg.TxSize + b.msgBytes
		}
	}
	return n
}

func (r *runner) send(from *instance, out Outbound) {
	meta := r.cfg.Protocol.Meta(out.Msg)
	size := meta.Size + r.payloadBytes(meta.Payloads)
	c := r.cfg.Costs
	cost := time.Duration(meta.Signs)*c.BLSSign + c.CertAggregate(meta.Aggregated)
	checked := new(bool) // one process: signatures checked once (see Config.HostCores)
	from.cpu.Run(cost, func() {
		for m, insts := range r.peers(from) {
			if m == from.member || (out.To != Broadcast && out.To != m) {
				continue
			}
			for _, to := range insts {
				r.net.Send(from.net, to.net, size, func() { r.receive(to, from.member, out.Msg, meta, checked) })
			}
		}
	})
}

func (r *runner) receive(in *instance, from int, msg any, meta MsgMeta, checked *bool) {
	if in.down {
		return
	}
	c := r.cfg.Costs
	var cost time.Duration
	if r.cfg.HostCores == 0 || !*checked {
		*checked = true
		cost = time.Duration(meta.Sigs) * c.BLSVerify
		if meta.CertSigners > 0 {
			cost += c.CertVerify(meta.CertSigners)
		}
	}
	step := func() {
		in.eng.Step(from, msg)
		r.drain(in)
	}
	share := meta.Verify
	if s, ok := in.eng.(Sampler); ok {
		if v, ok := s.VerifyShare(msg); ok {
			share = v
		}
	}
	n := sampled(r.payloadSigned(meta.Payloads), share)
	if n == 0 {
		in.cpu.Run(cost, step)
		return
	}
	r.parallel(in, cost+time.Duration(n)*c.TxVerify(), 0, step)
}

// sampled is how many of n transfers a member re-checks at share.
func sampled(n int, share float64) int {
	return int(math.Ceil(float64(n) * min(max(share, 0), 1)))
}

// parallel spreads work over all of a node's cores (signature checks are
// independent), then runs serial (execution, in block order) and done.
func (r *runner) parallel(in *instance, work, serial time.Duration, done func()) {
	k := in.cpu.Cores()
	left := k
	for range k {
		in.cpu.Run(work/time.Duration(k), func() {
			left--
			if left == 0 {
				in.cpu.Run(serial, done)
			}
		})
	}
}

// cut takes one batch from in's shard mempool.
func (r *runner) cut(in *instance) *batch {
	pool := &r.shards[in.shard].pool
	msgs, credits := pool.takeMsgs(r.cfg.MaxBlockTxs)
	chunks := pool.take(r.cfg.MaxBlockTxs - credits)
	r.nextID++
	b := &batch{id: r.nextID, shard: uint32(in.shard), chunks: chunks, msgs: msgs, credits: credits, txs: credits}
	for _, ch := range chunks {
		b.txs += ch.n
	}
	for _, m := range msgs {
		b.msgBytes += m.size
	}
	r.batches[b.id] = b
	return b
}

// pull serves a Puller engine's request for a batch, now.
func (r *runner) pull(in *instance) []byte {
	if in.down || r.shards[in.shard].pool.empty() {
		return nil
	}
	b := r.cut(in)
	if r.cfg.NodeLoop {
		// The node recovered every signer at admission and executes at
		// finality: taking transfers from the pool is all (its CPU time is
		// the loop's).
		return encodePayload(b.shard, b.id)
	}
	c := r.cfg.Costs
	// The proposer checks every signature and executes every transfer
	// before it signs a block of them: its next jobs queue behind this.
	r.parallel(in, time.Duration(b.txs-b.credits)*c.TxVerify(), time.Duration(b.txs)*c.TxExecute(), nil)
	return encodePayload(b.shard, b.id)
}

func (r *runner) maybePropose(in *instance) {
	st := r.shards[in.shard]
	if in.down || in.puller || in.proposing || st.pool.empty() || !in.eng.WantsPayload() {
		return
	}
	b := r.cut(in)
	in.proposing = true
	c := r.cfg.Costs
	// The proposer checks every signature and executes every transfer
	// against its current state before it signs a block of them.
	r.parallel(in, time.Duration(b.txs-b.credits)*c.TxVerify(), time.Duration(b.txs)*c.TxExecute(), func() {
		in.proposing = false
		in.eng.Propose(encodePayload(b.shard, b.id))
		r.drain(in)
	})
}

func (r *runner) inWindow() bool {
	now := r.sim.Now()
	return now >= r.start && now <= r.end
}

func (r *runner) onOptimistic(in *instance, blk Block) {
	if !in.honest {
		return
	}
	for _, p := range blk.Payloads {
		if b := r.batchOf(p); b != nil {
			r.confirmOptimistic(b)
		}
	}
}

func (r *runner) batchOf(p []byte) *batch {
	_, id, ok := decodePayload(p)
	if !ok {
		return nil
	}
	return r.batches[id]
}

func (r *runner) confirmOptimistic(b *batch) {
	if b.optimists {
		return
	}
	b.optimists = true
	if !r.inWindow() {
		return
	}
	for _, ch := range b.chunks {
		if !ch.imp {
			r.opt.Add(r.sim.Now()-ch.arrived, ch.n)
		}
	}
}

func (r *runner) onFinal(in *instance, blk Block) {
	// Every member executes the finalized transfers, honest or not, after
	// aggregating the certificate if it built one.
	cost := time.Duration(r.payloadTxs(blk.Payloads))*r.cfg.Costs.TxExecute() + r.cfg.Costs.CertAggregate(blk.Aggregated)
	if r.x != nil {
		// The block's atomix work, then (honest members) the attestation
		// of the state it produced, if it wrote votes.
		r.recordFinal(in, blk)
		cost += r.xExecCost(blk)
		in.cpu.Run(cost, func() { r.xAttest(in, blk.Height) })
		return
	}
	if cost > 0 {
		in.cpu.Run(cost, nil)
	}
	r.recordFinal(in, blk)
	if r.ep != nil {
		r.ep.onFinal(in, blk)
	}
}

// recordFinal records that honest member in finalized blk: safety check,
// window counts, and the finalization of its batches.
func (r *runner) recordFinal(in *instance, blk Block) {
	if !in.honest {
		return
	}
	st := r.shards[in.shard]
	if prev, ok := st.finalAt[blk.Height]; ok {
		if prev != blk.ID {
			st.conflicted[blk.Height] = true
		}
		return
	}
	st.finalAt[blk.Height] = blk.ID
	if r.inWindow() {
		st.windowBlks++
	}
	if r.cfg.PartitionUntil > 0 && r.sim.Now() >= r.cfg.PartitionUntil {
		st.healBlks++
	}
	var batches []*batch
	for _, p := range blk.Payloads {
		if b := r.batchOf(p); b != nil && !b.final {
			r.finalize(in, b)
			batches = append(batches, b)
		}
	}
	if r.x != nil {
		r.xExecute(in, blk.Height, batches)
	}
}

func (r *runner) finalize(in *instance, b *batch) {
	b.final = true
	r.confirmOptimistic(b)
	exports := map[uint32]int{}
	for _, ch := range b.chunks {
		switch {
		case ch.imp:
			r.count(ch.n)
			if r.inWindow() {
				r.cross.Add(r.sim.Now()-ch.arrived, ch.n)
			}
		case ch.to == b.shard:
			r.count(ch.n)
			if r.inWindow() {
				r.fin.Add(r.sim.Now()-ch.arrived, ch.n)
			}
		case r.x == nil:
			exports[ch.to] += ch.n
		}
	}
	for dest := range uint32(len(r.shards)) {
		if exports[dest] > 0 {
			r.sendProof(b, dest)
		}
	}
}

func (r *runner) count(n int) {
	r.committedAll += uint64(n)
	if r.inWindow() {
		r.committed += uint64(n)
	}
}

// sendProof, in NodeLoop mode, hands the destination shard the transfers a
// source shard's finalized block exports: in the node's single process the
// destination's runner sees the source's finalized export at once and its
// producer proposes the credit. (Otherwise atomix carries them: atomix.go.)
func (r *runner) sendProof(b *batch, dest uint32) {
	key := [2]uint64{b.id, uint64(dest)}
	if r.imports[key] {
		return
	}
	r.imports[key] = true
	for _, ch := range b.chunks {
		if !ch.imp && ch.to == dest {
			c := ch
			c.imp = true
			r.shards[dest].pool.add(c)
		}
	}
}

func (r *runner) result() Result {
	cfg := r.cfg
	res := Result{
		Protocol: cfg.Protocol.Name(), Shards: cfg.Shards, Committee: cfg.Committee,
		Faulty: int(math.Floor(cfg.Faulty*float64(cfg.Committee) + 1e-9)), Behaviour: cfg.Behaviour.String(),
		OfferedTPS: cfg.Workload.Rate, CrossShare: cfg.Workload.CrossShare,
		Optimistic: r.opt.Stats(), Final: r.fin.Stats(), Cross: r.cross.Stats(),
		Events: r.sim.Processed(),
	}
	res.Tolerated = (cfg.Committee - 1) / 3
	if fb, ok := cfg.Protocol.(FaultBounder); ok {
		res.Tolerated = fb.Tolerated(cfg.Committee)
	}
	res.Throughput = round3(float64(r.committed) / cfg.Duration.Seconds())
	res.PerShard = round3(res.Throughput / float64(cfg.Shards))
	var busy, avail float64
	seen := map[*des.CPU]bool{}
	for _, in := range r.all {
		if in.honest && !seen[in.cpu] {
			seen[in.cpu] = true
			busy += float64(in.cpu.Busy())
			avail += float64(r.end) * float64(in.cpu.Cores())
		}
	}
	if avail > 0 {
		res.CPUUtil = round3(math.Min(busy/avail, 1))
	}
	for _, st := range r.shards {
		res.Blocks += st.windowBlks
		res.BlocksAfterHeal += st.healBlks
		res.SafetyViolations += len(st.conflicted)
		if st.windowBlks == 0 {
			res.StalledShards++
		}
		res.Backlog += st.pool.size
	}
	if r.x != nil {
		res.Atomix = r.x.result()
	}
	if r.ep != nil {
		res.Epoch = r.ep.result()
	}
	if cfg.NodeLoop {
		c := r.cpu
		c.Admission, c.BLSVerify, c.BLSSign = round3(c.Admission), round3(c.BLSVerify), round3(c.BLSSign)
		c.Aggregate, c.Sampling, c.Execution = round3(c.Aggregate), round3(c.Sampling), round3(c.Execution)
		res.NodeCPU = &c
	}
	ns := r.net.Stats()
	res.Messages, res.Bytes = ns.Delivered+r.nodeMsgs, ns.Bytes+r.nodeBytes
	return res
}
