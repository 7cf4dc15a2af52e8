package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/iostkit/iostkit/examples/testnet/harness"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "testnet:", err)
		os.Exit(1)
	}
}

func run() error {
	scenario := flag.String("scenario", "perturb", "perturb (mixed faults), crash (kill -9 and restart only) or overload")
	manifest := flag.String("manifest", "", "TOML manifest (harness.Manifest); flags below override it")
	bin := flag.String("bin", "", "prebuilt node binary (default: go build ./examples/node)")
	keep := flag.String("dir", "", "keep data and logs in this directory (default: a temporary one, removed)")
	validators := flag.Int("validators", 0, "node processes (default 4)")
	shards := flag.Int("shards", 0, "shards (default 2)")
	seed := flag.Int64("seed", 0, "schedule and load seed (default 1)")
	rate := flag.Int("rate", 0, "offered transfers/s (default 20)")
	perturbations := flag.Int("perturbations", 0, "perturbations (default 12)")
	kinds := flag.String("kinds", "", "comma-separated kinds: kill, pause, quorum-pause, skew, restart, partition, diskfull (default all but diskfull)")
	kills := flag.Int("kills", 100, "crash scenario: kill -9 count")
	budget := flag.Duration("budget", 0, "crash scenario: stop scheduling kills after this long (0: no limit)")
	overloadFor := flag.Duration("overload-for", 60*time.Second, "overload scenario: how long to offer 10× the sustainable rate")
	capacity := flag.Int("mempool-capacity", 0, "per-shard mempool capacity of the nodes (default: the node's)")
	workers := flag.Int("workers", 0, "concurrent HTTP submitters (default 8; overload 128)")
	window := flag.Int("window", 0, "transfers a sender may have beyond its ledger nonce (default 16; overload 512)")
	nodeArgs := flag.String("node-args", "", "extra flags for every node, space-separated (e.g. \"--api-rate=-1 --api-client-rate=-1 --api-max-in-flight=-1\": no admission control)")
	flag.Parse()

	var m harness.Manifest
	if *manifest != "" {
		var err error
		if m, err = harness.ReadManifest(*manifest); err != nil {
			return err
		}
	}
	set := func(p *int, v int) {
		if v != 0 {
			*p = v
		}
	}
	set(&m.Validators, *validators)
	set(&m.Shards, *shards)
	set(&m.Rate, *rate)
	set(&m.Perturbations, *perturbations)
	set(&m.MempoolCapacity, *capacity)
	set(&m.Workers, *workers)
	set(&m.Window, *window)
	if *scenario == "overload" {
		// Flood: enough keep-alive submitters for 10× (the transfers are
		// signed before the flood), and windows beyond the node's
		// per-sender and nonce-gap limits.
		if m.Workers == 0 {
			m.Workers = 128
		}
		if m.Window == 0 {
			m.Window = 512
		}
	}
	if *seed != 0 {
		m.Seed = *seed
	}
	if *nodeArgs != "" {
		m.NodeArgs = strings.Fields(*nodeArgs)
	}
	if *kinds != "" {
		m.Kinds = nil
		for _, k := range strings.Split(*kinds, ",") {
			m.Kinds = append(m.Kinds, harness.Kind(strings.TrimSpace(k)))
		}
	}
	if *scenario == "crash" {
		m.Kinds = []harness.Kind{harness.Kill}
		m.Perturbations = *kills
		if m.GapMin == 0 {
			m.GapMin, m.GapMax = harness.Duration(500*time.Millisecond), harness.Duration(3*time.Second)
			m.DownMin, m.DownMax = 0, harness.Duration(2*time.Second)
		}
		if *rate == 0 && m.Rate == 0 {
			m.Rate = 40
		}
	}
	if *budget > 0 {
		m.Budget = harness.Duration(*budget)
	}
	m = m.WithDefaults()
	if err := m.Validate(); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "iostkit-testnet-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if *bin == "" {
		fmt.Println("building ./examples/node ...")
		b, err := harness.BuildNode(ctx, dir)
		if err != nil {
			return err
		}
		*bin = b
	}
	fmt.Printf("starting %d nodes (%d shards) under %s\n", m.Validators, m.Shards, dir)
	n, err := harness.Start(ctx, m, *bin, dir, os.Stdout)
	if err != nil {
		return err
	}
	defer n.Close()

	switch *scenario {
	case "perturb", "crash":
		sched := harness.Schedule(m)
		rep, err := harness.Run(ctx, n, sched, os.Stdout)
		if err != nil {
			return err
		}
		fmt.Println()
		fmt.Println(rep.Summary())
		if !rep.OK() {
			return fmt.Errorf("%d violation(s)", len(rep.Violations))
		}
	case "overload":
		rep, err := harness.Overload(ctx, n, *overloadFor, os.Stdout)
		if err != nil {
			return err
		}
		fmt.Println()
		fmt.Println(rep.Summary())
		if !rep.OK() {
			return fmt.Errorf("%d violation(s)", len(rep.Violations))
		}
	default:
		return fmt.Errorf("unknown scenario %q", *scenario)
	}
	return nil
}
