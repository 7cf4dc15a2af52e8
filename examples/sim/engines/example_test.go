package engines_test

import (
	"fmt"
	"time"

	"github.com/iostkit/iostkit/examples/sim/calib"
	"github.com/iostkit/iostkit/examples/sim/des"
	"github.com/iostkit/iostkit/examples/sim/engines"
	"github.com/iostkit/iostkit/examples/sim/shardsim"
	"github.com/iostkit/iostkit/pob"
)

// The real PoB engine, one believable producer and three normal-league
// validators, simulated for three seconds at 2,000 transfers/s.
func Example() {
	proto, err := engines.New(engines.Options{
		Name:       "pob",
		New:        func(cfg pob.Config) (pob.Engine, error) { return pob.New(cfg) },
		Believable: func(n int) int { return 1 },
	})
	if err != nil {
		panic(err)
	}
	costs, err := calib.Parse([]byte(`{"ecrecover_ns": 40000, "keccak256_200b_ns": 1000,
		"token_transfer_ns": 5000, "bls_sign_ns": 300000, "bls_verify_ns": 1500000,
		"bls_aggregate_per_sig_ns": 200000, "bls_aggregate_per_key_ns": 200000, "machine": {}}`))
	if err != nil {
		panic(err)
	}
	res, err := shardsim.Run(shardsim.Config{
		Protocol: proto, Shards: 1, Committee: 4, MaxBlockTxs: 256,
		Warmup: time.Second, Duration: 2 * time.Second,
		Net:      des.NetConfig{Latency: des.Constant(20 * time.Millisecond)},
		Workload: shardsim.Workload{Rate: 2000},
		Costs:    costs, Seed: 1,
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("finalized ≈ %.0f tx/s\n", res.Throughput)
	fmt.Println("optimistic before final:", res.Optimistic.P50MS < res.Final.P50MS)
	fmt.Println("safety violations:", res.SafetyViolations)
	// Output:
	// finalized ≈ 2050 tx/s
	// optimistic before final: true
	// safety violations: 0
}
