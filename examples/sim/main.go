// Command sim is iostkit's deterministic discrete-event simulator and the
// runner of the standard experiments whose results live in docs/results.
//
//	go run ./examples/sim -experiment eds-failure      # one experiment → docs/results
//	go run ./examples/sim -experiment all
//	go run ./examples/sim -calibrate -o calibration.json
//
// See docs/simulator.md for the model, what runs real code and what is
// modelled, and every flag.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/iostkit/iostkit/examples/sim/calib"
)

// options are the command-line flags.
type options struct {
	experiment  string
	out         string
	calibration string
	calibrate   bool
	calibOut    string
	seed        uint64
	quick       bool
	quiet       bool
	format      string
}

// experiment is one standard experiment.
type experiment struct {
	name  string
	about string
	run   func(e *env) (report, error)
}

func experiments() []experiment {
	return []experiment{
		{"eds-failure", "5: eds shard-failure table vs sampled eds.Assign", runEDSFailExperiment},
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
	flag.Uint64Var(&o.seed, "seed", 1, "seed of every random choice of the run")
	flag.BoolVar(&o.quick, "quick", false, "smaller sizes and shorter runs (a smoke test, not the published figures)")
	flag.BoolVar(&o.quiet, "quiet", false, "no progress display on stderr")
	flag.StringVar(&o.format, "format", "svg", "chart format: svg or png")
	flag.Parse()
	if err := run(o, *list); err != nil {
		fmt.Fprintln(os.Stderr, "sim:", err)
		os.Exit(1)
	}
}

func run(o options, list bool) error {
	prog := newProgress(os.Stderr, o.quiet)
	if list {
		for _, e := range experiments() {
			fmt.Printf("%-14s %s\n", e.name, e.about)
		}
		return nil
	}
	if o.calibrate {
		c, err := calib.Measure(calib.Options{Progress: func(op string) { prog.update(true, "calibrating: %s", op) }})
		if err != nil {
			return err
		}
		prog.done("calibrated: ecrecover %v, transfer %v, BLS verify %v", c.Ecrecover, c.Transfer, c.BLSVerify)
		return c.Save(o.calibOut)
	}
	if o.experiment == "" {
		return errors.New("nothing to do: give -experiment NAME (see -list) or -calibrate")
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
