package node_test

import (
	"context"
	"fmt"
	"time"

	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
)

// Run a two-shard local network in memory, submit a transfer and wait for
// it to be final.
func Example() {
	n, err := node.New(config.Config{
		Shards: 2, Validators: 8, Backend: "memdb", DemoAccounts: 4,
		Tick: config.Duration(10 * time.Millisecond), Load: config.Load{Rate: -1},
	}, nil, nil)
	if err != nil {
		panic(err)
	}
	defer n.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go n.Run(ctx)

	from := chain.DemoAddress(0)
	tx, _ := txn.Sign(txn.Unsigned{ChainID: config.DefaultChainID, Shard: eds.ShardOf(from, 2), To: chain.DemoAddress(1), Amount: 100}, chain.DemoKey(0))
	if err := n.Submit(tx); err != nil {
		panic(err)
	}
	for ctx.Err() == nil {
		if st, _ := n.Tx(tx.Hash()); st.Status == "final" || st.Status == "credited" {
			fmt.Println("final:", st.OK)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, v := range n.Validators()[:2] {
		fmt.Println(v.Shard, v.League)
	}
	// Output:
	// final: true
	// 0 believable
	// 0 normal
}
