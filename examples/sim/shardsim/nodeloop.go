package shardsim

import (
	"time"

	"github.com/iostkit/iostkit/examples/sim/des"
)

// The example node's local mode (Config.NodeLoop) runs every validator of
// every shard in one process, and each shard is one goroutine
// (examples/node/internal/node's runner) that, on every tick of a Go
// time.Ticker, ticks its members' engines, then hands their messages to
// each other in memory, round after round, until they are quiet or 64
// rounds have passed (runner.pump), then executes what they finalized —
// once for the shard, not once per member. Heights therefore run back to
// back inside one tick, empty or not, and a tick that fires while the loop
// is still busy waits (one at most: time.Ticker drops the others), so the
// engines' clock — and with it the believable producer's optimistic blocks
// — slows down when the CPU is short. This file models that loop.

// nodeRounds is the most message rounds one tick of the node's runner
// exchanges (runner.pump).
const nodeRounds = 64

// goSlice is the time a goroutine runs before the Go scheduler preempts it
// for another runnable one (the runtime's forcePreemptNS): a shard loop's
// CPU time is charged in slices of it, so four shard loops and the API
// share the host's cores as Go's scheduler shares them.
const goSlice = 10 * time.Millisecond

// nodeShard is one shard's loop.
type nodeShard struct {
	busy, due bool
	inbox     map[*instance][]delivery
	executed  uint64            // highest height executed (once per shard)
	seenOpt   map[[32]byte]bool // optimistic blocks counted (the node's runner.seenOpt)
}

// delivery is a message waiting in a member's inbox; checked is shared by
// every copy of one message (the node's verification cache).
type delivery struct {
	from    int
	msg     any
	meta    MsgMeta
	checked *bool
}

// runSliced charges cost to the host CPU in Go scheduler slices and calls
// done when the last slice completes.
func (r *runner) runSliced(cpu *des.CPU, cost time.Duration, done func()) {
	if cost > goSlice {
		cpu.Run(goSlice, func() { r.runSliced(cpu, cost-goSlice, done) })
		return
	}
	cpu.Run(cost, done)
}

// nodeTick is the ticker of shard s firing.
func (r *runner) nodeTick(s int) {
	ns := r.node[s]
	if ns.busy {
		ns.due = true
		return
	}
	r.nodeIteration(s)
}

// nodeIteration runs one tick of shard s's loop, round by round (nodeRound):
// each round's engine work happens at its start, in the order the node does
// it; its CPU time is then charged, and what it produced (confirmations,
// finality, cross-shard credits) takes effect when that time has passed.
func (r *runner) nodeIteration(s int) {
	st, ns := r.shards[s], r.node[s]
	ns.busy = true
	r.cpu.Iterations++
	var live []*instance
	for _, insts := range st.members {
		for _, in := range insts {
			if !in.down {
				live = append(live, in)
			}
		}
	}
	for _, in := range live {
		in.eng.Tick()
		// An engine that is handed payloads (not a Puller) gets one when it
		// asks, as pob's Application.Propose is asked inside the loop.
		if !in.puller && st.pool.size > 0 && in.eng.WantsPayload() {
			b := r.cut(in)
			in.eng.Propose(encodePayload(b.shard, b.id))
		}
	}
	r.nodeRound(s, live, 0)
}

// nodeRound runs round k of an iteration of shard s's loop: every member
// steps through its inbox, then its Ready is handled. The round's CPU time
// is charged before the next round starts, so transfers admitted meanwhile
// (the API's goroutines run concurrently) reach the pool in time for the
// next proposals, as they do in the node.
func (r *runner) nodeRound(s int, live []*instance, k int) {
	ns := r.node[s]
	var cost time.Duration
	var effects []func()
	active := false
	for _, in := range live {
		box := ns.inbox[in]
		if len(box) == 0 {
			continue
		}
		active = true
		delete(ns.inbox, in)
		for _, d := range box {
			cost += r.nodeReceiveCost(in, d)
			in.eng.Step(d.from, d.msg)
		}
	}
	for _, in := range live {
		rd := in.eng.Ready()
		if len(rd.Messages) == 0 && len(rd.Optimistic) == 0 && len(rd.Final) == 0 {
			continue
		}
		active = true
		cost += r.nodeHandle(s, in, rd, &effects)
	}
	if active {
		r.cpu.Rounds++
		if k+1 == nodeRounds {
			r.cpu.RoundCap++
		}
	}
	r.runSliced(r.host, cost, func() {
		for _, f := range effects {
			f()
		}
		if active && k+1 < nodeRounds {
			r.nodeRound(s, live, k+1)
			return
		}
		ns.busy = false
		if ns.due {
			ns.due = false
			r.nodeIteration(s)
		}
	})
}

