package des_test

import (
	"fmt"
	"time"

	"github.com/iostkit/iostkit/examples/sim/des"
)

// A node sends a 1 MB block to two peers over a 100 MB/s uplink with a fixed
// 10 ms latency; each peer spends 2 ms of CPU checking it.
func Example() {
	s := des.New(1)
	net, err := des.NewNetwork(s, 3, des.NetConfig{Latency: des.Constant(10 * time.Millisecond), Bandwidth: 100e6})
	if err != nil {
		panic(err)
	}
	cpus := []*des.CPU{des.NewCPU(s, 1), des.NewCPU(s, 1), des.NewCPU(s, 1)}
	for _, to := range []int{1, 2} {
		net.Send(0, to, 1_000_000, func() {
			fmt.Printf("node %d received at %v\n", to, s.Now())
			cpus[to].Run(2*time.Millisecond, func() {
				fmt.Printf("node %d checked at %v\n", to, s.Now())
			})
		})
	}
	s.RunUntil(time.Second)
	// Output:
	// node 1 received at 20ms
	// node 1 checked at 22ms
	// node 2 received at 30ms
	// node 2 checked at 32ms
}
