package shardsim_test

import (
	"fmt"
	"time"

	"github.com/iostkit/iostkit/examples/sim/calib"
	"github.com/iostkit/iostkit/examples/sim/des"
	"github.com/iostkit/iostkit/examples/sim/shardsim"
)

// Two shards of four validators running the small lockstep engine of this
// package's tests, 20 ms links, 1,000 transfers/s with 10% cross-shard.
func ExampleRun() {
	costs, err := calib.Parse([]byte(`{"ecrecover_ns": 40000, "keccak256_200b_ns": 1000,
		"token_transfer_ns": 5000, "bls_sign_ns": 300000, "bls_verify_ns": 1500000,
		"bls_aggregate_per_sig_ns": 200000, "bls_aggregate_per_key_ns": 200000,
		"atomix": {"block_ns": 40000, "vote_prove_ns": 20000, "vote_verify_ns": 8000}, "machine": {}}`))
	if err != nil {
		panic(err)
	}
	res, err := shardsim.Run(shardsim.Config{
		Protocol: lockstepProtocol{sample: 1}, Shards: 2, Committee: 4,
		Warmup: time.Second, Duration: 4 * time.Second,
		Net:      des.NetConfig{Latency: des.Constant(20 * time.Millisecond)},
		Workload: shardsim.Workload{Rate: 1000, CrossShare: 0.1},
		Costs:    costs, Seed: 7,
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("throughput ≈ %.0f tx/s\n", res.Throughput)
	fmt.Println("final latency p50 (ms):", res.Final.P50MS)
	fmt.Println("cross-shard slower:", res.Cross.MeanMS > res.Final.MeanMS)
	fmt.Println("safety violations:", res.SafetyViolations)
	// Output:
	// throughput ≈ 1000 tx/s
	// final latency p50 (ms): 64.565
	// cross-shard slower: true
	// safety violations: 0
}
