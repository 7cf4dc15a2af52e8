package main

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/iostkit/iostkit/eds"
)

// edsFailRow is one cell of experiment 5: shard size s, adversary fraction
// f, and the shard failure rate observed over sampled eds.Assign epochs
// against eds's analytical figures.
type edsFailRow struct {
	Validators     int     `json:"validators"`
	Faulty         int     `json:"faulty"`
	Fraction       float64 `json:"fraction"`
	ShardSize      int     `json:"shard_size"`
	Shards         int     `json:"shards"`
	Epochs         int     `json:"epochs"`
	FailedShards   int     `json:"failed_shards"`
	SimShard       float64 `json:"sim_shard_failure"`
	SimShardUpper  float64 `json:"sim_shard_failure_upper95"`
	Hypergeometric float64 `json:"hypergeometric"`
	Binomial       float64 `json:"binomial"`
	FailedEpochs   int     `json:"failed_epochs"`
	SimEpoch       float64 `json:"sim_epoch_failure"`
	EpochUnion     float64 `json:"epoch_failure_union"`
}

// edsFailConfig sizes experiment 5.
type edsFailConfig struct {
	validators int
	sizes      []int
	fractions  []float64
	epochs     int
	seed       uint64
}

// runEDSFail samples epochs: each draws 32 random bytes as rnd_e, cuts the
// validator set with the real eds.Assign and counts the shards with at least
// ⌈s/3⌉ faulty members. The faulty set is the first f·n validators by ID;
// the permutation decides where they land.
func runEDSFail(cfg edsFailConfig, prog *progress) ([]edsFailRow, error) {
	rng := rand.New(rand.NewPCG(cfg.seed, 5))
	vals := make([]eds.Validator, cfg.validators)
	for i := range vals {
		vals[i] = eds.Validator{ID: fmt.Sprintf("v%06d", i), Weight: 1}
	}
	var rows []edsFailRow
	total := len(cfg.sizes) * len(cfg.fractions)
	for si, s := range cfg.sizes {
		shards := cfg.validators / s
		n := shards * s // equal shards, as the hypergeometric formula assumes
		for fi, f := range cfg.fractions {
			faulty := int(math.Round(f * float64(n)))
			bad := make(map[string]bool, faulty)
			for _, v := range vals[:faulty] {
				bad[v.ID] = true
			}
			row := edsFailRow{Validators: n, Faulty: faulty, Fraction: f, ShardSize: s, Shards: shards, Epochs: cfg.epochs}
			thr := eds.FaultThreshold(s)
			for e := range cfg.epochs {
				var rnd [32]byte
				for i := range rnd {
					rnd[i] = byte(rng.Uint32())
				}
				a, err := eds.Assign(vals[:n], rnd[:], uint64(e), uint32(shards))
				if err != nil {
					return nil, err
				}
				failed := 0
				for _, members := range a.Shards {
					k := 0
					for _, m := range members {
						if bad[m.ID] {
							k++
						}
					}
					if k >= thr {
						failed++
					}
				}
				row.FailedShards += failed
				if failed > 0 {
					row.FailedEpochs++
				}
				prog.update(false, "eds-failure: s=%d f=%.3f (%d/%d) epoch %d/%d", s, f, si*len(cfg.fractions)+fi+1, total, e+1, cfg.epochs)
			}
			trials := float64(cfg.epochs * shards)
			row.SimShard = float64(row.FailedShards) / trials
			row.SimShardUpper = wilsonUpper(row.FailedShards, trials)
			row.SimEpoch = float64(row.FailedEpochs) / float64(cfg.epochs)
			var err error
			if row.Hypergeometric, err = eds.HypergeometricFailure(n, faulty, s); err != nil {
				return nil, err
			}
			if row.Binomial, err = eds.BinomialFailure(s, f); err != nil {
				return nil, err
			}
			if row.EpochUnion, err = eds.EpochFailure(row.Hypergeometric, shards); err != nil {
				return nil, err
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// wilsonUpper is the upper end of the 95% Wilson score interval of k
// successes in n trials: with k = 0 it still bounds the rate.
func wilsonUpper(k int, n float64) float64 {
	const z = 1.959964
	p := float64(k) / n
	den := 1 + z*z/n
	centre := p + z*z/(2*n)
	rad := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n))
	return (centre + rad) / den
}

func edsFailReport(cfg edsFailConfig, rows []edsFailRow, command string) report {
	t := table{cols: []string{"n", "f", "s", "shards", "epochs", "failed shards", "simulated P(shard)", "95% upper", "hypergeometric", "binomial", "simulated P(epoch)", "union bound"}}
	ch := chart{title: "Shard failure: sampled eds.Assign vs eds maths", xlabel: "shard size s", ylabel: "P(shard has ≥ ⌈s/3⌉ faulty)", logY: true, legendBottom: true}
	byF := map[float64]*[2]series{}
	var order []float64
	for _, r := range rows {
		t.add(r.Validators, r.Fraction, r.ShardSize, r.Shards, r.Epochs, r.FailedShards, r.SimShard, r.SimShardUpper, r.Hypergeometric, r.Binomial, r.SimEpoch, r.EpochUnion)
		p, ok := byF[r.Fraction]
		if !ok {
			p = &[2]series{{name: fmt.Sprintf("f=%.3g hypergeometric", r.Fraction), color: len(order)}, {name: fmt.Sprintf("f=%.3g sampled", r.Fraction), points: true, color: len(order)}}
			byF[r.Fraction] = p
			order = append(order, r.Fraction)
		}
		p[0].xs, p[0].ys = append(p[0].xs, float64(r.ShardSize)), append(p[0].ys, r.Hypergeometric)
		p[1].xs, p[1].ys = append(p[1].xs, float64(r.ShardSize)), append(p[1].ys, r.SimShard)
	}
	for _, f := range order {
		ch.series = append(ch.series, byF[f][0], byF[f][1])
	}
	intro := fmt.Sprintf(`Experiment 5. Everything here is real eds code: each epoch draws 32 bytes of
randomness from the run's seeded generator, cuts %d validators into equal shards with
`+"`eds.Assign`"+` (SHA-256 Fisher–Yates keyed by the randomness), and counts the shards that hold
at least ⌈s/3⌉ of the faulty validators (the first f·n by ID). %d epochs per cell. The simulated
per-shard rate is compared with `+"`eds.HypergeometricFailure`"+` (exact for this population),
`+"`eds.BinomialFailure`"+` (OmniLedger's approximation) and, per epoch, with the union
`+"`eds.EpochFailure`"+`. A rate below 1/(epochs·shards) cannot be observed: the 95%% Wilson upper
bound says what the sample does rule out. The chart omits zero observations (log axis).`, cfg.validators, cfg.epochs)
	worst, over := 0.0, 0.0
	cells := 0
	for _, r := range rows {
		if r.FailedShards >= 100 {
			cells++
			worst = math.Max(worst, math.Abs(r.SimShard/r.Hypergeometric-1))
		}
		if r.Hypergeometric > 0 {
			over = math.Max(over, r.Binomial/r.Hypergeometric)
		}
	}
	notes := fmt.Sprintf(`In the %d cells with at least 100 observed failures, the sampled per-shard rate is within
%.1f%% of `+"`eds.HypergeometricFailure`"+`: the assignment behaves as the uniform random draw the maths
assumes. The binomial figure is an upper approximation (up to %.3g× the exact value here, the
gap growing as the shard takes a larger share of a finite population). Shards of 60 at f = 0.1
already fail too rarely to observe in %d epochs, as the hypergeometric column predicts.`, cells, 100*worst, over, cfg.epochs)
	return report{name: "eds-failure", notes: notes, title: "Experiment 5 — eds shard failure, sampled vs analytical", command: command, intro: intro, table: t, data: rows,
		charts: map[string]chart{"eds-failure.svg": ch}}
}
