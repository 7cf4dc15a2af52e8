package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/sim/calib"
	"github.com/iostkit/iostkit/examples/sim/shardsim"
	"github.com/iostkit/iostkit/transepoch"
)

// epochRow is one cell of the epoch-change experiment.
type epochRow struct {
	ShardSize       int     `json:"shard_size"`
	Shards          int     `json:"shards"`
	Churn           float64 `json:"churn"`
	Epochs          int     `json:"epochs"`
	K               int     `json:"k"`
	MeanBatches     float64 `json:"mean_batches_slowest_shard"`
	MaxBatches      int     `json:"max_batches_slowest_shard"`
	BlockIntervalMS float64 `json:"block_interval_ms"`
	ChangeMS        float64 `json:"epoch_change_ms_lower_bound"`
	PlansChecked    int     `json:"plans_checked"`
}

type epochDoc struct {
	Experiment  string      `json:"experiment"`
	Seed        uint64      `json:"seed"`
	Calibration calib.Costs `json:"calibration"`
	Rows        []epochRow  `json:"rows"`
	Blocks      []runRow    `json:"block_interval_runs"`
}

// runEpochExperiment plans epoch transitions with the real transepoch over
// real eds assignments, and times a batch by the block interval of the real
// pob engine in the simulator.
func runEpochExperiment(e *env) (report, error) {
	costs, err := e.calibration()
	if err != nil {
		return report{}, err
	}
	proto, err := newProtocol(e.o.single.engine)
	if err != nil {
		return report{}, err
	}
	sizes, shards, epochs := []int{8, 16, 32}, 4, 50
	warm, dur := 500*time.Millisecond, 2*time.Second
	if e.o.quick {
		sizes, epochs, dur = []int{8}, 5, time.Second
	}
	doc := epochDoc{Experiment: "epoch", Seed: e.o.seed, Calibration: costs}
	// Block interval per committee size: one shard, light load.
	var labels []string
	var cfgs []shardsim.Config
	for _, s := range sizes {
		cfg := e.baseConfig(proto, costs)
		cfg.Shards, cfg.Committee, cfg.Warmup, cfg.Duration = 1, s, warm, dur
		cfg.Workload = shardsim.Workload{Rate: 2000}
		labels = append(labels, fmt.Sprintf("epoch: %s block interval N=%d", proto.Name(), s))
		cfgs = append(cfgs, cfg)
	}
	results, err := runAll(e, labels, cfgs)
	if err != nil {
		return report{}, err
	}
	rng := rand.New(rand.NewPCG(e.o.seed, 11))
	for i, s := range sizes {
		res := results[i]
		doc.Blocks = append(doc.Blocks, runRow{Engine: proto.Name(), Result: res})
		interval := 0.0
		if res.Blocks > 0 {
			interval = dur.Seconds() * 1000 / float64(res.Blocks)
		}
		for _, churn := range []float64{0, 0.1, 0.25} {
			row := epochRow{ShardSize: s, Shards: shards, Churn: churn, Epochs: epochs, K: transepoch.BatchSize(s), BlockIntervalMS: round3ms(interval)}
			n := s * shards
			next := n // ids of arriving validators
			vals := make([]eds.Validator, n)
			for j := range vals {
				vals[j] = eds.Validator{ID: fmt.Sprintf("v%05d", j), Weight: 1}
			}
			total := 0
			for ep := range epochs {
				rnd := make([]byte, 32)
				for j := range rnd {
					rnd[j] = byte(rng.Uint32())
				}
				old, err := eds.Assign(vals, rnd, uint64(ep), uint32(shards))
				if err != nil {
					return report{}, err
				}
				// Churn: a share of the validators leaves, as many arrive.
				newVals := append([]eds.Validator(nil), vals...)
				for j := range int(churn * float64(n)) {
					newVals[(j*7+ep)%n] = eds.Validator{ID: fmt.Sprintf("v%05d", next), Weight: 1}
					next++
				}
				rnd2 := make([]byte, 32)
				for j := range rnd2 {
					rnd2[j] = byte(rng.Uint32())
				}
				nw, err := eds.Assign(newVals, rnd2, uint64(ep)+1, uint32(shards))
				if err != nil {
					return report{}, err
				}
				plan, err := transepoch.NewPlan(toTE(old), toTE(nw), rnd2, transepoch.Config{})
				if err != nil {
					return report{}, fmt.Errorf("plan s=%d churn=%.2f: %w", s, churn, err)
				}
				if err := plan.Check(); err != nil {
					return report{}, fmt.Errorf("plan check: %w", err)
				}
				row.PlansChecked++
				slowest := 0
				for _, sp := range plan.Shards {
					slowest = max(slowest, len(sp.Batches))
				}
				total += slowest
				row.MaxBatches = max(row.MaxBatches, slowest)
				vals = newVals
			}
			row.MeanBatches = round3ms(float64(total) / float64(epochs))
			row.ChangeMS = round3ms(row.MeanBatches * interval)
			doc.Rows = append(doc.Rows, row)
		}
	}
	return epochReport(e, doc), nil
}

