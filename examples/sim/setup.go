package main

import (
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/iostkit/iostkit/examples/sim/calib"
	"github.com/iostkit/iostkit/examples/sim/des"
	"github.com/iostkit/iostkit/examples/sim/shardsim"
)

// Standard environment of the experiments (docs/simulator.md explains each
// choice): validators in data centres, 1 Gbit/s uplinks, one-way latency
// 20 ms plus a log-normal tail (median 20 ms), 2 cores per validator as on
// this project's machine class.
var (
	stdLatency   = des.LogNormal{Min: 20 * time.Millisecond, Median: 20 * time.Millisecond, Sigma: 0.5}
	stdBandwidth = 125e6 // bytes/s
	stdCores     = 2
	// stdBlockTxs is the transfers per proposal: pob's default MaxTxs per
	// optimistic block (256), so one simulator batch is exactly what one
	// optimistic block of the real node carries.
	stdBlockTxs = 256
)

func stdNet() des.NetConfig { return des.NetConfig{Latency: stdLatency, Bandwidth: stdBandwidth} }

// verifyBound is the most transfers per second one validator can admit:
// every core recovering signatures, one executing. No engine can finalize
// more per shard when every member checks every transfer.
func verifyBound(c calib.Costs, cores int) float64 {
	perTx := c.TxVerify().Seconds()/float64(cores) + c.TxExecute().Seconds()
	return 1 / perTx
}

// env is what every experiment shares: the options, the progress line and
// the calibration, loaded or measured once.
type env struct {
	o     options
	prog  *progress
	costs *calib.Costs
}

// calibration returns -calibration's costs, or measures them on first use.
func (e *env) calibration() (calib.Costs, error) {
	if e.costs != nil {
		return *e.costs, nil
	}
	var c calib.Costs
	var err error
	if e.o.calibration != "" {
		c, err = calib.Load(e.o.calibration)
	} else {
		c, err = calib.Measure(calib.Options{Progress: func(op string) { e.prog.update(true, "calibrating: %s", op) }})
	}
	if err != nil {
		return calib.Costs{}, err
	}
	e.costs = &c
	return c, nil
}

// runAll runs the configurations, -parallel at a time, and returns their
// results in order. Runs share nothing that changes a result, so the
// output does not depend on the parallelism.
func runAll(e *env, labels []string, cfgs []shardsim.Config) ([]shardsim.Result, error) {
	out := make([]shardsim.Result, len(cfgs))
	var g errgroup.Group
	g.SetLimit(max(e.o.parallel, 1))
	for i := range cfgs {
		g.Go(func() error {
			res, err := runOne(labels[i], cfgs[i], e.prog)
			out[i] = res
			return err
		})
	}
	return out, g.Wait()
}

// runOne runs one configuration with a progress line.
func runOne(label string, cfg shardsim.Config, prog *progress) (shardsim.Result, error) {
	cfg.Progress = func(p shardsim.Progress) {
		prog.update(false, "%s: virtual %.1fs/%.1fs, %d events, %d tx final", label, p.Now.Seconds(), p.End.Seconds(), p.Events, p.Committed)
	}
	res, err := shardsim.Run(cfg)
	if err != nil {
		return res, fmt.Errorf("%s: %w", label, err)
	}
	return res, nil
}
