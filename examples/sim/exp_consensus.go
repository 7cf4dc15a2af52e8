package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/iostkit/iostkit/examples/sim/calib"
	"github.com/iostkit/iostkit/examples/sim/shardsim"
)

// runRow is one simulation run in an experiment's results, with the
// parameters that vary.
type runRow struct {
	Engine string          `json:"engine"`
	Result shardsim.Result `json:"result"`
}

// runDoc is the JSON document of a consensus experiment.
type runDoc struct {
	Experiment  string            `json:"experiment"`
	Seed        uint64            `json:"seed"`
	Calibration calib.Costs       `json:"calibration"`
	Setup       map[string]string `json:"setup"`
	Runs        []runRow          `json:"runs"`
}

func (e *env) baseConfig(proto shardsim.Protocol, costs calib.Costs) shardsim.Config {
	return shardsim.Config{
		Protocol: proto, Cores: stdCores, Net: stdNet(), MaxBlockTxs: stdBlockTxs,
		Costs: costs, Seed: e.o.seed,
	}
}

// realIntro says, on every consensus experiment's page, what ran for real.
func realIntro(doc runDoc) string {
	keys := sortedKeys(doc.Setup)
	var b strings.Builder
	b.WriteString(`Every validator runs its own instance of the real engine (` + "`pob.New`" + `, or the engine named)
with real BLS12-381 keys, signatures and certificates; messages are the engine's own, with their
real encoded size, carried by the simulator's network model. CPU time is charged from the
calibration below (measured on this machine by ` + "`calib.Measure`" + `), not from the host's wall
clock: a transfer's signature recovery and execution, BLS signing, verification and
aggregation. Transfers are modelled: a block's transactions are references to batches of up
to 256 transfers, whose size and cost the simulator accounts. Cross-shard transfers run through
the real ` + "`atomix`" + ` state machines, one per shard: a finalized block's exports are locked in one
atomix session whose vote record is committed to the shard's ` + "`microstate`" + ` store (memdb),
attested by a quorum of the committee (real BDN aggregate) and proved by a Merkle write proof;
the destination's machine verifies the proof in its own finalized block and commits, and only
then do the transfers count. See [docs/simulator.md](../simulator.md).

Setup:

`)
	for _, k := range keys {
		fmt.Fprintf(&b, "- %s: %s\n", k, doc.Setup[k])
	}
	c := doc.Calibration
	fmt.Fprintf(&b, "\nCalibration (%s, %s, %d CPUs, cgo %v): ecrecover %v, keccak %v, token transfer %v, BLS sign %v, BLS verify %v, aggregate %v/signature, %v/key",
		c.Machine.GoVersion, c.Machine.GOARCH, c.Machine.CPUs, c.Machine.CGO, c.Ecrecover, c.Keccak, c.Transfer, c.BLSSign, c.BLSVerify, c.BLSAggSig, c.BLSAggKey)
	if a := c.Atomix; a.Complete() {
		fmt.Fprintf(&b, "; atomix block %v/message, vote proof %v, vote-proof check %v", a.Block, a.Prove, a.Verify)
	}
	b.WriteString(".\n")
	return b.String()
}

func setupDoc(cfg shardsim.Config) map[string]string {
	m := map[string]string{
		"latency":        cfg.Net.Latency.String(),
		"bandwidth":      fmt.Sprintf("%.0f MB/s per validator uplink", cfg.Net.Bandwidth/1e6),
		"cores":          fmt.Sprint(cfg.Cores),
		"max_block_txs":  fmt.Sprint(cfg.MaxBlockTxs),
		"warmup":         cfg.Warmup.String(),
		"measured":       cfg.Duration.String(),
		"engine_ticks/s": fmt.Sprint(cfg.Protocol.TicksPerSecond()),
	}
	if cfg.HostCores > 0 {
		m["cores"] = fmt.Sprintf("%d shared by every validator (one process)", cfg.HostCores)
	}
	if cfg.HostCores > 0 && cfg.HostShare > 0 {
		m["cores"] = fmt.Sprintf("%d shared by every validator (one process), of which the process gets %.2f", cfg.HostCores, cfg.HostShare)
	}
	if cfg.NodeLoop {
		m["driver"] = "node loop: one serial loop per shard, in-memory messages, HTTP admission, execution on microstate"
	}
	return m
}

