package main

import (
	"fmt"
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

func setupDoc(cfg shardsim.Config) map[string]string {
	return map[string]string{
		"latency":        cfg.Net.Latency.String(),
		"bandwidth":      fmt.Sprintf("%.0f MB/s per validator uplink", cfg.Net.Bandwidth/1e6),
		"cores":          fmt.Sprint(cfg.Cores),
		"max_block_txs":  fmt.Sprint(cfg.MaxBlockTxs),
		"warmup":         cfg.Warmup.String(),
		"measured":       cfg.Duration.String(),
		"engine_ticks/s": fmt.Sprint(cfg.Protocol.TicksPerSecond()),
	}
}

// shardsExperiment is experiment 1: throughput against shard count at 0%
// and 10% cross-shard transfers, offered above what the shards can take.
func shardsExperiment(e *env, engine string, shardCounts []int, committee int, warm, dur time.Duration) (runDoc, error) {
	costs, err := e.calibration()
	if err != nil {
		return runDoc{}, err
	}
	proto, err := newProtocol(engine)
	if err != nil {
		return runDoc{}, err
	}
	doc := runDoc{Experiment: "shards", Seed: e.o.seed, Calibration: costs}
	bound := verifyBound(costs, stdCores)
	for _, cross := range []float64{0, 0.1} {
		for _, s := range shardCounts {
			cfg := e.baseConfig(proto, costs)
			cfg.Shards, cfg.Committee = s, committee
			cfg.Warmup, cfg.Duration = warm, dur
			// Offer 1.25× the per-shard verification bound: the shards run
			// saturated, so the throughput measured is their capacity.
			cfg.Workload = shardsim.Workload{Rate: 1.25 * bound * float64(s), CrossShare: cross}
			doc.Setup = setupDoc(cfg)
			res, err := runOne(fmt.Sprintf("shards: %s S=%d cross=%.0f%%", engine, s, 100*cross), cfg, e.prog)
			if err != nil {
				return runDoc{}, err
			}
			doc.Runs = append(doc.Runs, runRow{Engine: engine, Result: res})
		}
	}
	return doc, nil
}

func shardsReport(e *env, doc runDoc, committee int) report {
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
	return report{name: "shards", title: "Experiment 1 — throughput vs shard count", command: commandLine(e.o, "shards"),
		table: t, data: doc, charts: map[string]chart{"shards.svg": ch},
		notes: fmt.Sprintf("Finding: %s.", joinAnd(reach))}
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
