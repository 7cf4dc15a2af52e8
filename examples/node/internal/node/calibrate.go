package node

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/iostkit/iostkit/pob"
)

// ExecCost is what the runner's execution path costs per finalized height:
// runner.execute with everything it calls (the block's hash and
// transactions, chain.Shard.Commit — the executor over the token ledger on
// a write overlay, the block store's synced write, the state commit, the
// mempool's cleanup — and the node's bookkeeping of the block: receipts,
// transaction tracking, metrics), in process CPU time.
type ExecCost struct {
	// PerHeight is the CPU time of an empty height.
	PerHeight time.Duration `json:"exec_height_ns"`
	// PerTransfer is the CPU time each transfer adds, in blocks of
	// BlockTxs transfers.
	PerTransfer time.Duration `json:"exec_transfer_ns"`
	// BlockTxs is the transfers per block of the PerTransfer run.
	BlockTxs int `json:"exec_block_txs"`
	// Heights is the number of empty heights and, apart, of full heights
	// timed.
	Heights int `json:"exec_heights"`
}

// ErrRunning is returned by MeasureExecution on a node whose engines run.
var ErrRunning = errors.New("node: the node must not be running")

// MeasureExecution times the runner's execution path on shard s of n: first
// heights empty heights, then heights heights of blockTxs transfers each,
// taken in order from txs (valid signed transfers of shard s, in nonce
// order per sender). n must be fresh and never Run: the blocks are handed
// to the runner as its engines hand a finalized block (runner.waiting),
// without a certificate — execute does not check one; the engines did —
// so the path timed is exactly the one a finalized block takes after
// consensus. The blocks carry their transfers as a proposer's payload, as
// the node's finalized blocks mostly do under load (its
// iostkit_payload_txs_finalized_total).
func (n *Node) MeasureExecution(s uint32, txs [][]byte, blockTxs, heights int) (ExecCost, error) {
	if int(s) >= len(n.runners) {
		return ExecCost{}, fmt.Errorf("node: no shard %d", s)
	}
	if len(txs) < blockTxs*heights {
		return ExecCost{}, fmt.Errorf("node: %d transfers for %d heights of %d", len(txs), heights, blockTxs)
	}
	r := n.runners[s]
	if r.queued != r.shard.Height() || len(r.waiting) > 0 {
		return ExecCost{}, ErrRunning
	}
	run := func(batch [][]byte) (time.Duration, error) {
		c := pob.Commit{Block: pob.Block{
			Domain: pob.Domain{ChainID: n.cfg.ChainID, Shard: s, Epoch: r.domain},
			Height: r.queued + 1, Parent: r.shard.Head(), Payload: batch,
		}}
		if c.Block.Height >= r.end {
			return 0, fmt.Errorf("node: height %d reaches the committee's last height %d", c.Block.Height, r.end)
		}
		t0 := processCPU()
		r.waiting = append(r.waiting, c)
		r.queued++
		if err := r.execute(); err != nil {
			return 0, err
		}
		if len(r.waiting) > 0 {
			return 0, fmt.Errorf("node: height %d not executed", c.Block.Height)
		}
		return processCPU() - t0, nil
	}
	var empty, full time.Duration
	failed0 := n.failedTxs.Load()
	for range heights {
		d, err := run(nil)
		if err != nil {
			return ExecCost{}, err
		}
		empty += d
	}
	for i := range heights {
		batch := txs[i*blockTxs : (i+1)*blockTxs]
		d, err := run(batch)
		if err != nil {
			return ExecCost{}, err
		}
		full += d
	}
	if f := n.failedTxs.Load() - failed0; f > 0 {
		return ExecCost{}, fmt.Errorf("node: %d transfers failed: the measurement needs valid ones", f)
	}
	per := empty / time.Duration(heights)
	return ExecCost{
		PerHeight:   per,
		PerTransfer: max(0, (full/time.Duration(heights)-per)/time.Duration(blockTxs)),
		BlockTxs:    blockTxs, Heights: heights,
	}, nil
}

