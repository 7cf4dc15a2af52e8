package chain_test

import (
	"fmt"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
)

// A one-shard chain executes a finalized block holding a transfer between
// two demo accounts; a replay of the same transaction in the next block
// fails on its nonce and changes nothing.
func Example() {
	g, _ := chain.NewGenesis(2, nil)
	pool, _ := mempool.New(mempool.Config{})
	// Without an atomix verifier the shard runs intra-shard transfers only.
	sh, _ := chain.NewShard(chain.Executor{ChainID: 1, Shard: 0, Shards: 1}, state.NewMem(), dbm.NewMemDB(), pool, g, atomix.Verifier{})

	tx, _ := txn.Sign(txn.Unsigned{ChainID: 1, Shard: eds.ShardOf(chain.DemoAddress(0), 1), To: chain.DemoAddress(1), Amount: 250}, chain.DemoKey(0))
	b1, _ := sh.Commit(chain.Block{Height: 1, Txs: [][]byte{tx.Bytes()}})
	b2, _ := sh.Commit(chain.Block{Height: 2, Txs: [][]byte{tx.Bytes()}})
	acct, _ := sh.Account(chain.DemoAddress(1))
	fmt.Println(b1.Receipts[0].OK, b2.Receipts[0].OK, b2.Receipts[0].Err)
	fmt.Println(acct.Balance, sh.Height())
	// Output:
	// true false transfer 0xE664a41b1A44efD96C40D2fd68824F95d38aeD2C→0xE0cBe56cd92bc2da174c5A81de1Ad75Cfecb0A50: token: bad nonce: got 0, want 1
	// 1000000.0000025 2
}
