package eds

import (
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

func BenchmarkAssign(b *testing.B) {
	vs := make([]Validator, 10_000)
	for i := range vs {
		vs[i] = Validator{ID: fmt.Sprintf("validator-%05d", i), Weight: uint64(i%7 + 1)}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := Assign(vs, []byte("bench"), uint64(i), 64); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "assignments/s")
}

func BenchmarkShardOf(b *testing.B) {
	addrs := make([]common.Address, 1024)
	for i := range addrs {
		addrs[i] = common.BigToAddress(common.Big1)
		addrs[i][0], addrs[i][1] = byte(i), byte(i>>8)
	}
	var sink uint32
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sink += ShardOf(addrs[i&1023], 64)
	}
	_ = sink
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}
