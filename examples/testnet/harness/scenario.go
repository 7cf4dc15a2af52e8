package harness

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
)

// Applied is a perturbation as it was carried out.
type Applied struct {
	Perturbation
	// At is when it started, from the start of the run.
	At time.Duration
	// Rejoin is how long the perturbed nodes took, once healed, to reach
	// the height the others had at that moment.
	Rejoin time.Duration
	// Err is what went wrong applying or healing it, if anything.
	Err string
}

// Report is the outcome of a perturbation run.
type Report struct {
	Manifest Manifest
	Applied  []Applied
	// Elapsed is the whole run, from the first transfer to the audit.
	Elapsed time.Duration
	// Liveness is how long, after the last perturbation was healed, every
	// node took to finalize two heights beyond the highest one any node had.
	Liveness time.Duration
	// Settle is how long the network took to empty its mempools and
	// deliver every cross-shard credit after the load stopped.
	Settle time.Duration
	Load   LoadStats
	Audit  Audit
	// RootsCompared counts state-root observations (an account proof's
	// root at its version) that matched another node's at the same shard
	// and version.
	RootsCompared int
	// StatusRootRaces counts back-to-back /status answers of one node that
	// gave one height of a shard with two different state roots (the node
	// reads them separately; not a consensus fault).
	StatusRootRaces int
	// Convictions counts distinct convictions (shard, height, validator,
	// reason) the node logs report — equivocation (a double vote) or
	// fraud evidence — and Panics lines with "panic:".
	Convictions, Panics int
	// Violations lists every broken property of the run; empty means pass.
	Violations []string
}

// OK reports whether the run broke no property.
func (r Report) OK() bool { return len(r.Violations) == 0 }

