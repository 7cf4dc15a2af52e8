package atomix_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/internal/atomixsim"
	"github.com/iostkit/iostkit/internal/sim"
)

// benchRun is one simulated run: waves of transactions, half single-shard
// and half cross-shard (two input shards, outputs on a third), over a
// network with a fixed delay and a fixed finality time.
type benchRun struct {
	w        *atomixsim.World
	shards   int
	perWave  int
	wave     int
	accounts int
	single   latency
	cross    latency
	commits  int
}

type latency struct{ sum, n uint64 }

func (l latency) mean() float64 { return float64(l.sum) / float64(max(l.n, 1)) }

const (
	benchFinality = 2
	benchAccounts = 64
)

func newBenchRun(tb testing.TB, shards int, delay uint64) *benchRun {
	w, err := atomixsim.New(atomixsim.Config{
		Seed: 1, Shards: shards, FinalityTicks: benchFinality,
		Net: sim.Config{MinDelay: delay, MaxDelay: delay},
	})
	if err != nil {
		tb.Fatal(err)
	}
	for s := range shards {
		for i := range benchAccounts {
			if err := w.Fund(atomix.ShardID(s), benchAcct(s, i), atomix.NewAccount(1<<40)); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return &benchRun{w: w, shards: shards, perWave: 4 * shards, accounts: benchAccounts}
}

func benchAcct(shard, i int) common.Hash {
	return common.BytesToHash([]byte{byte(shard), byte(i), 0xbe})
}

// runWave submits one wave, runs it to completion and records latencies:
// from submission to the last shard's application of the outcome, plus the
// finality time of that block.
func (r *benchRun) runWave(tb testing.TB) {
	w := r.w
	start := w.Now()
	type sub struct {
		tx    atomix.Tx
		cross bool
	}
	var subs []sub
	for j := range r.perWave {
		k := j / r.shards // distinct inputs within a wave: no conflicts
		a := j % r.shards
		tx := atomix.Tx{Nonce: uint64(r.wave*r.perWave + j)}
		cross := j%2 == 1
		if cross {
			b, c := (a+1)%r.shards, (a+2)%r.shards
			tx.Inputs = []atomix.Input{acctIn(atomix.ShardID(a), benchAcct(a, 2*k), 3), acctIn(atomix.ShardID(b), benchAcct(b, 2*k+1), 2)}
			tx.Outputs = []atomix.Output{acctOut(atomix.ShardID(c), benchAcct(c, 2*k), 5)}
		} else {
			tx.Inputs = []atomix.Input{acctIn(atomix.ShardID(a), benchAcct(a, 2*k), 3)}
			tx.Outputs = []atomix.Output{acctOut(atomix.ShardID(a), benchAcct(a, 2*k+1), 3)}
		}
		subs = append(subs, sub{tx, cross})
		w.Submit(tx, 1, tx.InputShards())
	}
	r.wave++
	firstEvent := len(w.Events)
	quiet, err := w.RunUntilQuiet(10_000)
	if err != nil || !quiet {
		tb.Fatalf("wave %d: quiet %v, err %v", r.wave, quiet, err)
	}
	done := map[common.Hash]uint64{}
	for _, e := range w.Events[firstEvent:] {
		if e.Outcome != atomix.Commit {
			tb.Fatalf("benchmark transaction aborted")
		}
		done[e.Tx] = max(done[e.Tx], e.Tick)
	}
	for _, s := range subs {
		at, ok := done[s.tx.ID()]
		if !ok {
			tb.Fatalf("transaction never applied")
		}
		l := at + benchFinality - start
		if s.cross {
			r.cross.sum, r.cross.n = r.cross.sum+l, r.cross.n+1
		} else {
			r.single.sum, r.single.n = r.single.sum+l, r.single.n+1
		}
		r.commits++
	}
}

// BenchmarkCrossShardCommit runs atomix in the simulator with 2, 4 and 16
// shards. It reports cross-shard commits per second of simulator work
// (every shard in one process, keyed-MAC certificates: the protocol's own
// cost, not signature checks), protocol messages per cross-shard commit
// (single-shard transactions send none), the latency
// of a cross-shard commit and of a single-shard finalization in the same
// run (in ticks, with a one-tick network delay and a two-tick finality),
// their ratio, and the message rounds on a commit's critical path,
// measured as the growth of the cross-shard latency per tick of network
// delay.
func BenchmarkCrossShardCommit(b *testing.B) {
	for _, shards := range []int{2, 4, 16} {
		b.Run(fmt.Sprintf("shards=%d", shards), func(b *testing.B) {
			// Rounds: the same waves with network delay 1 and 2.
			slow := newBenchRun(b, shards, 2)
			fast := newBenchRun(b, shards, 1)
			for range 4 {
				slow.runWave(b)
				fast.runWave(b)
			}
			rounds := slow.cross.mean() - fast.cross.mean()
			singleRounds := slow.single.mean() - fast.single.mean()

			r := newBenchRun(b, shards, 1)
			b.ResetTimer()
			t0 := time.Now()
			for b.Loop() {
				r.runWave(b)
			}
			el := time.Since(t0).Seconds()
			crossCommits := float64(r.cross.n)
			b.ReportMetric(crossCommits/el, "commits/s")
			b.ReportMetric(float64(r.w.Sent)/crossCommits, "msgs/commit")
			b.ReportMetric(rounds, "rounds/commit")
			b.ReportMetric(singleRounds, "rounds/single")
			b.ReportMetric(r.cross.mean(), "ticks/cross")
			b.ReportMetric(r.single.mean(), "ticks/single")
			b.ReportMetric(r.cross.mean()/r.single.mean(), "latency-ratio")
		})
	}
}

// BenchmarkVerifyProof measures checking one proof of acceptance with a
// real BDN certificate (committee of 4, quorum 3) and an ICS-23 proof over
// IAVL: the per-proof cost every shard of a transaction pays.
func BenchmarkVerifyProof(b *testing.B) {
	w := fixture(b)
	w.lock(transfer, 1, shA, shB)
	p := w.proofs[proofKey{shB, transfer.ID(), 1}]
	ses := atomix.NewSession(transfer, 1)
	v := w.verifier()
	b.ResetTimer()
	t0 := time.Now()
	n := 0
	for b.Loop() {
		if err := v.Verify(p, ses, 0); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/time.Since(t0).Seconds(), "proofs/s")
}