func round3ms(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

func toTE(a eds.Assignment) transepoch.Assignment {
	out := transepoch.Assignment{Epoch: a.Epoch, Shards: make([][]transepoch.Member, len(a.Shards))}
	for s, ms := range a.Shards {
		for _, m := range ms {
			out.Shards[s] = append(out.Shards[s], transepoch.Member{ID: m.ID, Weight: m.Weight})
		}
	}
	return out
}

func epochReport(e *env, doc epochDoc) report {
	t := table{cols: []string{"shard size", "shards", "churn", "k", "mean batches (slowest shard)", "max batches", "block interval ms", "epoch change ms (≥)", "plans checked"}}
	var ch chart
	ch.title = "Epoch change: batches × Δ (one finalized block) × block interval"
	ch.xlabel, ch.ylabel = "shard size", "epoch change time, lower bound (ms)"
	byChurn := map[float64]*series{}
	var order []float64
	for _, r := range doc.Rows {
		t.add(r.ShardSize, r.Shards, r.Churn, r.K, r.MeanBatches, r.MaxBatches, r.BlockIntervalMS, r.ChangeMS, r.PlansChecked)
		sr, ok := byChurn[r.Churn]
		if !ok {
			sr = &series{name: fmt.Sprintf("churn %.0f%%", 100*r.Churn), color: len(order)}
			byChurn[r.Churn] = sr
			order = append(order, r.Churn)
		}
		sr.xs, sr.ys = append(sr.xs, float64(r.ShardSize)), append(sr.ys, r.ChangeMS)
	}
	for _, c := range order {
		ch.series = append(ch.series, *byChurn[c])
		ch.xticks = byChurn[c].xs
	}
	intro := `Epoch change time, as far as this simulator can measure it. Real: every transition is
planned by ` + "`transepoch.NewPlan`" + ` (batches of at most k = ⌊log₂ s⌋ newcomers and leavers per
shard, each intermediate committee checked against the faulty bound β = 1/5 by
` + "`Plan.Check`" + `) between two consecutive ` + "`eds.Assign`" + ` assignments drawn from fresh
randomness, with the given share of validators replaced; the block interval is measured by
running the real pob engine on one shard of that size in the simulator (2,000 tx/s, calibration
below). Modelled: one batch per Δ = 1 finalized block (transepoch's default), and newcomers
synced within Δ — so the figure is a **lower bound**; bootstrapping from the Micro State Block,
resharing the DRP key and rebuilding engines are not simulated. Every reshuffle moves most
validators (eds re-permutes the whole set each epoch), so the batch count is close to s/k
whatever the churn.`
	return report{name: "epoch", title: "Epoch change time (transepoch plans × pob block interval)", command: commandLine(e.o, "epoch"),
		intro: intro, table: t, data: doc, charts: map[string]chart{"epoch.svg": ch}}
}
