package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/api"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/client"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/iostkit/iostkit/pob"
)

// nodeCalibration is what `node calibrate` writes: the costs of the node's
// own code paths, in the layout of the simulator's calibration file (its
// "node" object), so that a JSON merge of both files gives the simulator
// everything (examples/sim/compare.sh does it with jq).
type nodeCalibration struct {
	Node nodeCosts `json:"node"`
}

// nodeCosts are process CPU times per call, the median of the rounds.
type nodeCosts struct {
	// Admit is one transfer through the real API: the client's JSON POST
	// over loopback TCP, the handler (admission control, JSON and hex
	// decoding, the signer's recovery, the account read, the mempool) and
	// its answer — client and server, as on the node's machine with its
	// load generator. The client's signature is not included.
	Admit time.Duration `json:"node_admit_ns"`
	// BlockHashTx and OptimisticHashTx are pob.Block.Hash and
	// pob.OptimisticBlock.Hash per transaction, over blocks of
	// HashBlockTxs real signed transfers.
	BlockHashTx      time.Duration `json:"block_hash_tx_ns"`
	OptimisticHashTx time.Duration `json:"optimistic_hash_tx_ns"`
	HashBlockTxs     int           `json:"hash_block_txs"`
	node.ExecCost
	node.LoopCost
	// LoopFailed counts the loop run's failed transfers by reason (the
	// node's iostkit_tx_failed_reason_total).
	LoopFailed map[string]int `json:"loop_failed_reasons,omitempty"`
	// TxBytes is the encoded size of one transfer.
	TxBytes int `json:"tx_bytes"`
	// Rounds is the number of rounds the medians are taken over.
	Rounds int `json:"node_rounds"`
}

