package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/iostkit/iostkit/examples/sim/calib"
	"github.com/iostkit/iostkit/examples/sim/des"
	"github.com/iostkit/iostkit/examples/sim/shardsim"
	"github.com/iostkit/iostkit/pob"
)

// options are the command-line flags.
type options struct {
	experiment  string
	out         string
	calibration string
	calibrate   bool
	calibAdd    bool
	calibOut    string
	seed        uint64
	quick       bool
	quiet       bool
	format      string
	parallel    int
	replot      bool
	single      singleRun
}

// singleRun are the flags of a one-off run (no -experiment).
type singleRun struct {
	engine           string
	shards           int
	committee        int
	rate, cross      float64
	warmup, duration time.Duration
	faulty           float64
	behaviour        string
	latency          time.Duration
	bandwidth        float64
	loss             float64
	cores, blockTxs  int
	hostCores        int
	produceEvery     int
	nodeLoop         bool
	hostShare        float64
}

// experiment is one standard experiment.
type experiment struct {
	name  string
	about string
	run   func(e *env) (report, error)
	// render rebuilds the report from the experiment's JSON (-replot);
	// nil when the experiment cannot.
	render func(e *env, doc runDoc) report
}

func experiments() []experiment {
	return []experiment{
		{"shards", "1: throughput vs shard count at 0% and 10% cross-shard (-engine, default pob)", func(e *env) (report, error) {
			shards, committee, warm, dur := []int{1, 2, 4, 8, 16, 32, 64}, 8, time.Second, 3*time.Second
			if e.o.quick {
				shards, committee, warm, dur = []int{1, 2, 4}, 4, 300*time.Millisecond, 700*time.Millisecond
			}
			doc, err := shardsExperiment(e, e.o.single.engine, shards, committee, 12_500, warm, dur)
			if err != nil {
				return report{}, err
			}
			return shardsReport(e, doc), nil
		}, shardsReport},
		{"committee", "2: finality latency vs committee size (-engine)", func(e *env) (report, error) {
			// 256 is feasible since the engines of a committee share one
			// pob.CommitteeVerifier (see engines.Protocol); each run's own
			// time still grows as n² (every member checks every vote).
			sizes, rate, warm, dur := []int{4, 8, 16, 32, 64, 128, 256}, 2000.0, 500*time.Millisecond, 2*time.Second
			if e.o.quick {
				sizes, warm, dur = []int{4, 8, 16}, 500*time.Millisecond, time.Second
			}
			doc, err := committeeExperiment(e, e.o.single.engine, sizes, rate, warm, dur)
			if err != nil {
				return report{}, err
			}
			return committeeReport(e, doc), nil
		}, committeeReport},
		{"engines", "3: every engine at one setup, light and saturated load", func(e *env) (report, error) {
			shards, committee, warm, dur := 4, 8, time.Second, 3*time.Second
			if e.o.quick {
				shards, committee, warm, dur = 2, 4, 500*time.Millisecond, time.Second
			}
			doc, err := enginesExperiment(e, protocolNames(), shards, committee, []float64{500, 2000, 5000, 12_500}, warm, dur)
			if err != nil {
				return report{}, err
			}
			return enginesReport(e, doc), nil
		}, enginesReport},
		{"adversary", "4: safety and liveness vs faulty fraction 0…0.4, crash and twins (-engine)", func(e *env) (report, error) {
			committee, warm, dur := 10, time.Second, 6*time.Second
			if e.o.quick {
				warm, dur = 500*time.Millisecond, 2*time.Second
			}
			doc, err := adversaryExperiment(e, e.o.single.engine, committee, []float64{0, 0.1, 0.2, 0.3, 0.4}, warm, dur)
			if err != nil {
				return report{}, err
			}
			return adversaryReport(e, doc), nil
		}, adversaryReport},
		{"eds-failure", "5: eds shard-failure table vs sampled eds.Assign", runEDSFailExperiment, nil},
		{"epoch", "6: epoch change time: transepoch plans over eds assignments × pob's simulated block interval", runEpochExperiment, nil},
	}
}

