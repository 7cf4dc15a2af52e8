package pobsim_test

import (
	"fmt"

	"github.com/iostkit/iostkit/internal/pobsim"
)

// Example runs one adversarial simulation: five validators, one of them
// equivocating on every vote, a fraudulent believable producer, 10% message
// loss, a crash and a partition. Run returns an error on any safety or
// liveness violation.
func Example() {
	rep, err := pobsim.Run(pobsim.Options{
		Seed:         42,
		Normal:       []pobsim.Behaviour{pobsim.Honest, pobsim.EquivocateVotes, pobsim.Honest, pobsim.Honest, pobsim.Honest},
		Believable:   []pobsim.Behaviour{pobsim.FraudProducer, pobsim.Honest},
		SamplePPM:    1_000_000,
		TxsPer:       2,
		DropPerMille: 100,
		Crashes:      1,
		Partition:    true,
	})
	fmt.Println("violation:", err)
	fmt.Println("invalid transactions finalized:", rep.InvalidFinalized)
	fmt.Println("replicas restarted:", rep.Restarts)
	fmt.Println("fraudulent producer slashed:", rep.Slashes.Count[pobsim.KeyOf(5).Address])
	// Output:
	// violation: <nil>
	// invalid transactions finalized: 0
	// replicas restarted: 1
	// fraudulent producer slashed: 1
}