// LoopCost is what transfers add to a shard's loop: the CPU time of its
// ticks (engines, message rounds, execution) with transfers in the pool
// against the same loop without, per height and per finalized transfer.
type LoopCost struct {
	// EmptyHeight is the CPU time per height of ticks without transfers:
	// the five engines' BLS work, pob's message handling and the empty
	// height's execution.
	EmptyHeight time.Duration `json:"loop_height_ns"`
	// PerTransfer is the CPU time each finalized transfer adds beyond
	// that: pob's handling of its bytes (block and optimistic-block
	// hashes, validity checks, sampling), proposal, execution and commit.
	// Transfers that fail at execution (a transaction included twice)
	// count in the cost, not in the divisor.
	PerTransfer time.Duration `json:"loop_transfer_ns"`
	// EmptyHeights, FullHeights, Transfers and Failed are what was timed:
	// heights of the empty and of the loaded ticks, transfers finalized
	// and executed, and finalized transfers that failed.
	EmptyHeights int `json:"loop_empty_heights"`
	FullHeights  int `json:"loop_full_heights"`
	Transfers    int `json:"loop_transfers"`
	Failed       int `json:"loop_failed"`
}

// MeasureLoop times shard s's loop as the node runs it (runner.tick: every
// engine ticked, messages exchanged in memory up to 64 rounds, finalized
// heights executed), but driven here tick after tick instead of by the
// ticker: ticks ticks with an empty pool, then ticks with transfers
// arriving — perTick of txs submitted to the pool before each tick
// (untimed: admission is measured apart), as the API adds them between
// ticks under steady load — until every one is finalized and executed
// successfully or 4·len(txs)/perTick + ticks ticks have passed (a copy of a
// transfer included twice fails: LoopCost.Failed counts those). n must be
// fresh and never Run.
func (n *Node) MeasureLoop(s uint32, txs []*txn.Tx, ticks, perTick int) (LoopCost, error) {
	if int(s) >= len(n.runners) {
		return LoopCost{}, fmt.Errorf("node: no shard %d", s)
	}
	if perTick <= 0 {
		return LoopCost{}, fmt.Errorf("node: %d transfers per tick", perTick)
	}
	r := n.runners[s]
	if r.queued != r.shard.Height() || len(r.waiting) > 0 {
		return LoopCost{}, ErrRunning
	}
	for range 2 { // the engines' first ticks start the chain
		if err := r.tick(); err != nil {
			return LoopCost{}, err
		}
	}
	h0, t0 := r.shard.Height(), processCPU()
	for range ticks {
		if err := r.tick(); err != nil {
			return LoopCost{}, err
		}
	}
	h1, t1 := r.shard.Height(), processCPU()
	final0, failed0 := n.finalTxs.Load(), n.failedTxs.Load()
	var timed time.Duration
	limit := 4*len(txs)/perTick + ticks
	for i, next := 0, 0; i < limit && int(n.finalTxs.Load()-final0) < len(txs); i++ {
		for ; next < len(txs) && next < (i+1)*perTick; next++ {
			if err := r.shard.Submit(txs[next]); err != nil {
				return LoopCost{}, fmt.Errorf("node: submit: %w", err)
			}
		}
		t := processCPU()
		if err := r.tick(); err != nil {
			return LoopCost{}, err
		}
		timed += processCPU() - t
	}
	c := LoopCost{
		EmptyHeights: int(h1 - h0), FullHeights: int(r.shard.Height() - h1),
		Transfers: int(n.finalTxs.Load() - final0), Failed: int(n.failedTxs.Load() - failed0),
	}
	if c.EmptyHeights == 0 || c.Transfers == 0 {
		return c, fmt.Errorf("node: nothing to measure: %d empty heights, %d transfers", c.EmptyHeights, c.Transfers)
	}
	c.EmptyHeight = (t1 - t0) / time.Duration(c.EmptyHeights)
	extra := timed - c.EmptyHeight*time.Duration(c.FullHeights)
	c.PerTransfer = max(0, extra/time.Duration(c.Transfers))
	return c, nil
}

// processCPU is the CPU time (user + system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
