package harness

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"
)

// OverloadReport is the outcome of an overload run.
type OverloadReport struct {
	Manifest Manifest
	// Steps are the ramp's offered rates and the finalized rates measured.
	Steps []RateStep
	// Sustainable is the finalized rate of the highest ramp step that
	// finalized at least 90% of what it offered.
	Sustainable float64
	// Offered is the rate offered during the overload (10 × Sustainable).
	Offered int
	// Presigned is how many transfers were signed before the overload,
	// and PresignTime how long that took (outside the overload window).
	Presigned   int
	PresignTime time.Duration
	// Achieved is the request rate actually made during the overload, and
	// MeanLatency the mean time a request took to be answered.
	Achieved    float64
	MeanLatency time.Duration
	// HarnessCPU and NodesCPU are the CPU time (user + system) the harness
	// process and all node processes used during the overload window: on
	// one machine the load generator competes with the nodes.
	HarnessCPU, NodesCPU time.Duration
	// NotSentBusy and NotSentFull split the transfers the overload did not
	// offer: every submitter busy, or every sender's window full.
	NotSentBusy, NotSentFull int64
	// For is how long the overload lasted.
	For time.Duration
	// Windows are the finalized rates of consecutive 10 s windows of the
	// overload.
	Windows []float64
	// Final is the finalized rate over the whole overload.
	Final float64
	// RSSStart, RSSMax and RSSEnd are the largest node's resident memory
	// before the overload, at its peak, and after it settled (bytes).
	RSSStart, RSSMax, RSSEnd uint64
	// PoolMax is the largest mempool size one shard of one node reported.
	PoolMax int
	// Gaps classifies the senders stalled at the end of the overload, and
	// StallGaps those after each 10 s window that finalized less than 10%
	// of the sustainable rate.
	Gaps      GapStats
	StallGaps []GapStats
	// Load is what the load generator saw during the overload only.
	Load LoadStats
	// Settle is how long the network took to drain after the overload.
	Settle time.Duration
	Audit  Audit
	// Violations lists every broken property; empty means pass.
	Violations []string
}

// RateStep is one step of the ramp.
type RateStep struct {
	Offered   int
	Finalized float64
	// NodesCPU is the CPU time all node processes used during the step.
	NodesCPU time.Duration
}

// OK reports whether the run broke no property.
func (r OverloadReport) OK() bool { return len(r.Violations) == 0 }

