package token

import (
	"testing"
)

// BenchmarkTransfer measures one signed-off (already authenticated) transfer
// through the ledger on MemStore: two account reads, two RLP encodes, two
// writes, plus the fee pool.
func BenchmarkTransfer(b *testing.B) {
	l, _ := newChain(b)
	var nonce uint64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := l.Transfer(Transfer{From: alice, To: bob, Amount: 1, Fee: 1, Nonce: nonce}, 1); err != nil {
			b.Fatal(err)
		}
		nonce++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transfers/s")
}