// shardsExperiment is experiment 1: throughput against shard count at 0%
// and 10% cross-shard transfers, offered above what the shards can take.
func shardsExperiment(e *env, engine string, shardCounts []int, committee int, perShard float64, warm, dur time.Duration) (runDoc, error) {
	costs, err := e.calibration()
	if err != nil {
		return runDoc{}, err
	}
	proto, err := newProtocol(engine)
	if err != nil {
		return runDoc{}, err
	}
	doc := runDoc{Experiment: "shards", Seed: e.o.seed, Calibration: costs}
	var labels []string
	var cfgs []shardsim.Config
	for _, cross := range []float64{0, 0.1} {
		for _, s := range shardCounts {
			if s == 1 && cross > 0 {
				continue // one shard has no cross-shard transfers
			}
			cfg := e.baseConfig(proto, costs)
			cfg.Shards, cfg.Committee = s, committee
			cfg.Warmup, cfg.Duration = warm, dur
			cfg.Workload = shardsim.Workload{Rate: perShard * float64(s), CrossShare: cross}
			doc.Setup = setupDoc(cfg)
			labels = append(labels, fmt.Sprintf("shards: %s S=%d cross=%.0f%%", engine, s, 100*cross))
			cfgs = append(cfgs, cfg)
		}
	}
	results, err := runAll(e, labels, cfgs)
	if err != nil {
		return runDoc{}, err
	}
	for _, res := range results {
		doc.Runs = append(doc.Runs, runRow{Engine: engine, Result: res})
	}
	doc.Setup["offered_per_shard"] = fmt.Sprintf("%.0f tx/s (above capacity: the shards run saturated)", perShard)
	return doc, nil
}

func shardsReport(e *env, doc runDoc) report {
	committee := doc.Runs[0].Result.Committee
	t := table{cols: []string{"cross-shard", "shards", "offered tx/s", "final tx/s", "per shard tx/s", "final p50 ms", "final p99 ms", "optimistic p50 ms", "cross p50 ms", "blocks", "CPU util", "violations"}}
	ch := chart{title: fmt.Sprintf("Experiment 1 — throughput vs shards (%s, %d validators/shard)", doc.Runs[0].Engine, committee), xlabel: "shards", ylabel: "finalized transfers/s", logX: true, logY: true}
	var reach []string
	for gi, cross := range []float64{0, 0.1} {
		sr := series{name: fmt.Sprintf("%.0f%% cross-shard", 100*cross), color: gi}
		first := 0
		for _, run := range doc.Runs {
			r := run.Result
			if r.CrossShare != cross {
				continue
			}
			t.add(fmt.Sprintf("%.0f%%", 100*cross), r.Shards, r.OfferedTPS, r.Throughput, r.PerShard, r.Final.P50MS, r.Final.P99MS, r.Optimistic.P50MS, r.Cross.P50MS, r.Blocks, r.CPUUtil, r.SafetyViolations)
			sr.xs, sr.ys = append(sr.xs, float64(r.Shards)), append(sr.ys, r.Throughput)
			if first == 0 && r.Throughput >= 100_000 {
				first = r.Shards
			}
		}
		ch.series = append(ch.series, sr)
		if first > 0 {
			reach = append(reach, fmt.Sprintf("at %.0f%% cross-shard it first reaches 100,000 tx/s with %d shards", 100*cross, first))
		} else {
			reach = append(reach, fmt.Sprintf("at %.0f%% cross-shard it does not reach 100,000 tx/s in the range run", 100*cross))
		}
	}
	ch.hlines = []hline{{name: "whitepaper claim 100,000 tx/s", y: 100_000}}
	for _, run := range doc.Runs {
		if run.Result.CrossShare == 0 {
			ch.xticks = append(ch.xticks, float64(run.Result.Shards))
		}
	}
	return report{name: "shards", title: "Experiment 1 — throughput vs shard count", command: commandLine(e.o, "shards"), intro: realIntro(doc),
		table: t, data: doc, charts: map[string]chart{"shards.svg": ch},
		notes: fmt.Sprintf("Finding: %s. For scale: one validator that recovers every signature on %d cores and executes every transfer on one admits at most %.0f tx/s with this calibration — the physical bound of a single shard whose members all check everything.", joinAnd(reach), stdCores, verifyBound(doc.Calibration, stdCores))}
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	out := xs[0]
	for _, x := range xs[1 : len(xs)-1] {
		out += ", " + x
	}
	return out + "; " + xs[len(xs)-1]
}
