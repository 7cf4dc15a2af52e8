package harness_test

import (
	"fmt"
	"time"

	"github.com/iostkit/iostkit/examples/testnet/harness"
)

// A manifest's seed fixes its perturbation schedule: the same run can be
// replayed after a failure.
func ExampleSchedule() {
	m := harness.Manifest{
		Seed: 6, Perturbations: 4,
		Kinds:  []harness.Kind{harness.Kill, harness.QuorumPause, harness.Skew},
		GapMin: harness.Duration(time.Second), GapMax: harness.Duration(3 * time.Second),
	}
	for _, p := range harness.Schedule(m) {
		fmt.Println(p)
	}
	// Output:
	// +2.6s kill [1] for 1.5s
	// +1.7s kill [1] for 3.6s
	// +1.8s skew [3] for 2.1s (tick ×0.5)
	// +1.1s quorum-pause [1 3] for 3.4s
}
