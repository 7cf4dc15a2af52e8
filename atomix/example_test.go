package atomix_test

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"

	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/internal/atomixsim"
)

// Example moves 30 from alice (shard 0) and 20 from carol (shard 1) to bob
// (shard 1). The client reaches shard 0 only; shard 1 votes when shard 0's
// proof arrives. The loop is what a node does: drain Ready, have each vote
// certified once its block is final (here a keyed-MAC committee and a
// one-leaf state root; pob and microstate in a real node), and deliver the
// messages to the other shards.
func Example() {
	certs := atomixsim.NewKeyedCerts(1)
	verifier := atomix.Verifier{Certs: certs, Proofs: certs}
	alice, carol, bob := common.Hash{0xa1}, common.Hash{0xca}, common.Hash{0xb0}
	stores := []*atomix.MemStore{atomix.NewMemStore(), atomix.NewMemStore()}
	must(atomix.PutObject(stores[0], alice, atomix.NewAccount(100)))
	must(atomix.PutObject(stores[1], carol, atomix.NewAccount(20)))
	shards := make([]*atomix.Shard, 2)
	for i := range shards {
		sh, err := atomix.NewShard(atomix.Config{ID: atomix.ShardID(i), Store: stores[i], Verifier: verifier})
		must(err)
		shards[i] = sh
	}
	tx := atomix.Tx{
		Inputs: []atomix.Input{
			{Shard: 0, Kind: atomix.KindAccount, Object: alice, Amount: 30},
			{Shard: 1, Kind: atomix.KindAccount, Object: carol, Amount: 20},
		},
		Outputs: []atomix.Output{{Shard: 1, Kind: atomix.KindAccount, Object: bob, Amount: 50}},
	}
	must(shards[0].Step(atomix.Message{Type: atomix.MsgLock, Tx: tx, Attempt: 1}))

	var height uint64
	for busy := true; busy; {
		busy = false
		for _, sh := range shards {
			for sh.HasReady() {
				busy = true
				rd := sh.Ready()
				for _, v := range rd.Certify {
					height++
					fmt.Printf("shard %d votes %s\n", sh.ID(), v.Decision)
					must(sh.Certified(certs.Prove(v, sh.Epoch(), height)))
				}
				for _, a := range rd.Applied {
					fmt.Printf("shard %d applies %s\n", sh.ID(), a.Outcome)
				}
				for _, env := range rd.Messages {
					_ = shards[env.To].Step(env.Msg)
				}
			}
		}
	}
	for _, o := range []struct {
		name  string
		shard int
		id    common.Hash
	}{{"alice", 0, alice}, {"carol", 1, carol}, {"bob", 1, bob}} {
		obj, _, err := atomix.GetObject(stores[o.shard], o.id)
		must(err)
		fmt.Printf("%s: %d\n", o.name, obj.Value)
	}
	// Output:
	// shard 0 votes accept
	// shard 1 votes accept
	// shard 1 applies commit
	// shard 0 applies commit
	// alice: 70
	// carol: 0
	// bob: 50
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
