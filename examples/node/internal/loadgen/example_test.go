package loadgen_test

import (
	"crypto/ecdsa"
	"fmt"

	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/loadgen"
)

// A generator over eight demo accounts of a four-shard chain makes every
// transfer cross-shard when asked to, signing each with the sender's next
// nonce.
func Example() {
	var keys []*ecdsa.PrivateKey
	for i := 0; i < 8; i++ {
		keys = append(keys, chain.DemoKey(i))
	}
	g, _ := loadgen.New(2026, 4, keys, 100, 1)
	cross := 0
	for i := 0; i < 100; i++ {
		tx, _ := g.Next(1)
		if eds.ShardOf(tx.To, 4) != tx.Shard {
			cross++
		}
	}
	fmt.Println(cross, "of 100 cross-shard")
	// Output:
	// 100 of 100 cross-shard
}