// Summary formats the report as Markdown.
func (r OverloadReport) Summary() string {
	var b strings.Builder
	m := r.Manifest
	mib := func(x uint64) string { return fmt.Sprintf("%.0f MiB", float64(x)/(1<<20)) }
	fmt.Fprintf(&b, "validators %d, shards %d, mempool capacity %d per shard (0: node default), %d accounts, window %d, node flags %q\n\n", m.Validators, m.Shards, m.MempoolCapacity, m.Accounts, m.Window, m.NodeArgs)
	fmt.Fprintf(&b, "| measure | value |\n| --- | --- |\n")
	var steps []string
	for _, s := range r.Steps {
		steps = append(steps, fmt.Sprintf("%d→%.1f", s.Offered, s.Finalized))
	}
	fmt.Fprintf(&b, "| ramp, offered → finalized tx/s | %s |\n", strings.Join(steps, ", "))
	var cpu []string
	for _, s := range r.Steps {
		cpu = append(cpu, fmt.Sprintf("%d: %s", s.Offered, s.NodesCPU.Round(100*time.Millisecond)))
	}
	fmt.Fprintf(&b, "| ramp, CPU of all nodes per 20 s step | %s |\n", strings.Join(cpu, ", "))
	fmt.Fprintf(&b, "| sustainable rate | %.1f tx/s |\n", r.Sustainable)
	fmt.Fprintf(&b, "| overload target (10×) | %d tx/s for %s |\n", r.Offered, r.For)
	fmt.Fprintf(&b, "| transfers signed before the overload | %d in %s |\n", r.Presigned, r.PresignTime.Round(100*time.Millisecond))
	fmt.Fprintf(&b, "| requests made during the overload | %d (%.0f/s, %.1f× sustainable; mean answer %s) |\n", r.Load.Offered, r.Achieved, r.Achieved/max(r.Sustainable, 1e-9), r.MeanLatency.Round(100*time.Microsecond))
	fmt.Fprintf(&b, "| actually offered / accepted (requests answered) | %d / %d |\n", r.Load.Offered, r.Load.Accepted)
	var refused []string
	for _, c := range r.Load.RefusalCodes() {
		refused = append(refused, fmt.Sprintf("%s %d", c, r.Load.Refused[c]))
	}
	fmt.Fprintf(&b, "| refused, by reason | %s |\n", strings.Join(refused, ", "))
	fmt.Fprintf(&b, "| not sent: submitters busy / sender windows full; no answer | %d / %d; %d |\n", r.NotSentBusy, r.NotSentFull, r.Load.Transport)
	var ws []string
	for _, w := range r.Windows {
		ws = append(ws, fmt.Sprintf("%.1f", w))
	}
	fmt.Fprintf(&b, "| CPU used during the overload: harness / all nodes | %s / %s (over %s) |\n", r.HarnessCPU.Round(100*time.Millisecond), r.NodesCPU.Round(100*time.Millisecond), r.For)
	fmt.Fprintf(&b, "| finalized tx/s per 10 s window | %s |\n", strings.Join(ws, ", "))
	fmt.Fprintf(&b, "| finalized tx/s over the overload | %.1f (%.0f%% of sustainable) |\n", r.Final, 100*r.Final/max(r.Sustainable, 1e-9))
	fmt.Fprintf(&b, "| largest mempool (one shard, one node) | %d |\n", r.PoolMax)
	fmt.Fprintf(&b, "| senders stalled ≥10 s at the end: next transfer held by a node / missing while a later one is held (gap) / other | %d: %d / %d / %d |\n",
		r.Gaps.Stalled, r.Gaps.HeadHeld, r.Gaps.Gap, r.Gaps.Stalled-r.Gaps.HeadHeld-r.Gaps.Gap)
	for _, g := range r.StallGaps {
		fmt.Fprintf(&b, "| the same after a stalled 10 s window | %d: %d / %d / %d |\n", g.Stalled, g.HeadHeld, g.Gap, g.Stalled-g.HeadHeld-g.Gap)
	}
	fmt.Fprintf(&b, "| largest node RSS: before / peak / after settling | %s / %s / %s |\n", mib(r.RSSStart), mib(r.RSSMax), mib(r.RSSEnd))
	fmt.Fprintf(&b, "| settle after the overload | %s |\n", r.Settle.Round(10*time.Millisecond))
	fmt.Fprintf(&b, "| transfers in the chain: executed / failed | %d / %d |\n", r.Audit.OK, r.Audit.Failed)
	fmt.Fprintf(&b, "| blocks compared across nodes | %d |\n", r.Audit.BlocksCompared)
	fmt.Fprintf(&b, "| supply of the load's accounts, genesis → end | %d → %d |\n", r.Audit.GenesisSupply, r.Audit.Supply)
	fmt.Fprintf(&b, "| violations | %d |\n", len(r.Violations))
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "\n- %s", v)
	}
	return b.String()
}