func main() {
	var o options
	flag.StringVar(&o.experiment, "experiment", "", "standard experiment to run (or 'all'); see -list")
	list := flag.Bool("list", false, "list the standard experiments")
	flag.StringVar(&o.out, "out", "docs/results", "directory for CSV, JSON, Markdown and SVG results")
	flag.StringVar(&o.calibration, "calibration", "", "calibration JSON file (default: measure on this machine at start-up)")
	flag.BoolVar(&o.calibrate, "calibrate", false, "measure the per-operation costs, write them (-o) and exit")
	flag.StringVar(&o.calibOut, "o", "calibration.json", "file -calibrate writes")
	flag.BoolVar(&o.calibAdd, "calibrate-add", false, "measure only the atomix and drp costs the -calibration file lacks, add them to its costs, write the result (-o) and exit")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of every random choice of the run")
	flag.BoolVar(&o.quick, "quick", false, "smaller sizes and shorter runs (a smoke test, not the published figures)")
	flag.BoolVar(&o.quiet, "quiet", false, "no progress display on stderr")
	flag.StringVar(&o.format, "format", "svg", "chart format: svg or png")
	flag.BoolVar(&o.replot, "replot", false, "rebuild pages, CSV and charts from the experiment's JSON in -out, without simulating")
	flag.IntVar(&o.parallel, "parallel", 2, "simulation runs at a time (results do not depend on it)")
	flag.StringVar(&o.single.engine, "engine", "pob", "consensus engine of a single run and of experiments 1, 2 and 4")
	flag.IntVar(&o.single.shards, "shards", 4, "shards of a single run")
	flag.IntVar(&o.single.committee, "committee", 16, "validators per shard of a single run")
	flag.Float64Var(&o.single.rate, "rate", 20_000, "offered transfers/s of a single run (all shards)")
	flag.Float64Var(&o.single.cross, "cross", 0.1, "cross-shard share of a single run")
	flag.DurationVar(&o.single.warmup, "warmup", time.Second, "virtual warm-up of a single run")
	flag.DurationVar(&o.single.duration, "duration", 5*time.Second, "virtual measured window of a single run")
	flag.Float64Var(&o.single.faulty, "faulty", 0, "faulty fraction of each committee in a single run")
	flag.StringVar(&o.single.behaviour, "behaviour", "crash", "what faulty members do: crash or twins (partitioned for the first half of the window)")
	flag.DurationVar(&o.single.latency, "latency", 20*time.Millisecond, "one-way latency floor; a log-normal tail with the same median is added")
	flag.Float64Var(&o.single.bandwidth, "bandwidth", 125e6, "uplink bytes/s per validator (0: unlimited)")
	flag.Float64Var(&o.single.loss, "loss", 0, "message loss probability")
	flag.IntVar(&o.single.cores, "cores", 2, "cores per validator")
	flag.IntVar(&o.single.blockTxs, "block-txs", 256, "maximum transfers per proposal (pob's MaxTxs per optimistic block)")
	flag.IntVar(&o.single.produceEvery, "produce-every", 0, "ticks between two optimistic blocks of a producer (0: the engine's default; the node uses 2)")
	flag.IntVar(&o.single.hostCores, "host-cores", 0, "run every validator in one process sharing this many cores (the node's local mode); 0: cores per validator")
	flag.BoolVar(&o.single.nodeLoop, "node-loop", false, "with -host-cores: simulate the example node's local mode (one serial loop per shard, in-memory messages, HTTP admission, execution on microstate; needs a calibration with node costs)")
	flag.Float64Var(&o.single.hostShare, "host-share", 0, "with -host-cores: the CPU time the process gets, in cores, when other processes share the machine (a measured share; 0: all of -host-cores)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the simulator itself to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	if *list {
		for _, e := range experiments() {
			fmt.Printf("%-14s %s\n", e.name, e.about)
		}
		return
	}
	if err := runOptions(o); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "sim:", err)
		os.Exit(1)
	}
}

// runOptions does what the flags ask.
func runOptions(o options) error {
	prog := newProgress(os.Stderr, o.quiet)
	if o.calibrate {
		c, err := calib.Measure(calib.Options{Progress: func(op string) { prog.update(true, "calibrating: %s", op) }})
		if err != nil {
			return err
		}
		prog.done("calibrated: ecrecover %v, transfer %v, BLS verify %v", c.Ecrecover, c.Transfer, c.BLSVerify)
		return c.Save(o.calibOut)
	}
	if o.calibAdd {
		if o.calibration == "" {
			return fmt.Errorf("-calibrate-add needs -calibration, the file to add the atomix and drp costs to")
		}
		c, err := calib.Load(o.calibration)
		if err != nil {
			return err
		}
		opts := calib.Options{Progress: func(op string) { prog.update(true, "calibrating: %s", op) }}
		if !c.Atomix.Complete() {
			if c.Atomix, err = calib.MeasureAtomix(opts); err != nil {
				return err
			}
		}
		if !c.DRP.Complete() {
			if c.DRP, err = calib.MeasureDRP(opts); err != nil {
				return err
			}
		}
		prog.done("calibrated: atomix block %v, vote proof %v, vote verify %v; drp partial sign %v, verify %v, collect %v/partial",
			c.Atomix.Block, c.Atomix.Prove, c.Atomix.Verify, c.DRP.PartialSign, c.DRP.PartialVerify, c.DRP.Collect)
		return c.Save(o.calibOut)
	}
	if o.experiment == "" {
		return runSingle(&env{o: o, prog: prog})
	}
	var todo []experiment
	for _, e := range experiments() {
		if o.experiment == "all" || o.experiment == e.name {
			todo = append(todo, e)
		}
	}
	if len(todo) == 0 {
		names := []string{}
		for _, e := range experiments() {
			names = append(names, e.name)
		}
		return fmt.Errorf("unknown experiment %q (have %s, all)", o.experiment, strings.Join(names, ", "))
	}
	en := &env{o: o, prog: prog}
	for _, e := range todo {
		if o.replot {
			if e.render == nil {
				continue
			}
			b, err := os.ReadFile(filepath.Join(o.out, e.name+".json"))
			if err != nil {
				return err
			}
			var doc runDoc
			if err := json.Unmarshal(b, &doc); err != nil {
				return fmt.Errorf("%s: %w", e.name, err)
			}
			if err := e.render(en, doc).write(o.out, o.format); err != nil {
				return err
			}
			continue
		}
		r, err := e.run(en)
		if err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		if err := r.write(o.out, o.format); err != nil {
			return err
		}
		prog.done("%s: wrote %s/%s.{csv,json,md} and %d chart(s)", e.name, o.out, r.name, len(r.charts))
	}
	return nil
}