// RejoinStats returns the median and maximum rejoin time of perturbations
// of the kinds given (all kinds when none).
func (r Report) RejoinStats(kinds ...Kind) (n int, median, worst time.Duration) {
	var ds []time.Duration
	for _, a := range r.Applied {
		if a.Err == "" && (len(kinds) == 0 || slices.Contains(kinds, a.Kind)) {
			ds = append(ds, a.Rejoin)
		}
	}
	if len(ds) == 0 {
		return 0, 0, 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return len(ds), ds[len(ds)/2], ds[len(ds)-1]
}

// rejoinQuantile returns the q-quantile of the rejoin times of kinds.
func (r Report) rejoinQuantile(q float64, kinds ...Kind) time.Duration {
	var ds []time.Duration
	for _, a := range r.Applied {
		if a.Err == "" && (len(kinds) == 0 || slices.Contains(kinds, a.Kind)) {
			ds = append(ds, a.Rejoin)
		}
	}
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[min(len(ds)-1, int(q*float64(len(ds))))]
}

// Summary formats the report as Markdown.
func (r Report) Summary() string {
	var b strings.Builder
	m := r.Manifest
	fmt.Fprintf(&b, "validators %d, shards %d, seed %d, engine %s, tick %s, load %d tx/s (%d%% cross-shard) over %d accounts\n\n",
		m.Validators, m.Shards, m.Seed, m.Engine, time.Duration(m.Tick), m.Rate, m.CrossShardPercent, m.Accounts)
	kinds := map[Kind]int{}
	for _, a := range r.Applied {
		kinds[a.Kind]++
	}
	var ks []string
	for _, k := range AllKinds {
		if kinds[k] > 0 {
			ks = append(ks, fmt.Sprintf("%s ×%d", k, kinds[k]))
		}
	}
	fmt.Fprintf(&b, "| measure | value |\n| --- | --- |\n")
	fmt.Fprintf(&b, "| perturbations applied | %d (%s) |\n", len(r.Applied), strings.Join(ks, ", "))
	for _, k := range AllKinds {
		if n, med, worst := r.RejoinStats(k); n > 0 {
			fmt.Fprintf(&b, "| rejoin after %s (median / p90 / max) | %s / %s / %s |\n", k, med.Round(10*time.Millisecond),
				r.rejoinQuantile(0.9, k).Round(10*time.Millisecond), worst.Round(10*time.Millisecond))
		}
	}
	if len(r.Applied) > 0 && len(m.Kinds) == 1 && m.Kinds[0] == Kill {
		// crash runs: who was killed how often, and how each rejoined
		per := map[int][]time.Duration{}
		for _, a := range r.Applied {
			if a.Err == "" {
				per[a.Nodes[0]] = append(per[a.Nodes[0]], a.Rejoin)
			}
		}
		for i := 0; i < m.Validators; i++ {
			ds := per[i]
			if len(ds) == 0 {
				continue
			}
			sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
			fmt.Fprintf(&b, "| node %d: kills, rejoin median / max | %d, %s / %s |\n", i, len(ds), ds[len(ds)/2].Round(10*time.Millisecond), ds[len(ds)-1].Round(10*time.Millisecond))
		}
	}
	fmt.Fprintf(&b, "| run time | %s |\n", r.Elapsed.Round(time.Second))
	fmt.Fprintf(&b, "| liveness after the last perturbation | %s (bound %s) |\n", r.Liveness.Round(10*time.Millisecond), time.Duration(m.LivenessBound))
	fmt.Fprintf(&b, "| settle after the load | %s |\n", r.Settle.Round(10*time.Millisecond))
	fmt.Fprintf(&b, "| transfers signed / offered / accepted | %d / %d / %d |\n", r.Load.Signed, r.Load.Offered, r.Load.Accepted)
	var refused []string
	for _, c := range r.Load.RefusalCodes() {
		refused = append(refused, fmt.Sprintf("%s %d", c, r.Load.Refused[c]))
	}
	fmt.Fprintf(&b, "| refused (by reason) / no answer | %s / %d |\n", strings.Join(refused, ", "), r.Load.Transport)
	fmt.Fprintf(&b, "| transfers re-offered while settling (stuck in a pool) | %d |\n", r.Load.Reoffered)
	fmt.Fprintf(&b, "| finalized heights checked per shard | %v |\n", r.Audit.Heights)
	fmt.Fprintf(&b, "| blocks compared across nodes | %d |\n", r.Audit.BlocksCompared)
	fmt.Fprintf(&b, "| state roots matched across nodes (account proofs, same version) | %d |\n", r.RootsCompared)
	fmt.Fprintf(&b, "| /status answers pairing one height with two roots | %d |\n", r.StatusRootRaces)
	fmt.Fprintf(&b, "| transfers in the chain: executed / failed | %d / %d |\n", r.Audit.OK, r.Audit.Failed)
	fmt.Fprintf(&b, "| cross-shard exports / credits | %d / %d |\n", r.Audit.Cross, r.Audit.Credits)
	fmt.Fprintf(&b, "| supply of the load's accounts, genesis → end | %d → %d |\n", r.Audit.GenesisSupply, r.Audit.Supply)
	fmt.Fprintf(&b, "| convictions / panics in logs | %d / %d |\n", r.Convictions, r.Panics)
	fmt.Fprintf(&b, "| violations | %d |\n", len(r.Violations))
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "\n- %s", v)
	}
	return b.String()
}

