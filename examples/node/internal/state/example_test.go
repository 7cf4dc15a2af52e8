package state_test

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/iostkit/iostkit/token"
)

// A block's ledger operations run on an Overlay; its sorted write set is
// committed to the backend as one version.
func Example() {
	backend := state.NewMem()
	o := state.NewOverlay(backend)
	ledger, _ := token.NewLedger(o, token.Config{})
	alice, bob := common.Address{1}, common.Address{2}
	_ = ledger.GenesisPartial(token.GenesisConfig{Allocations: []token.Allocation{
		{Name: "all", Address: alice, Amount: token.Cap},
	}}, func(common.Address) bool { return true })
	_ = ledger.Transfer(token.Transfer{From: alice, To: bob, Amount: token.IOST(5)}, 1)
	fmt.Println(len(o.Writes()) > 0, backend.Version())

	if _, err := backend.Commit(state.Meta{}, o.Writes()); err != nil {
		panic(err)
	}
	committed, _ := token.NewLedger(state.NewOverlay(backend), token.Config{})
	bal, _ := committed.Balance(bob)
	fmt.Println(bal, backend.Version())
	// Output:
	// true 0
	// 5 1
}
