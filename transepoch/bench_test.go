package transepoch

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkPlan plans a whole-network transition: n = 10,000 validators in
// 64 shards (156 per shard), a quarter of them moving, 5% leaving and 5%
// arriving.
func BenchmarkPlan(b *testing.B) {
	w := genWorld(rand.New(rand.NewPCG(1, 1)), 10_000, 64, 5, 5, 25, 4)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := NewPlan(w.old, w.new, fmt.Appendf(nil, "rnd-%d", i), Config{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "plans/s")
}

// BenchmarkMachine executes one shard's plan (156 members, a quarter
// replaced) with newcomers that sync at once.
func BenchmarkMachine(b *testing.B) {
	w := genWorld(rand.New(rand.NewPCG(1, 1)), 10_000, 64, 5, 5, 25, 4)
	p, err := NewPlan(w.old, w.new, []byte("rnd"), Config{})
	if err != nil {
		b.Fatal(err)
	}
	sp := p.Shards[0]
	b.ReportAllocs()
	for b.Loop() {
		m, err := NewMachine(sp, Config{})
		if err != nil {
			b.Fatal(err)
		}
		for !m.Done() {
			for _, id := range m.Status().Unsynced {
				if err := m.Step(Event{Kind: Synced, Epoch: sp.Epoch, Shard: sp.Shard, Validator: id}); err != nil {
					b.Fatal(err)
				}
			}
			m.Tick()
			m.Ready()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transitions/s")
}