// nodeReceiveCost is what handing d to member in costs the process: the
// message's BLS checks once (the node's shared verification cache), and a
// cached-transaction lookup (Keccak-256 of its bytes, chain.TxCache) for
// each transfer the member samples — the signer was recovered at admission.
func (r *runner) nodeReceiveCost(in *instance, d delivery) time.Duration {
	c := r.cfg.Costs
	var cost time.Duration
	if !*d.checked {
		*d.checked = true
		cost = time.Duration(d.meta.Sigs) * c.BLSVerify
		r.cpu.Verifies += uint64(d.meta.Sigs)
		if d.meta.CertSigners > 0 {
			cost += c.CertVerify(d.meta.CertSigners)
			r.cpu.Verifies++
		}
		r.cpu.BLSVerify += cost.Seconds()
	}
	share := d.meta.Verify
	if sm, ok := in.eng.(Sampler); ok {
		if v, ok := sm.VerifyShare(d.msg); ok {
			share = v
		}
	}
	if n := sampled(r.payloadTxs(d.meta.Payloads), share); n > 0 {
		cost += time.Duration(n) * c.Keccak
		r.cpu.Sampling += (time.Duration(n) * c.Keccak).Seconds()
	}
	return cost
}

// nodeHandle acts on one member's Ready as the node's runner.handle does:
// its messages go to the other members' inboxes (signing and aggregating
// charged), its optimistic and final blocks are recorded when the
// iteration's CPU time has passed, and a newly finalized height is
// executed once for the shard.
func (r *runner) nodeHandle(s int, from *instance, rd Ready, effects *[]func()) time.Duration {
	st, ns := r.shards[s], r.node[s]
	c := r.cfg.Costs
	var cost time.Duration
	for _, out := range rd.Messages {
		meta := r.cfg.Protocol.Meta(out.Msg)
		// A certificate is aggregated once, by the member that decides
		// (charged with its Final block below); a commit message re-sends
		// a stored one (pob's catch-up), so meta.Aggregated is not charged.
		sign := time.Duration(meta.Signs) * c.BLSSign
		cost += sign
		r.cpu.BLSSign += sign.Seconds()
		r.cpu.Signs += uint64(meta.Signs)
		size := meta.Size + r.payloadTxs(meta.Payloads)*r.cfg.TxSize
		checked := new(bool)
		for m, insts := range st.members {
			if m == from.member || (out.To != Broadcast && out.To != m) {
				continue
			}
			for _, to := range insts {
				if to.down {
					continue
				}
				ns.inbox[to] = append(ns.inbox[to], delivery{from: from.member, msg: out.Msg, meta: meta, checked: checked})
				r.nodeMsgs++
				r.nodeBytes += uint64(size)
			}
		}
	}
	for _, b := range rd.Optimistic {
		if ns.seenOpt == nil || len(ns.seenOpt) > 4096 {
			ns.seenOpt = map[[32]byte]bool{}
		}
		if !ns.seenOpt[b.ID] {
			ns.seenOpt[b.ID] = true
			r.cpu.Optimistic++
		}
		*effects = append(*effects, func() { r.onOptimistic(from, b) })
	}
	for _, b := range rd.Final {
		cost += c.CertAggregate(b.Aggregated)
		r.cpu.Aggregate += c.CertAggregate(b.Aggregated).Seconds()
		if b.Height > ns.executed {
			// The node's runner.execute, once for the shard: see
			// calib.Costs.ExecHeight (measured by the node itself when the
			// calibration holds `node calibrate`'s figures).
			ns.executed = b.Height
			n := r.payloadTxs(b.Payloads)
			exec := c.ExecHeight(n)
			cost += exec
			r.cpu.Execution += exec.Seconds()
			r.cpu.Heights++
			r.cpu.Transfers += uint64(n)
			if n == 0 {
				r.cpu.EmptyHeights++
			}
		}
		*effects = append(*effects, func() { r.recordFinal(from, b) })
	}
	return cost
}

// nodeAdmit charges the admission of n transfers (the client's signature
// and HTTP request, the node's decoding and recovery) to the host, then
// puts them in the shard's mempool.
func (r *runner) nodeAdmit(shard uint32, ch chunk) {
	cost := time.Duration(ch.n) * r.cfg.Costs.TxAdmit()
	r.cpu.Admission += cost.Seconds()
	r.runSliced(r.host, cost, func() {
		r.shards[shard].pool.add(ch)
	})
}