// commandLine is the command that reproduces an experiment, for its page.
func commandLine(o options, name string) string {
	parts := []string{"go run ./examples/sim -experiment " + name}
	if o.seed != 1 {
		parts = append(parts, fmt.Sprintf("-seed %d", o.seed))
	}
	if o.quick {
		parts = append(parts, "-quick")
	}
	if o.calibration != "" {
		parts = append(parts, "-calibration "+o.calibration)
	}
	if o.single.engine != "pob" && name != "engines" && name != "eds-failure" {
		parts = append(parts, "-engine "+o.single.engine)
	}
	if o.out != "docs/results" {
		parts = append(parts, "-out "+o.out)
	}
	return strings.Join(parts, " ")
}

func runEDSFailExperiment(e *env) (report, error) {
	o, prog := e.o, e.prog
	cfg := edsFailConfig{validators: 1200, sizes: []int{12, 24, 40, 60, 100}, fractions: []float64{0.1, 0.2, 0.25, 0.3, 1.0 / 3}, epochs: 10000, seed: o.seed}
	if o.quick {
		cfg.validators, cfg.sizes, cfg.epochs = 240, []int{12, 24, 40}, 200
	}
	rows, err := runEDSFail(cfg, prog)
	if err != nil {
		return report{}, err
	}
	return edsFailReport(cfg, rows, commandLine(o, "eds-failure")), nil
}

// runSingle runs the one configuration the flags describe and prints its
// Result as JSON on stdout.
func runSingle(e *env) error {
	sr := e.o.single
	costs, err := e.calibration()
	if err != nil {
		return err
	}
	var tune func(*pob.Config)
	if sr.produceEvery > 0 {
		tune = func(c *pob.Config) { c.ProduceEvery = uint64(sr.produceEvery) }
	}
	proto, err := newTunedProtocol(sr.engine, tune)
	if err != nil {
		return err
	}
	cfg := e.baseConfig(proto, costs)
	cfg.Shards, cfg.Committee, cfg.Cores, cfg.MaxBlockTxs, cfg.HostCores = sr.shards, sr.committee, sr.cores, sr.blockTxs, sr.hostCores
	cfg.NodeLoop, cfg.HostShare = sr.nodeLoop, sr.hostShare
	cfg.Warmup, cfg.Duration = sr.warmup, sr.duration
	cfg.Workload = shardsim.Workload{Rate: sr.rate, CrossShare: sr.cross}
	cfg.Net = des.NetConfig{Latency: des.LogNormal{Min: sr.latency, Median: sr.latency, Sigma: 0.5}, Bandwidth: sr.bandwidth, Loss: sr.loss}
	cfg.Faulty = sr.faulty
	switch sr.behaviour {
	case "crash":
		cfg.Behaviour = shardsim.Crash
	case "twins":
		cfg.Behaviour = shardsim.Twins
		cfg.PartitionFrom, cfg.PartitionUntil = sr.warmup, sr.warmup+sr.duration/2
	default:
		return fmt.Errorf("unknown -behaviour %q (crash, twins)", sr.behaviour)
	}
	res, err := runOne("run", cfg, e.prog)
	if err != nil {
		return err
	}
	e.prog.done("run: %.0f tx/s finalized, final p50 %.1f ms", res.Throughput, res.Final.P50MS)
	out := struct {
		Setup       map[string]string `json:"setup"`
		Calibration calib.Costs       `json:"calibration"`
		Result      shardsim.Result   `json:"result"`
	}{setupDoc(cfg), costs, res}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}
