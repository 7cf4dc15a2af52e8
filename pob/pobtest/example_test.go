package pobtest_test

import (
	"fmt"

	"github.com/iostkit/iostkit/pob"
	"github.com/iostkit/iostkit/pob/pobtest"
)

// Example checks an engine factory against every property of the suite,
// here with two seeded simulations per property. In a test, call
// pobtest.Run(t, factory, opts) instead: each property becomes a subtest.
func Example() {
	factory := func(cfg pob.Config) (pob.Engine, error) { return pob.New(cfg) }
	for _, p := range pobtest.Properties {
		fmt.Println(p.Name)
	}
	fmt.Println("violations:", pobtest.Check(factory, pobtest.Options{Runs: 2}))
	// Output:
	// SafetyUnderFaultBound
	// LivenessAfterHeal
	// RestartWithoutDoubleVote
	// violations: <nil>
}
