package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/iostkit/iostkit/examples/sim/shardsim"
)

// committeeExperiment is experiment 2: finality latency against committee
// size, one shard under a light load (so latency is the protocol's, not a
// queue's).
func committeeExperiment(e *env, engine string, sizes []int, rate float64, warm, dur time.Duration) (runDoc, error) {
	costs, err := e.calibration()
	if err != nil {
		return runDoc{}, err
	}
	proto, err := newProtocol(engine)
	if err != nil {
		return runDoc{}, err
	}
	doc := runDoc{Experiment: "committee", Seed: e.o.seed, Calibration: costs}
	var labels []string
	var cfgs []shardsim.Config
	for _, n := range sizes {
		cfg := e.baseConfig(proto, costs)
		cfg.Shards, cfg.Committee = 1, n
		cfg.Warmup, cfg.Duration = warm, dur
		cfg.Workload = shardsim.Workload{Rate: rate}
		doc.Setup = setupDoc(cfg)
		labels = append(labels, fmt.Sprintf("committee: %s N=%d", engine, n))
		cfgs = append(cfgs, cfg)
	}
	results, err := runAll(e, labels, cfgs)
	for _, res := range results {
		doc.Runs = append(doc.Runs, runRow{Engine: engine, Result: res})
	}
	return doc, err
}

func committeeReport(e *env, doc runDoc) report {
	rate := doc.Runs[0].Result.OfferedTPS
	t := table{cols: []string{"validators", "final tx/s", "optimistic p50 ms", "final p50 ms", "final p99 ms", "blocks", "messages", "MB on the wire", "CPU util"}}
	p50 := series{name: "final p50", color: 0}
	p99 := series{name: "final p99", color: 1, dashed: true}
	opt := series{name: "optimistic p50", color: 2}
	for _, run := range doc.Runs {
		r := run.Result
		t.add(r.Committee, r.Throughput, r.Optimistic.P50MS, r.Final.P50MS, r.Final.P99MS, r.Blocks, r.Messages, float64(r.Bytes)/1e6, r.CPUUtil)
		x := float64(r.Committee)
		p50.xs, p50.ys = append(p50.xs, x), append(p50.ys, r.Final.P50MS)
		p99.xs, p99.ys = append(p99.xs, x), append(p99.ys, r.Final.P99MS)
		opt.xs, opt.ys = append(opt.xs, x), append(opt.ys, r.Optimistic.P50MS)
	}
	ch := chart{xticks: p50.xs, title: fmt.Sprintf("Experiment 2 — latency vs committee size (%s, %.0f tx/s)", doc.Runs[0].Engine, rate), xlabel: "validators in the shard", ylabel: "latency (ms)", logX: true, series: []series{opt, p50, p99}}
	first, last := doc.Runs[0].Result, doc.Runs[len(doc.Runs)-1].Result
	notes := fmt.Sprintf("Finding: median finality goes from %.0f ms with %d validators to %.0f ms with %d, where the honest validators' CPU utilisation is %.0f%% and %d heights were finalized in the %s window (offered %.0f tx/s, finalized %.0f tx/s). Every vote is a BLS signature each member verifies, so the per-member work grows with n and the shard's with n².",
		first.Final.P50MS, first.Committee, last.Final.P50MS, last.Committee, 100*last.CPUUtil, last.Blocks, doc.Setup["measured"], last.OfferedTPS, last.Throughput)
	if last.CPUUtil >= 0.95 {
		notes += " At the largest size that work exceeds the cores: rounds time out and finality stretches."
	}
	return report{notes: notes, name: "committee", title: "Experiment 2 — finality latency vs committee size", command: commandLine(e.o, "committee"), intro: realIntro(doc),
		table: t, data: doc, charts: map[string]chart{"committee.svg": ch}}
}

// enginesExperiment is experiment 3: every registered engine at one setup,
// light and saturated.
func enginesExperiment(e *env, engines []string, shards, committee int, perShard []float64, warm, dur time.Duration) (runDoc, error) {
	costs, err := e.calibration()
	if err != nil {
		return runDoc{}, err
	}
	doc := runDoc{Experiment: "engines", Seed: e.o.seed, Calibration: costs}
	var labels, names []string
	var cfgs []shardsim.Config
	for _, name := range engines {
		proto, err := newProtocol(name)
		if err != nil {
			return runDoc{}, err
		}
		for _, rate := range perShard {
			cfg := e.baseConfig(proto, costs)
			cfg.Shards, cfg.Committee = shards, committee
			cfg.Warmup, cfg.Duration = warm, dur
			cfg.Workload = shardsim.Workload{Rate: rate * float64(shards), CrossShare: 0.1}
			doc.Setup = setupDoc(cfg)
			labels = append(labels, fmt.Sprintf("engines: %s %.0f tx/s/shard", name, rate))
			names = append(names, name)
			cfgs = append(cfgs, cfg)
		}
	}
	results, err := runAll(e, labels, cfgs)
	for i, res := range results {
		doc.Runs = append(doc.Runs, runRow{Engine: names[i], Result: res})
	}
	return doc, err
}

