package eds_test

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"

	"github.com/iostkit/iostkit/eds"
)

// Cut eight validators into two shards from an epoch's randomness, route
// two accounts, and size a shard against a 25% adversary.
func Example() {
	validators := make([]eds.Validator, 8)
	for i := range validators {
		validators[i] = eds.Validator{ID: fmt.Sprintf("v%d", i), Weight: 1}
	}
	a, err := eds.Assign(validators, []byte("epoch randomness"), 1, 2)
	if err != nil {
		panic(err)
	}
	fmt.Println("shard sizes:", len(a.Shards[0]), len(a.Shards[1]))

	alice := common.HexToAddress("0xa11ce")
	bob := common.HexToAddress("0xb0b")
	fmt.Println("touched shards:", len(eds.TouchedShards(4, alice, bob)) >= 1)

	p, err := eds.BinomialFailure(600, 0.25)
	if err != nil {
		panic(err)
	}
	fmt.Printf("P(shard of 600 fails | f=25%%) = %.1e\n", p)
	// Output:
	// shard sizes: 4 4
	// touched shards: true
	// P(shard of 600 fails | f=25%) = 3.0e-06
}
