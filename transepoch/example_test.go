package transepoch_test

import (
	"fmt"

	"github.com/iostkit/iostkit/transepoch"
)

// Plan a transition in which four of a shard's sixteen validators are
// replaced, then drive the shard's machine through the node's interfaces
// (here the in-memory ones) until every newcomer has bootstrapped.
func Example() {
	var old, next []transepoch.Member
	for i := range 16 {
		old = append(old, transepoch.Member{ID: fmt.Sprintf("a%02d", i), Weight: 1})
	}
	next = append(next, old[4:]...)
	for i := range 4 {
		next = append(next, transepoch.Member{ID: fmt.Sprintf("n%02d", i), Weight: 1})
	}
	cfg := transepoch.Config{Delta: 2}
	plan, err := transepoch.NewPlan(
		transepoch.Assignment{Epoch: 7, Shards: [][]transepoch.Member{old}},
		transepoch.Assignment{Epoch: 8, Shards: [][]transepoch.Member{next}},
		[]byte("epoch 8 randomness"), cfg)
	if err != nil {
		panic(err)
	}
	sp := plan.Shards[0]
	fmt.Printf("k = ⌊log₂ 16⌋ = %d, headroom at β = %s: ", transepoch.BatchSize(16), plan.Faulty)
	room, _ := transepoch.Headroom(16, plan.Faulty)
	fmt.Println(room)
	fmt.Println("batches:", len(sp.Batches))

	node := &transepoch.Memory{}
	m, err := transepoch.NewMachine(sp, cfg)
	if err != nil {
		panic(err)
	}
	d, err := transepoch.NewDriver(m, transepoch.Deps{Bootstrapper: node, Sync: node, Sink: node, Resharer: node})
	if err != nil {
		panic(err)
	}
	for tick := 1; !m.Done(); tick++ {
		// Newcomers finish their state sync one tick after being asked.
		for _, id := range node.Bootstrapped {
			node.MarkSynced(id)
		}
		if err := d.Tick(); err != nil {
			panic(err)
		}
	}
	fmt.Println("committees handed to consensus:", len(node.Committees))
	fmt.Println("reshares:", len(node.Reshares))
	fmt.Println("final size:", len(node.Current().Members), "contains n00:", node.Current().Contains("n00"))
	// Output:
	// k = ⌊log₂ 16⌋ = 4, headroom at β = 1/5: 2
	// batches: 2
	// committees handed to consensus: 3
	// reshares: 2
	// final size: 16 contains n00: true
}

// Drive a Machine by hand, as a node that handles Ready itself does: tick
// by finalized block height, feed the sync reports the blocks carry, and
// carry out each Ready.
func ExampleMachine() {
	old := []transepoch.Member{}
	for i := range 13 {
		old = append(old, transepoch.Member{ID: fmt.Sprintf("a%02d", i), Weight: 1})
	}
	next := append(append([]transepoch.Member{}, old[1:]...), transepoch.Member{ID: "new", Weight: 1})
	plan, err := transepoch.NewPlan(
		transepoch.Assignment{Epoch: 1, Shards: [][]transepoch.Member{old}},
		transepoch.Assignment{Epoch: 2, Shards: [][]transepoch.Member{next}},
		[]byte("rnd"), transepoch.Config{})
	if err != nil {
		panic(err)
	}
	m, err := transepoch.NewMachine(plan.Shards[0], transepoch.Config{})
	if err != nil {
		panic(err)
	}
	for height := uint64(1); !m.Done(); height++ {
		if height == 3 { // the newcomer's SyncReport is finalized in block 3
			report := transepoch.SyncReport{Epoch: 2, Shard: 0, Validator: "new", MSBHeight: 0, Height: 3}
			decoded, err := transepoch.DecodeSyncReport(report.Encode())
			if err != nil {
				panic(err)
			}
			if err := m.Step(decoded.Event()); err != nil {
				panic(err)
			}
		}
		m.Tick()
		r := m.Ready()
		if r.Committee != nil {
			fmt.Printf("block %d: committee v%d of %d, bootstrap %v, released %v\n",
				height, r.Committee.Version, len(r.Committee.Members), r.Bootstrap, r.Released)
		}
		if r.Reshare != nil {
			fmt.Printf("block %d: reshare to %d members, done %v\n", height, len(r.Reshare.To.Members), r.Done)
		}
	}
	// Output:
	// block 1: committee v1 of 13, bootstrap [new], released [a00]
	// block 3: reshare to 13 members, done true
}