func calibrateCmd(args []string) error {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	out := fs.String("o", "node-calibration.json", "file to write")
	admits := fs.Int("admit", 1000, "transfers submitted through the API per round")
	heights := fs.Int("heights", 12, "empty and full heights executed per round")
	blockTxs := fs.Int("block-txs", 256, "transfers per block of the execution and hashing runs")
	ticks := fs.Int("ticks", 8, "loop ticks without transfers per round (and at most 4× as many with)")
	rounds := fs.Int("rounds", 3, "rounds; each figure is the median")
	depth := fs.Int("loop-depth", 16, "transfers per sender of the loop run (at most 250: the pool holds a sender's next 256 nonces)")
	perTick := fs.Int("loop-per-tick", 200, "transfers of the loop run arriving before each tick")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var all []nodeCosts
	for i := range *rounds {
		c, err := calibrateRound(*admits, *heights, *blockTxs, *ticks, min(*depth, 250), *perTick)
		if err != nil {
			return fmt.Errorf("round %d: %w", i+1, err)
		}
		all = append(all, c)
	}
	med := func(f func(nodeCosts) time.Duration) time.Duration {
		v := make([]time.Duration, len(all))
		for i, c := range all {
			v[i] = f(c)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	res := all[len(all)/2]
	res.Admit = med(func(c nodeCosts) time.Duration { return c.Admit })
	res.BlockHashTx = med(func(c nodeCosts) time.Duration { return c.BlockHashTx })
	res.OptimisticHashTx = med(func(c nodeCosts) time.Duration { return c.OptimisticHashTx })
	res.ExecCost.PerHeight = med(func(c nodeCosts) time.Duration { return c.ExecCost.PerHeight })
	res.ExecCost.PerTransfer = med(func(c nodeCosts) time.Duration { return c.ExecCost.PerTransfer })
	res.EmptyHeight = med(func(c nodeCosts) time.Duration { return c.EmptyHeight })
	res.LoopCost.PerTransfer = med(func(c nodeCosts) time.Duration { return c.LoopCost.PerTransfer })
	res.Rounds = *rounds
	b, err := json.MarshalIndent(nodeCalibration{Node: res}, "", "  ")
	if err != nil {
		return err
	}
	fmt.Printf("admission %v/transfer; Block.Hash %v/tx, OptimisticBlock.Hash %v/tx; execution %v/height + %v/transfer; loop %v/empty height + %v/transfer (%d transfers, %d failed, over %d heights)\n",
		res.Admit, res.BlockHashTx, res.OptimisticHashTx, res.ExecCost.PerHeight, res.ExecCost.PerTransfer,
		res.EmptyHeight, res.LoopCost.PerTransfer, res.Transfers, res.Failed, res.FullHeights)
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}

// calibrateRound measures every cost once, each on a fresh local node in
// its own temporary data directory (pebble, the default local network).
func calibrateRound(admits, heights, blockTxs, ticks, depth, perTick int) (nodeCosts, error) {
	var c nodeCosts
	var err error
	if c.Admit, err = measureAdmission(admits); err != nil {
		return c, fmt.Errorf("admission: %w", err)
	}
	err = withNode(func(n *node.Node) error {
		txs, err := shardTransfers(n, 0, heights*blockTxs)
		if err != nil {
			return err
		}
		raws := make([][]byte, len(txs))
		for i, t := range txs {
			raws[i] = t.Bytes()
		}
		c.TxBytes = len(raws[0])
		c.BlockHashTx, c.OptimisticHashTx, c.HashBlockTxs = measureHashes(raws[:blockTxs])
		c.ExecCost, err = n.MeasureExecution(0, raws, blockTxs, heights)
		return err
	})
	if err != nil {
		return c, fmt.Errorf("execution: %w", err)
	}
	err = withNode(func(n *node.Node) error {
		txs, err := shardTransfers(n, 0, heights*blockTxs)
		if err != nil {
			return err
		}
		if senders := shardSenders(n, 0); len(txs) > depth*senders {
			txs = txs[:depth*senders]
		}
		c.LoopCost, err = n.MeasureLoop(0, txs, ticks, perTick)
		c.LoopFailed = failReasons(n)
		return err
	})
	if err != nil {
		return c, fmt.Errorf("loop: %w", err)
	}
	return c, nil
}

// withNode runs f on a fresh local node that is not running (no ticker:
// the measurements drive it), then closes it and removes its data.
func withNode(f func(n *node.Node) error) error {
	dir, err := os.MkdirTemp("", "iostkit-calibrate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var cfg config.Config
	cfg.DataDir = dir
	cfg.Load.Rate = -1
	// More senders than the load generator's 64 accounts, so the loop run
	// gets many transfers with few per sender (see -loop-depth).
	cfg.DemoAccounts = 512
	// The API's admission control refuses by rate; the calibration
	// measures the work of an admitted transfer, one at a time.
	cfg.API.Admission.Rate, cfg.API.Admission.ClientRate, cfg.API.Admission.MaxInFlight = -1, -1, -1
	n, err := node.New(cfg, nil, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	return f(n)
}

// shardTransfers signs k transfers between the demo accounts of shard s,
// round-robin over its senders, each sender's nonces in order.
func shardTransfers(n *node.Node, s uint32, k int) ([]*txn.Tx, error) {
	cfg := n.Config()
	idx := shardAccounts(n, s)
	if len(idx) < 2 {
		return nil, fmt.Errorf("shard %d has %d demo accounts", s, len(idx))
	}
	nonces := make([]uint64, len(idx))
	out := make([]*txn.Tx, 0, k)
	for j := range k {
		from, to := j%len(idx), (j+1)%len(idx)
		t, err := txn.Sign(txn.Unsigned{ChainID: cfg.ChainID, Shard: s, Nonce: nonces[from], To: chain.DemoAddress(idx[to]), Amount: 1}, chain.DemoKey(idx[from]))
		if err != nil {
			return nil, err
		}
		nonces[from]++
		out = append(out, t)
	}
	return out, nil
}

// shardAccounts lists the demo accounts of shard s, by index.
func shardAccounts(n *node.Node, s uint32) []int {
	cfg := n.Config()
	var idx []int
	for i := range cfg.DemoAccounts {
		if eds.ShardOf(chain.DemoAddress(i), uint32(cfg.Shards)) == s {
			idx = append(idx, i)
		}
	}
	return idx
}

func shardSenders(n *node.Node, s uint32) int { return len(shardAccounts(n, s)) }

// measureAdmission submits k pre-signed transfers (all shards' demo
// accounts, round-robin) one after the other through the node's real API
// handler on a loopback HTTP server, and returns the process CPU time per
// transfer.
func measureAdmission(k int) (time.Duration, error) {
	var per time.Duration
	err := withNode(func(n *node.Node) error {
		cfg := n.Config()
		var txs []*txn.Tx
		nonces := make([]uint64, cfg.DemoAccounts)
		for j := range k + k/10 {
			from, to := j%cfg.DemoAccounts, (j+1)%cfg.DemoAccounts
			addr := chain.DemoAddress(from)
			s := eds.ShardOf(addr, uint32(cfg.Shards))
			t, err := txn.Sign(txn.Unsigned{ChainID: cfg.ChainID, Shard: s, Nonce: nonces[from], To: chain.DemoAddress(to), Amount: 1}, chain.DemoKey(from))
			if err != nil {
				return err
			}
			nonces[from]++
			txs = append(txs, t)
		}
		srv := httptest.NewServer(api.New(n, nil))
		defer srv.Close()
		cl := client.New(srv.URL)
		ctx := context.Background()
		warm := k / 10
		var t0 time.Duration
		for i, t := range txs {
			if i == warm {
				runtime.GC()
				t0 = cpuTime()
			}
			if _, err := cl.Submit(ctx, t); err != nil {
				return fmt.Errorf("transfer %d: %w", i, err)
			}
		}
		per = (cpuTime() - t0) / time.Duration(len(txs)-warm)
		return nil
	})
	return per, err
}

// measureHashes times pob's block hashes over txs, per transaction.
func measureHashes(txs [][]byte) (block, optimistic time.Duration, n int) {
	const reps = 200
	b := pob.Block{Height: 1, Payload: txs}
	o := pob.OptimisticBlock{Base: 0, Txs: txs}
	t0 := cpuTime()
	for range reps {
		_ = b.Hash()
	}
	t1 := cpuTime()
	for range reps {
		_ = o.Hash()
	}
	t2 := cpuTime()
	per := time.Duration(reps * len(txs))
	return (t1 - t0) / per, (t2 - t1) / per, len(txs)
}

// failReasons reads the node's failed-transfer counters by reason.
func failReasons(n *node.Node) map[string]int {
	out := map[string]int{}
	mfs, err := n.Metrics.Registry.Gather()
	if err != nil {
		return out
	}
	for _, mf := range mfs {
		if mf.GetName() != "iostkit_tx_failed_reason_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" {
					out[l.GetValue()] += int(m.GetCounter().GetValue())
				}
			}
		}
	}
	return out
}

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