// selfCPU is the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// nodesCPU is the CPU time the network's live processes have used, from
// /proc/<pid>/stat (utime and stime, in clock ticks of 1/100 s).
func nodesCPU(n *Network) time.Duration {
	var total time.Duration
	for _, nd := range n.Nodes {
		pid := nd.Pid()
		if pid == 0 {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// fields after the command name, which is in parentheses
		rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
		f := strings.Fields(rest)
		if len(f) < 13 {
			continue
		}
		var ut, st int64
		fmt.Sscan(f[11], &ut)
		fmt.Sscan(f[12], &st)
		total += time.Duration(ut+st) * 10 * time.Millisecond
	}
	return total
}

// maxRSS is the largest resident set of the network's live processes.
func maxRSS(n *Network) uint64 {
	var out uint64
	for _, nd := range n.Nodes {
		if pid := nd.Pid(); pid != 0 {
			if r, err := RSS(pid); err == nil {
				out = max(out, r)
			}
		}
	}
	return out
}

func finalTxs(ctx context.Context, n *Network) (uint64, error) {
	st, err := n.Nodes[0].API.Status(ctx)
	return st.FinalTxs, err
}

// Overload measures the sustainable rate with a ramp (after m.Warmup at
// m.Rate, 20 s steps from m.Rate, doubling while at least 90% of the
// offered load finalizes), then
// offers 10× that rate for d, sampling memory, mempools and the finalized
// rate every second, then settles and audits the chain.
func Overload(ctx context.Context, n *Network, d time.Duration, log io.Writer) (OverloadReport, error) {
	if log == nil {
		log = io.Discard
	}
	m := n.M
	rep := OverloadReport{Manifest: m, For: d}
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
	lctx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	load.SetRate(0)
	loadDone := make(chan struct{})
	go func() { defer close(loadDone); load.Run(lctx) }()

	// Warm up at the first step's rate: a network just started (connections,
	// first blocks) can miss the first step's 90% on a loaded machine.
	load.SetRate(m.Rate)
	if err := sleep(ctx, time.Duration(m.Warmup)); err != nil {
		return rep, err
	}
	const step = 20 * time.Second
	for rate := m.Rate; ; rate *= 2 {
		load.SetRate(rate)
		f0, err := finalTxs(ctx, n)
		if err != nil {
			return rep, err
		}
		t0, c0 := time.Now(), nodesCPU(n)
		if err := sleep(ctx, step); err != nil {
			return rep, err
		}
		f1, err := finalTxs(ctx, n)
		if err != nil {
			return rep, err
		}
		got := float64(f1-f0) / time.Since(t0).Seconds()
		rep.Steps = append(rep.Steps, RateStep{Offered: rate, Finalized: got, NodesCPU: nodesCPU(n) - c0})
		logf("ramp: offered %d tx/s, finalized %.1f tx/s, nodes' CPU %s", rate, got, rep.Steps[len(rep.Steps)-1].NodesCPU.Round(100*time.Millisecond))
		if got < 0.9*float64(rate) || rate >= 1<<14 {
			if rep.Sustainable == 0 {
				rep.Sustainable = got
			}
			break
		}
		rep.Sustainable = got
	}
	rep.Offered = int(10*rep.Sustainable + 0.5)
	// Sign the overload's transfers now, outside the offered-load window:
	// enough per sender for its window plus its share of what the chain
	// can take meanwhile, twice over.
	stopLoad()
	<-loadDone
	perSender := m.Window + int(2*rep.Sustainable*d.Seconds())/len(load.senders) + 64
	ps := time.Now()
	fl := presign(load, perSender, m.Window)
	rep.PresignTime = time.Since(ps)
	rep.Presigned = perSender * len(load.senders)
	logf("overload: %d transfers signed in %s", rep.Presigned, rep.PresignTime.Round(100*time.Millisecond))
	rep.RSSStart = maxRSS(n)
	before := load.Stats()
	logf("overload: offering %d tx/s for %s with %d submitters", rep.Offered, d, m.Workers)
	f0, err := finalTxs(ctx, n)
	if err != nil {
		return rep, err
	}
	h0, n0 := selfCPU(), nodesCPU(n)
	fctx, stopFlood := context.WithCancel(ctx)
	defer stopFlood()
	floodDone := make(chan struct{})
	go func() { defer close(floodDone); fl.run(fctx, rep.Offered, m.Workers) }()
	t0 := time.Now()
	wStart, wF := t0, f0
	tick := time.NewTicker(time.Second)
	for time.Since(t0) < d {
		select {
		case <-ctx.Done():
			tick.Stop()
			return rep, ctx.Err()
		case <-tick.C:
		}
		rep.RSSMax = max(rep.RSSMax, maxRSS(n))
		for _, nd := range n.Nodes {
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			st, err := nd.API.Status(cctx)
			cancel()
			if err != nil {
				continue
			}
			for _, s := range st.Shards {
				rep.PoolMax = max(rep.PoolMax, s.Mempool)
			}
			if nd.Index == 0 && time.Since(wStart) >= 10*time.Second {
				rep.Windows = append(rep.Windows, float64(st.FinalTxs-wF)/time.Since(wStart).Seconds())
				logf("overload: %.1f tx/s finalized over the last %s, largest RSS %.0f MiB, largest pool %d",
					rep.Windows[len(rep.Windows)-1], time.Since(wStart).Round(time.Second), float64(rep.RSSMax)/(1<<20), rep.PoolMax)
				if w := rep.Windows[len(rep.Windows)-1]; w < 0.1*rep.Sustainable {
					// a stalled window: why do the senders stall?
					g := fl.gaps(ctx, 8*time.Second)
					rep.StallGaps = append(rep.StallGaps, g)
					logf("overload: stalled window: %d senders stalled, next transfer held by a node %d, gap %d", g.Stalled, g.HeadHeld, g.Gap)
				}
				wStart, wF = time.Now(), st.FinalTxs
			}
		}
	}
	tick.Stop()
	stopFlood()
	<-floodDone
	elapsed := time.Since(t0)
	rep.HarnessCPU, rep.NodesCPU = selfCPU()-h0, nodesCPU(n)-n0
	f1, err := finalTxs(ctx, n)
	if err != nil {
		return rep, err
	}
	rep.Final = float64(f1-f0) / elapsed.Seconds()
	rep.Achieved = float64(fl.sent.Load()) / elapsed.Seconds()
	if a := fl.sent.Load(); a > 0 {
		rep.MeanLatency = time.Duration(fl.latency.Load() / a)
	}
	rep.NotSentBusy, rep.NotSentFull = fl.busy.Load(), fl.full.Load()
	after := load.Stats()
	rep.Load = LoadStats{Signed: after.Signed - before.Signed, Offered: after.Offered - before.Offered, Accepted: after.Accepted - before.Accepted,
		Dropped: after.Dropped - before.Dropped, Transport: after.Transport - before.Transport, Refused: map[string]int{}}
	for k, v := range after.Refused {
		if v > before.Refused[k] {
			rep.Load.Refused[k] = v - before.Refused[k]
		}
	}
	// Before anything settles: why do the stalled senders stall?
	rep.Gaps = fl.gaps(ctx, 10*time.Second)
	rep.Settle, err = Settle(ctx, n, load, 5*time.Minute)
	if err != nil {
		rep.Violations = append(rep.Violations, err.Error())
	}
	rep.RSSEnd = maxRSS(n)
	logf("settled in %s; auditing", rep.Settle.Round(10*time.Millisecond))
	rep.Audit = AuditChain(ctx, n, load, genesis)
	rep.Violations = append(rep.Violations, rep.Audit.Violations...)
	rep.Violations = append(rep.Violations, n.Unexpected()...)
	if rep.Final < 0.5*rep.Sustainable {
		rep.Violations = append(rep.Violations, fmt.Sprintf("finalized throughput collapsed under overload: %.1f tx/s, sustainable %.1f", rep.Final, rep.Sustainable))
	}
	if len(rep.Load.Refused) == 0 {
		rep.Violations = append(rep.Violations, "the overload was never refused: the mempool did not push back")
	}
	return rep, nil
}
