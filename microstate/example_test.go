package microstate_test

import (
	"context"
	"fmt"

	ics23 "github.com/cosmos/ics23/go"
	"github.com/iostkit/iostkit/microstate"
)

// A shard commits blocks through a working set (the token ledger's Store),
// gets a commitment per block and an MSB every two blocks, and proves an
// account's balance at the MSB with a stock ICS-23 verifier.
func Example() {
	ctx := context.Background()
	s, err := microstate.Open(ctx, microstate.Config{Backend: microstate.BackendMemDB, ChainID: "iost", Shard: 0, MSBInterval: 2})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	for h := uint64(1); h <= 2; h++ {
		ws := s.Begin()
		_ = ws.Set([]byte("balance/alice"), []byte(fmt.Sprint(100*h)))
		_ = ws.Set([]byte("balance/bob"), []byte(fmt.Sprint(5*h)))
		res, err := s.Commit(ctx, ws, microstate.BlockInfo{Height: h, Epoch: 1})
		if err != nil {
			panic(err)
		}
		fmt.Printf("block %d: %d writes, MSB: %v\n", h, res.Block.Writes, res.MSB != nil)
	}

	msb, _ := s.LatestMSB()
	p, err := s.Prove([]byte("balance/alice"), msb.Header.Number)
	if err != nil {
		panic(err)
	}
	ok := ics23.VerifyMembership(ics23.IavlSpec, msb.Header.StateRoot, p.Proof, p.Key, p.Value)
	fmt.Printf("MSB %d at height %d: alice has %s, proof ok: %v\n", msb.Header.Number, msb.Header.Height, p.Value, ok)

	p, _ = s.Prove([]byte("balance/carol"), 0)
	ok = ics23.VerifyNonMembership(ics23.IavlSpec, msb.Header.StateRoot, p.Proof, p.Key)
	fmt.Printf("carol has no balance, proof ok: %v\n", ok)
	// Output:
	// block 1: 2 writes, MSB: false
	// block 2: 2 writes, MSB: true
	// MSB 1 at height 2: alice has 200, proof ok: true
	// carol has no balance, proof ok: true
}
