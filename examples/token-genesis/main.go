// Command token-genesis builds the default IOST genesis on an in-memory
// store and walks through the token economics: the allocation table, a
// transfer with a fee, a vesting unlock, bonding and slashing with
// compensation, Servi issue and clearing, and a fee distribution, checking
// the supply invariants after each step.
package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/token"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "token-genesis:", err)
		os.Exit(1)
	}
}

func run() error {
	named := func(s string) common.Address { return common.BytesToAddress([]byte(s)) }
	sale, foundation, community, team, early := named("sale"), named("foundation"), named("community"), named("team"), named("early")
	alice, bob, validator := named("alice"), named("bob"), named("validator")
	all := []common.Address{sale, foundation, community, team, early, alice, bob, validator}

	ledger, err := token.NewLedger(token.NewMemStore(), token.Config{UnbondingPeriod: 10})
	if err != nil {
		return err
	}
	g := token.DefaultGenesis(sale, foundation, community, team, early)
	if err := ledger.Genesis(g); err != nil {
		return err
	}
	fmt.Printf("IOST genesis: cap %s IOST, %d decimals\n\n", token.Cap, token.Decimals)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "bucket\tIOST\tshare\tvesting\t")
	for _, a := range g.Allocations {
		bp, _ := a.Amount.MulDiv(10_000, uint64(token.Cap))
		vest := "-"
		if a.Vesting.Total > 0 {
			vest = fmt.Sprintf("cliff %d, linear over %d blocks", a.Vesting.Cliff, a.Vesting.Duration)
		}
		fmt.Fprintf(w, "%s\t%s\t%d.%02d%%\t%s\t\n", a.Name, a.Amount, bp/100, bp%100, vest)
	}
	if err := w.Flush(); err != nil {
		return err
	}

	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := ledger.Audit(all); err != nil {
			return fmt.Errorf("after %s: %w", what, err)
		}
		s, _ := ledger.Supply()
		fmt.Printf("%-52s supply %s IOST (burned %s), fee pool %s\n", what, s.Expected(), s.Burned, s.FeePool)
		return nil
	}
	fmt.Println()
	fee, _ := token.ParseAmount("0.5")
	if err := step("sale → alice 1000 IOST, fee 0.5", ledger.Transfer(token.Transfer{From: sale, To: alice, Amount: token.IOST(1000), Fee: fee}, 1)); err != nil {
		return err
	}
	if err := ledger.Transfer(token.Transfer{From: team, To: bob, Amount: token.IOST(1)}, 2); err != nil {
		fmt.Printf("%-52s refused: %v\n", "team → bob before the cliff", err)
	}
	if err := step("team → bob 1 IOST after the cliff", ledger.Transfer(token.Transfer{From: team, To: bob, Amount: token.IOST(1)}, token.DefaultTeamCliff)); err != nil {
		return err
	}
	if err := step("sale → validator 500 IOST", ledger.Transfer(token.Transfer{From: sale, To: validator, Amount: token.IOST(500), Nonce: 1}, 3)); err != nil {
		return err
	}
	if err := step("validator bonds 400 IOST", ledger.Bond(validator, token.IOST(400), 4)); err != nil {
		return err
	}
	if err := step("validator earns 50 Servi for a review", ledger.IssueServi(token.Contribution{Account: validator, Kind: token.ContributionReview, Amount: token.IOST(50)})); err != nil {
		return err
	}
	if err := ledger.TransferServi(validator, alice, token.IOST(1)); err != nil {
		fmt.Printf("%-52s refused: %v\n", "validator → alice 1 Servi", err)
	}
	res, err := ledger.Slash(validator, []token.Payout{{To: alice, Amount: token.IOST(25)}})
	if err := step("validator slashed, alice compensated 25 IOST", err); err != nil {
		return err
	}
	fmt.Printf("%-52s seized %s, paid %d, burned %s, servi cleared %s\n", "", res.Seized, len(res.Paid), res.Burned, res.Servi)
	share, err := ledger.DistributeFees([]common.Address{bob, alice})
	if err := step(fmt.Sprintf("fees distributed (%s IOST each)", share), err); err != nil {
		return err
	}
	fmt.Println("\nall invariants held: supply ≤ cap, conservation, no negative balance, Servi never moved")
	return nil
}