// Run offers the manifest's load to n, applies the schedule, heals, waits
// for liveness, settles and audits. Progress lines go to log.
func Run(ctx context.Context, n *Network, schedule []Perturbation, log io.Writer) (Report, error) {
	if log == nil {
		log = io.Discard
	}
	m := n.M
	rep := Report{Manifest: m}
	start := time.Now()
	logf := func(format string, args ...any) {
		fmt.Fprintf(log, "%7.1fs "+format+"\n", append([]any{time.Since(start).Seconds()}, args...)...)
	}
	load, err := NewLoad(ctx, n)
	if err != nil {
		return rep, err
	}
	genesis, err := Genesis(ctx, n, load)
	if err != nil {
		return rep, err
	}
	mon := NewMonitor(n)
	mctx, stopMon := context.WithCancel(ctx)
	defer stopMon()
	go mon.Run(mctx, 500*time.Millisecond)
	lctx, stopLoad := context.WithCancel(ctx)
	loadDone := make(chan struct{})
	go func() { defer close(loadDone); load.Run(lctx) }()
	logf("load %d tx/s started; warm-up %s", m.Rate, time.Duration(m.Warmup))
	if err := sleep(ctx, time.Duration(m.Warmup)); err != nil {
		stopLoad()
		return rep, err
	}
	for i, p := range schedule {
		if m.Budget > 0 && time.Since(start) > time.Duration(m.Budget) {
			logf("budget %s spent: %d of %d perturbations applied", time.Duration(m.Budget), i, len(schedule))
			break
		}
		if err := sleep(ctx, p.Gap); err != nil {
			stopLoad()
			return rep, err
		}
		a := Applied{Perturbation: p, At: time.Since(start)}
		rejoin, err := apply(ctx, n, mon, p)
		a.Rejoin = rejoin
		if err != nil {
			a.Err = err.Error()
			rep.Violations = append(rep.Violations, fmt.Sprintf("perturbation %d (%s): %v", i, p, err))
		}
		rep.Applied = append(rep.Applied, a)
		logf("%2d/%d %s: rejoined in %s %s", i+1, len(schedule), p, rejoin.Round(10*time.Millisecond), a.Err)
	}
	// Liveness after the last perturbation: every node finalizes two
	// heights beyond the highest any node had once all are healed.
	mon.Poll(ctx)
	target := mon.maxHeights(n.Nodes)
	for s := range target {
		target[s] += 2
	}
	rep.Liveness, err = mon.WaitCaughtUp(ctx, n.Nodes, target, time.Duration(m.LivenessBound))
	if err != nil {
		rep.Violations = append(rep.Violations, fmt.Sprintf("liveness after the last perturbation: %v", err))
	}
	logf("liveness: every node at %v in %s", target, rep.Liveness.Round(10*time.Millisecond))
	stopLoad()
	<-loadDone
	rep.Settle, err = Settle(ctx, n, load, 3*time.Minute)
	if err != nil {
		rep.Violations = append(rep.Violations, err.Error())
	}
	logf("settled in %s; auditing", rep.Settle.Round(10*time.Millisecond))
	stopMon()
	rep.Audit = AuditChain(ctx, n, load, genesis)
	rep.Violations = append(rep.Violations, rep.Audit.Violations...)
	rep.Violations = append(rep.Violations, mon.Violations()...)
	rep.RootsCompared = mon.RootsCompared()
	rep.StatusRootRaces = mon.StatusRaces()
	if rep.RootsCompared == 0 {
		rep.Violations = append(rep.Violations, "no two nodes ever proved against a state root at the same version")
	}
	convicted := map[string]bool{}
	for _, nd := range n.Nodes {
		for _, c := range nd.Convictions() {
			convicted[c] = true
		}
		rep.Panics += nd.LogCount("panic:")
	}
	rep.Convictions = len(convicted)
	for c := range convicted {
		rep.Violations = append(rep.Violations, "conviction (a double vote or a fraudulent block): "+c)
	}
	if rep.Panics > 0 {
		rep.Violations = append(rep.Violations, fmt.Sprintf("%d panic(s) in the node logs", rep.Panics))
	}
	rep.Violations = append(rep.Violations, n.Unexpected()...)
	rep.Load = load.Stats()
	rep.Elapsed = time.Since(start)
	logf("audit: %d violation(s)", len(rep.Violations))
	return rep, nil
}