func enginesReport(e *env, doc runDoc) report {
	t := table{cols: []string{"engine", "offered tx/s", "final tx/s", "optimistic p50 ms", "final p50 ms", "final p99 ms", "cross p50 ms", "blocks", "messages", "CPU util"}}
	var lat, thr []series
	for i, name := range distinctEngines(doc) {
		l := series{name: name + " final p50 (ms)", color: i}
		h := series{name: name + " final tx/s", color: i}
		for _, run := range doc.Runs {
			if run.Engine != name {
				continue
			}
			r := run.Result
			t.add(name, r.OfferedTPS, r.Throughput, r.Optimistic.P50MS, r.Final.P50MS, r.Final.P99MS, r.Cross.P50MS, r.Blocks, r.Messages, r.CPUUtil)
			l.xs, l.ys = append(l.xs, r.OfferedTPS), append(l.ys, r.Final.P50MS)
			h.xs, h.ys = append(h.xs, r.OfferedTPS), append(h.ys, r.Throughput)
		}
		lat, thr = append(lat, l), append(thr, h)
		if name == "pob" {
			o := series{name: "pob optimistic p50 (ms)", color: i, dashed: true}
			for _, run := range doc.Runs {
				if run.Engine == name {
					o.xs, o.ys = append(o.xs, run.Result.OfferedTPS), append(o.ys, run.Result.Optimistic.P50MS)
				}
			}
			lat = append(lat, o)
		}
	}
	var loads []float64
	if len(thr) > 0 {
		loads = thr[0].xs
	}
	var parts []string
	for _, name := range distinctEngines(doc) {
		var best, light shardsim.Result
		for _, run := range doc.Runs {
			if run.Engine != name {
				continue
			}
			if run.Result.Throughput > best.Throughput {
				best = run.Result
			}
			if light.OfferedTPS == 0 || run.Result.OfferedTPS < light.OfferedTPS {
				light = run.Result
			}
		}
		parts = append(parts, fmt.Sprintf("%s finalizes at most %.0f tx/s here (%.0f per shard); at %.0f tx/s offered its optimistic p50 is %.0f ms, final p50 %.0f ms, cross-shard p50 %.0f ms",
			name, best.Throughput, best.PerShard, light.OfferedTPS, light.Optimistic.P50MS, light.Final.P50MS, light.Cross.P50MS))
	}
	notes := "Finding: " + strings.Join(parts, "; ") + "."
	names := distinctEngines(doc)
	for i, a := range names {
		for _, b := range names[i+1:] {
			if sameRuns(doc, a, b) {
				notes += fmt.Sprintf(" %s and %s gave identical results at every load (same messages, bytes and events): %s is the same state machine (`rrbft.FromPoB` builds `pob.New` with no believable league).", a, b, b)
			}
		}
	}
	notes += " With 256 transfers per block (pob's default MaxTxs), a one-league engine finalizes one batch per height, while PoB's believable producers each keep up to MaxPending optimistic blocks in flight and the normal league re-verifies only a sample."
	return report{notes: notes, name: "engines", title: "Experiment 3 — PoB vs the second engine at equal setup", command: commandLine(e.o, "engines"), intro: realIntro(doc),
		table: t, data: doc, charts: map[string]chart{
			"engines-latency.svg":    {title: "Experiment 3 — latency vs offered load (4 shards × 8)", xlabel: "offered transfers/s", ylabel: "p50 (ms)", logX: true, xticks: loads, series: lat},
			"engines-throughput.svg": {title: "Experiment 3 — throughput vs offered load (4 shards × 8)", xlabel: "offered transfers/s", ylabel: "finalized transfers/s", logX: true, logY: true, xticks: loads, series: thr},
		}}
}

func distinctEngines(doc runDoc) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range doc.Runs {
		if !seen[r.Engine] {
			seen[r.Engine] = true
			out = append(out, r.Engine)
		}
	}
	return out
}

