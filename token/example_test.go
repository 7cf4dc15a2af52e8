package token_test

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/token"
)

func Example() {
	sale := common.HexToAddress("0x01")
	foundation := common.HexToAddress("0x02")
	community := common.HexToAddress("0x03")
	team := common.HexToAddress("0x04")
	early := common.HexToAddress("0x05")
	alice := common.HexToAddress("0xa11ce")

	ledger, err := token.NewLedger(token.NewMemStore(), token.Config{})
	if err != nil {
		panic(err)
	}
	if err := ledger.Genesis(token.DefaultGenesis(sale, foundation, community, team, early)); err != nil {
		panic(err)
	}
	// The sale bucket pays alice 1,000 IOST with a 0.01 IOST fee.
	fee, _ := token.ParseAmount("0.01")
	err = ledger.Transfer(token.Transfer{From: sale, To: alice, Amount: token.IOST(1000), Fee: fee, Nonce: 0}, 1)
	fmt.Println("transfer:", err)
	bal, _ := ledger.Balance(alice)
	fmt.Println("alice:", bal, "IOST")

	// The team's share is vested: nothing moves before the cliff.
	err = ledger.Transfer(token.Transfer{From: team, To: alice, Amount: token.IOST(1)}, 2)
	fmt.Println("team before cliff:", err != nil)

	// Servi cannot be transferred, by any path.
	fmt.Println(ledger.TransferServi(alice, sale, 1) != nil)

	s, _ := ledger.Supply()
	fmt.Println("supply:", s.Expected(), "IOST, fee pool:", s.FeePool)
	// Output:
	// transfer: <nil>
	// alice: 1000 IOST
	// team before cliff: true
	// true
	// supply: 21000000000 IOST, fee pool: 0.01
}
