package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/sim/calib"
	"github.com/iostkit/iostkit/examples/sim/drpsim"
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
	BeaconMS        float64 `json:"beacon_round_ms"`
	BeaconMaxMS     float64 `json:"beacon_round_max_ms"`
	ChangeMS        float64 `json:"epoch_change_ms_lower_bound"`
	PlansChecked    int     `json:"plans_checked"`
}

type epochDoc struct {
	Experiment  string      `json:"experiment"`
	Seed        uint64      `json:"seed"`
	Calibration calib.Costs `json:"calibration"`
	Rows        []epochRow  `json:"rows"`
	// BeaconMembers and BeaconThreshold describe the drp group whose
	// rounds gave every epoch's randomness.
	BeaconMembers   int      `json:"beacon_members"`
	BeaconThreshold int      `json:"beacon_threshold"`
	Blocks          []runRow `json:"block_interval_runs"`
	// Runs are the simulated transitions: engines rebuilt per batch.
	Runs []epochRunRow `json:"transition_runs"`
}

// epochRunRow is one simulated epoch change: 4 shards of ShardSize real
// engines cross the boundary from epoch 0 to 1, the new assignment drawn
// from a beacon round, the plan executed by transepoch machines.
type epochRunRow struct {
	ShardSize int `json:"shard_size"`
	Shards    int `json:"shards"`
	// BeaconMS is the simulated beacon round that gave the randomness
	// (until every beacon member holds it); SyncMS the modelled bootstrap
	// of a newcomer.
	BeaconMS float64 `json:"beacon_round_ms"`
	SyncMS   float64 `json:"newcomer_sync_ms"`
	// PlannedBatches is the most batches a shard's plan holds.
	PlannedBatches int `json:"planned_batches_slowest_shard"`
	// ChangeMS is the epoch change time: the beacon round, then from the
	// new assignment to the last shard's machine being done.
	ChangeMS float64 `json:"epoch_change_ms"`
	// LowerBoundMS is the planned estimate for this transition: beacon
	// round + batches × block interval.
	LowerBoundMS float64         `json:"lower_bound_ms"`
	Result       shardsim.Result `json:"result"`
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
	// The epoch randomness: the real drp beacon of a committee of the
	// example node's size, its DKG run once, its rounds simulated.
	if !costs.DRP.Complete() {
		return report{}, calib.ErrNoDRP
	}
	e.prog.update(true, "epoch: drp DKG among %d members", beaconMembers)
	group, err := drpsim.NewGroup(e.o.seed, beaconMembers)
	if err != nil {
		return report{}, err
	}
	doc.BeaconMembers, doc.BeaconThreshold = group.Size(), group.Threshold()
	cell := 0
	firstRounds := map[int][]drpsim.Round{} // per shard size, churn 0: epochs 0 and 1
	for i, s := range sizes {
		res := results[i]
		doc.Blocks = append(doc.Blocks, runRow{Engine: proto.Name(), Result: res})
		interval := 0.0
		if res.Blocks > 0 {
			interval = dur.Seconds() * 1000 / float64(res.Blocks)
		}
		for _, churn := range []float64{0, 0.1, 0.25} {
			row := epochRow{ShardSize: s, Shards: shards, Churn: churn, Epochs: epochs, K: transepoch.BatchSize(s), BlockIntervalMS: round3ms(interval)}
			// Rounds 1 + cell·(epochs+1) …: epoch ep's randomness is the
			// cell's round ep, fresh for every cell.
			ids := make([]uint64, epochs+1)
			for j := range ids {
				ids[j] = uint64(1 + cell*(epochs+1) + j)
			}
			cell++
			e.prog.update(true, "epoch: drp rounds %d…%d", ids[0], ids[len(ids)-1])
			rounds, err := drpsim.Simulate(group, drpsim.Config{Net: stdNet(), Cores: stdCores, Costs: costs.DRP, Seed: e.o.seed}, ids)
			if err != nil {
				return report{}, err
			}
			if churn == 0 {
				firstRounds[s] = rounds[:2]
			}
			var beaconSum time.Duration
			for _, r := range rounds[1:] {
				beaconSum += r.Last
				row.BeaconMaxMS = max(row.BeaconMaxMS, round3ms(float64(r.Last)/float64(time.Millisecond)))
			}
			row.BeaconMS = round3ms(float64(beaconSum) / float64(epochs) / float64(time.Millisecond))
			n := s * shards
			next := n // ids of arriving validators
			vals := make([]eds.Validator, n)
			for j := range vals {
				vals[j] = eds.Validator{ID: fmt.Sprintf("v%05d", j), Weight: 1}
			}
			total := 0
			for ep := range epochs {
				old, err := eds.Assign(vals, rounds[ep].Randomness, uint64(ep), uint32(shards))
				if err != nil {
					return report{}, err
				}
				// Churn: a share of the validators leaves, as many arrive.
				newVals := append([]eds.Validator(nil), vals...)
				for j := range int(churn * float64(n)) {
					newVals[(j*7+ep)%n] = eds.Validator{ID: fmt.Sprintf("v%05d", next), Weight: 1}
					next++
				}
				rnd2 := rounds[ep+1].Randomness
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
			row.ChangeMS = round3ms(row.BeaconMS + row.MeanBatches*interval)
			doc.Rows = append(doc.Rows, row)
		}
	}
	if err := runTransitions(e, &doc, proto, costs, sizes, shards, firstRounds); err != nil {
		return report{}, err
	}
	return epochReport(e, doc), nil
}

// newcomerSync is the modelled time a newcomer takes to bootstrap from its
// new shard's last Micro State Block (not measured: the simulator holds no
// state to transfer).
const newcomerSync = 250 * time.Millisecond

// runTransitions simulates, per shard size, the change from epoch 0 to 1:
// committees of eds.Assign over beacon rounds 0 and 1, transepoch's plan
// run by its machines with engines rebuilt for every committee.
func runTransitions(e *env, doc *epochDoc, proto shardsim.Protocol, costs calib.Costs, sizes []int, shards int, first map[int][]drpsim.Round) error {
	warm, dur := time.Second, 9*time.Second
	var labels []string
	var cfgs []shardsim.Config
	var rows []epochRunRow
	for _, s := range sizes {
		rounds := first[s]
		vals := make([]eds.Validator, s*shards)
		for j := range vals {
			vals[j] = eds.Validator{ID: shardsim.ValidatorID(j), Weight: 1}
		}
		old, err := eds.Assign(vals, rounds[0].Randomness, 0, uint32(shards))
		if err != nil {
			return err
		}
		nw, err := eds.Assign(vals, rounds[1].Randomness, 1, uint32(shards))
		if err != nil {
			return err
		}
		plan, err := transepoch.NewPlan(toTE(old), toTE(nw), rounds[1].Randomness, transepoch.Config{})
		if err != nil {
			return err
		}
		ec := &shardsim.EpochChange{Plans: plan.Shards, At: warm + rounds[1].Last, Sync: newcomerSync}
		row := epochRunRow{ShardSize: s, Shards: shards, BeaconMS: round3ms(float64(rounds[1].Last) / float64(time.Millisecond)), SyncMS: float64(newcomerSync / time.Millisecond)}
		for _, sp := range plan.Shards {
			var c []int
			for _, m := range sp.Start {
				var v int
				if _, err := fmt.Sscanf(m.ID, "v%d", &v); err != nil {
					return err
				}
				c = append(c, v)
			}
			ec.Old = append(ec.Old, c)
			row.PlannedBatches = max(row.PlannedBatches, len(sp.Batches))
		}
		cfg := e.baseConfig(proto, costs)
		cfg.Shards, cfg.Committee, cfg.Warmup, cfg.Duration = shards, s, warm, dur
		cfg.Workload = shardsim.Workload{Rate: 500 * float64(shards)}
		cfg.Epoch = ec
		labels = append(labels, fmt.Sprintf("epoch: %s transition %d×%d", proto.Name(), shards, s))
		cfgs = append(cfgs, cfg)
		rows = append(rows, row)
	}
	results, err := runAll(e, labels, cfgs)
	if err != nil {
		return err
	}
	for i, res := range results {
		row := rows[i]
		row.Result = res
		if ep := res.Epoch; ep != nil && ep.Done {
			row.ChangeMS = round3ms(row.BeaconMS + ep.ChangeMS)
		}
		for _, b := range doc.Rows {
			if b.ShardSize == row.ShardSize && b.Churn == 0 {
				row.LowerBoundMS = round3ms(row.BeaconMS + float64(row.PlannedBatches)*b.BlockIntervalMS)
			}
		}
		doc.Runs = append(doc.Runs, row)
	}
	return nil
}

// beaconMembers is the drp committee size: the example node's
// BeaconCommittee.
const beaconMembers = 10

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
	t := table{cols: []string{"shard size", "shards", "churn", "k", "mean batches (slowest shard)", "max batches", "block interval ms", "beacon round ms (mean)", "beacon round ms (max)", "epoch change ms (≥)", "plans checked"}}
	var ch chart
	ch.title = "Epoch change: beacon round + batches × Δ (one finalized block) × block interval"
	ch.xlabel, ch.ylabel = "shard size", "epoch change time, lower bound (ms)"
	byChurn := map[float64]*series{}
	var order []float64
	for _, r := range doc.Rows {
		t.add(r.ShardSize, r.Shards, r.Churn, r.K, r.MeanBatches, r.MaxBatches, r.BlockIntervalMS, r.BeaconMS, r.BeaconMaxMS, r.ChangeMS, r.PlansChecked)
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
	if len(doc.Runs) > 0 {
		sr := series{name: "simulated transition (churn 0)", color: len(order), dashed: true}
		for _, r := range doc.Runs {
			if r.ChangeMS > 0 {
				sr.xs, sr.ys = append(sr.xs, float64(r.ShardSize)), append(sr.ys, r.ChangeMS)
			}
		}
		ch.series = append(ch.series, sr)
	}
	intro := fmt.Sprintf(`Epoch change time. Real: each epoch's randomness is a round of the `+"`drp`"+` beacon
(drand's unchained scheme on G1) of a %d-member committee (the example node's beacon
committee; threshold %d), its DKG run once for real at start, its rounds simulated: every
member signs a partial, sends it over the simulated network to the others, each verifies
what it receives and recovers the group signature at the threshold, CPU charged from the
calibration below, the signature checked for real; the randomness is SHA-256 of it, and the
round's time is until every member holds it. From two consecutive rounds, `+"`eds.Assign`"+` gives
the old and new assignments (with the given share of validators replaced) and
`+"`transepoch.NewPlan`"+` the batches (at most k = ⌊log₂ s⌋ newcomers and leavers per shard, each
intermediate committee checked against the faulty bound β = 1/5 by `+"`Plan.Check`"+`). The
block interval is measured by running the real pob engine on one shard of that size in the
simulator (2,000 tx/s). The planned figure, beacon round + batches × one block, is a **lower
bound** (newcomers synced within Δ). Every reshuffle moves most validators (eds re-permutes
the whole set each epoch), so the batch count is close to s/k whatever the churn.`, doc.BeaconMembers, doc.BeaconThreshold)
	notes := ""
	if len(doc.Runs) > 0 {
		rt := table{cols: []string{"shard size", "shards", "beacon round ms", "newcomer sync ms (modelled)", "batches (slowest shard's plan)", "lower bound ms", "epoch change ms (simulated)", "per-shard change ms", "engines rebuilt", "heights finalized during the change", "longest gap between heights ms", "safety violations", "final tx/s"}}
		for _, r := range doc.Runs {
			ep := r.Result.Epoch
			if ep == nil {
				continue
			}
			var per []string
			for _, v := range ep.ShardChangeMS {
				if v == 0 {
					per = append(per, "not done")
					continue
				}
				per = append(per, fmt.Sprintf("%.0f", v))
			}
			var change any = r.ChangeMS
			if !ep.Done {
				change = "not done by the end"
			}
			rt.add(r.ShardSize, r.Shards, r.BeaconMS, r.SyncMS, r.PlannedBatches, r.LowerBoundMS, change, strings.Join(per, " / "), ep.Engines, ep.BlocksDuring, ep.MaxGapMS, r.Result.SafetyViolations, r.Result.Throughput)
		}
		notes = `## Simulated transitions

The change from epoch 0 to epoch 1 run in the simulator (dashed line in the chart): 4 shards
of real pob engines (500 tx/s per shard, no cross-shard load) start in their epoch-0
committees; one second in, the epoch ends, and after the beacon round the new assignment is
known. Each shard's plan then runs through a real ` + "`transepoch.Machine`" + `, ticked by the
shard's finalized heights (Δ = one block). For every committee the machine hands over after
height h, every member switches when it finalizes h: its engine stops, and the members of the
new committee start new pob engines at h+1 on top of block h, in a new pob domain epoch.
Newcomers bootstrap first — modelled as a fixed delay (the simulator holds no state to
transfer; ` + "`microstate`" + `'s snapshot import is not simulated) — then start their engine at the
shard's latest height and report, which the machine takes in the next block. The epoch change
time is the beacon round plus the time until the last shard's machine is done; drp key
resharing is not simulated.

` + rt.markdown()
	}
	return report{name: "epoch", title: "Epoch change time (drp beacon, transepoch plans and simulated transitions)", command: commandLine(e.o, "epoch"),
		intro: intro, table: t, data: doc, charts: map[string]chart{"epoch.svg": ch}, notes: notes}
}