// adversaryExperiment is experiment 4: safety and liveness against the
// faulty fraction, with crashed members and with Twins under a partition.
func adversaryExperiment(e *env, engine string, committee int, fractions []float64, warm, dur time.Duration) (runDoc, error) {
	costs, err := e.calibration()
	if err != nil {
		return runDoc{}, err
	}
	proto, err := newProtocol(engine)
	if err != nil {
		return runDoc{}, err
	}
	doc := runDoc{Experiment: "adversary", Seed: e.o.seed, Calibration: costs}
	var labels []string
	var cfgs []shardsim.Config
	for _, b := range []shardsim.Behaviour{shardsim.Crash, shardsim.Twins} {
		for _, f := range fractions {
			cfg := e.baseConfig(proto, costs)
			cfg.Shards, cfg.Committee = 1, committee
			cfg.Warmup, cfg.Duration = warm, dur
			cfg.Workload = shardsim.Workload{Rate: 2000}
			cfg.Faulty, cfg.Behaviour = f, b
			if b == shardsim.Twins {
				// Split the honest members for the first half of the measured
				// window, then heal.
				cfg.PartitionFrom, cfg.PartitionUntil = warm, warm+dur/2
			}
			doc.Setup = setupDoc(cfg)
			doc.Setup["partition"] = "twins: honest members split in two halves from the end of warm-up for half the measured window"
			labels = append(labels, fmt.Sprintf("adversary: %s %s f=%.2f", engine, b, f))
			cfgs = append(cfgs, cfg)
		}
	}
	results, err := runAll(e, labels, cfgs)
	for _, res := range results {
		doc.Runs = append(doc.Runs, runRow{Engine: engine, Result: res})
	}
	return doc, err
}

func adversaryReport(e *env, doc runDoc) report {
	t := table{cols: []string{"behaviour", "faulty", "of", "tolerated", "within bound", "final tx/s", "blocks", "blocks after heal", "safety violations", "final p50 ms"}}
	viol := series{name: "twins: safety violations", color: 1}
	live := series{name: "crash: finalized blocks", color: 0}
	heal := series{name: "twins: blocks finalized after heal", color: 2, dashed: true}
	for _, run := range doc.Runs {
		r := run.Result
		tol := r.Tolerated
		after := "—"
		if r.Behaviour == "twins" {
			after = fmt.Sprint(r.BlocksAfterHeal)
		}
		within := "yes"
		if r.Faulty > tol {
			within = "no"
		}
		t.add(r.Behaviour, r.Faulty, r.Committee, tol, within, r.Throughput, r.Blocks, after, r.SafetyViolations, r.Final.P50MS)
		x := float64(r.Faulty) / float64(r.Committee)
		if r.Behaviour == "twins" {
			viol.xs, viol.ys = append(viol.xs, x), append(viol.ys, float64(r.SafetyViolations))
			heal.xs, heal.ys = append(heal.xs, x), append(heal.ys, float64(r.BlocksAfterHeal))
		} else {
			live.xs, live.ys = append(live.xs, x), append(live.ys, float64(r.Blocks))
		}
	}
	var within, above, stalledWithin, brokeAt int
	for _, run := range doc.Runs {
		r := run.Result
		if r.Faulty <= r.Tolerated {
			within += r.SafetyViolations
			if r.Behaviour == "crash" && r.Blocks == 0 {
				stalledWithin++
			}
		} else {
			above += r.SafetyViolations
			if r.Behaviour == "twins" && r.SafetyViolations > 0 && (brokeAt == 0 || r.Faulty < brokeAt) {
				brokeAt = r.Faulty
			}
		}
	}
	notes := fmt.Sprintf("Finding: %d safety violations with faulty members within the bound, %d above it", within, above)
	if brokeAt > 0 {
		notes += fmt.Sprintf(" (Twins first broke safety with %d faulty)", brokeAt)
	}
	notes += fmt.Sprintf("; %d crash runs within the bound finalized nothing in the window.", stalledWithin)
	notes += " Blocks after heal count the heights finalized once the Twins partition ends: liveness after the network heals."
	return report{notes: notes, name: "adversary", title: "Experiment 4 — safety and liveness vs adversary fraction", command: commandLine(e.o, "adversary"), intro: realIntro(doc),
		table: t, data: doc, charts: map[string]chart{
			"adversary.svg": {title: fmt.Sprintf("Experiment 4 — safety and liveness (%s, %d validators, tolerated %d)", doc.Runs[0].Engine, doc.Runs[0].Result.Committee, doc.Runs[0].Result.Tolerated),
				xlabel: "faulty fraction of the committee", ylabel: "count in the measured window", legendRight: true, xticks: live.xs, series: []series{live, heal, viol}},
		}}
}

// sameRuns reports whether engines a and b measured exactly the same at
// every load (apart from their names).
func sameRuns(doc runDoc, a, b string) bool {
	var ra, rb []shardsim.Result
	for _, run := range doc.Runs {
		r := run.Result
		r.Protocol = ""
		switch run.Engine {
		case a:
			ra = append(ra, r)
		case b:
			rb = append(rb, r)
		}
	}
	if len(ra) != len(rb) || len(ra) == 0 {
		return false
	}
	for i := range ra {
		if ra[i] != rb[i] {
			return false
		}
	}
	return true
}