// apply carries out p and heals it, then waits for the perturbed nodes to
// catch up with the others.
func apply(ctx context.Context, n *Network, mon *Monitor, p Perturbation) (time.Duration, error) {
	tick := time.Duration(n.M.Tick)
	var nodes []*Node
	for _, i := range p.Nodes {
		nodes = append(nodes, n.Nodes[i])
	}
	mon.Poll(ctx)
	switch p.Kind {
	case Kill:
		nodes[0].Kill()
		if err := sleep(ctx, p.Down); err != nil {
			return 0, err
		}
		if err := nodes[0].Restart(tick); err != nil {
			return 0, err
		}
	case Restart:
		nodes[0].Terminate()
		if err := nodes[0].Restart(tick); err != nil {
			return 0, err
		}
	case Pause, QuorumPause:
		for _, nd := range nodes {
			if err := nd.Pause(); err != nil {
				return 0, err
			}
		}
		if err := sleep(ctx, p.Down); err != nil {
			return 0, err
		}
		for _, nd := range nodes {
			if err := nd.Resume(); err != nil {
				return 0, err
			}
		}
	case Partition:
		if err := partition(ctx, n, p.Nodes); err != nil {
			return 0, err
		}
		if err := sleep(ctx, p.Down); err != nil {
			return 0, err
		}
		if err := partition(ctx, n, nil); err != nil {
			return 0, err
		}
	case DiskFull:
		if err := diskFull(ctx, nodes[0], p.Bytes, time.Duration(n.M.RejoinBound)); err != nil {
			return 0, err
		}
		if err := sleep(ctx, p.Down); err != nil {
			return 0, err
		}
		if err := nodes[0].Restart(tick); err != nil {
			return 0, err
		}
	case Skew:
		skewed := time.Duration(float64(tick) * p.TickFactor)
		nodes[0].Terminate()
		if err := nodes[0].Restart(skewed); err != nil {
			return 0, err
		}
		if err := nodes[0].WaitAPI(ctx, time.Minute); err != nil {
			return 0, err
		}
		if err := sleep(ctx, p.Down); err != nil {
			return 0, err
		}
		nodes[0].Terminate()
		if err := nodes[0].Restart(tick); err != nil {
			return 0, err
		}
	default:
		return 0, fmt.Errorf("unknown kind %q", p.Kind)
	}
	healed := time.Now()
	for _, nd := range nodes {
		if err := nd.WaitAPI(ctx, time.Minute); err != nil {
			return time.Since(healed), err
		}
	}
	var others []*Node
	for _, nd := range n.Nodes {
		if !slices.Contains(p.Nodes, nd.Index) {
			others = append(others, nd)
		}
	}
	mon.Poll(ctx)
	target := mon.maxHeights(others)
	if p.Kind == QuorumPause || p.Kind == Partition && len(p.Nodes) > (len(n.Nodes)-1)/3 {
		// The others could not finalize without the paused or cut-off
		// ones: wait for finality to resume on every node.
		target, nodes = mon.maxHeights(n.Nodes), n.Nodes
		for s := range target {
			target[s]++
		}
	}
	_, err := mon.WaitCaughtUp(ctx, nodes, target, time.Duration(n.M.RejoinBound))
	return time.Since(healed), err
}

// diskFullLog is what the node logs when a store refused a write.
const diskFullLog = "state: disk full"

// diskFull limits nd's stores to bytes more and waits (up to bound) for
// the node to stop by itself with a disk-full error in its log.
func diskFull(ctx context.Context, nd *Node, bytes int64, bound time.Duration) error {
	before := nd.LogCount(diskFullLog)
	nd.ExpectExit()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err := nd.API.DiskFull(cctx, bytes)
	cancel()
	if err != nil {
		// The node may have stopped on the write that request allowed;
		// if it did not, the harness stops it (and reports the error).
		if werr := nd.WaitExit(ctx, 5*time.Second); werr != nil {
			nd.Kill()
			return fmt.Errorf("harness: node %d disk-full: %w", nd.Index, err)
		}
	}
	if err := nd.WaitExit(ctx, bound); err != nil {
		nd.Kill()
		return fmt.Errorf("harness: node %d did not stop when its disk filled: %w", nd.Index, err)
	}
	if nd.LogCount(diskFullLog) <= before {
		return fmt.Errorf("harness: node %d stopped without a disk-full error; log tail:\n%s", nd.Index, nd.LogTail(2000))
	}
	return nil
}

// partition cuts the nodes of side off from the others, both ways; an
// empty side heals every node.
func partition(ctx context.Context, n *Network, side []int) error {
	var in, out []int
	for _, nd := range n.Nodes {
		if slices.Contains(side, nd.Index) {
			in = append(in, nd.Index)
		} else {
			out = append(out, nd.Index)
		}
	}
	for _, nd := range n.Nodes {
		blocked := in
		if slices.Contains(side, nd.Index) {
			blocked = out
		}
		if len(side) == 0 {
			blocked = nil
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := nd.API.BlockPeers(cctx, blocked)
		cancel()
		if err != nil {
			return fmt.Errorf("harness: node %d block-peers %v: %w", nd.Index, blocked, err)
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
