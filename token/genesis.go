package token

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
)

// Allocation gives Amount to Address at genesis, of which Vesting.Total is
// locked by a vesting schedule (zero Vesting: all spendable at once).
type Allocation struct {
	Name    string
	Address common.Address
	Amount  Amount
	Vesting Vesting
}

// GenesisConfig lists the genesis allocations. They must add up to Cap
// exactly: IOST creates its whole supply at genesis and never mints again.
type GenesisConfig struct {
	Allocations []Allocation
}

// Share is one bucket of the default genesis split, in basis points of Cap.
type Share struct {
	Name        string
	BasisPoints uint64
}

// DefaultSplit is the IOST genesis split: 40% sale, 35% foundation, 12.5%
// community, 10% team, 2.5% early investors and advisors.
var DefaultSplit = []Share{
	{"sale", 4000},
	{"foundation", 3500},
	{"community", 1250},
	{"team", 1000},
	{"early-investors-advisors", 250},
}

// Default team vesting: a one-year cliff and four years of linear release,
// counted in blocks of one second.
const (
	DefaultTeamCliff    = 365 * 24 * 3600
	DefaultTeamDuration = 4 * 365 * 24 * 3600
)

// DefaultGenesis returns the IOST split over the five given addresses, in the
// order of DefaultSplit, with the team share fully under the default vesting
// schedule from height 0.
func DefaultGenesis(sale, foundation, community, team, early common.Address) GenesisConfig {
	addrs := []common.Address{sale, foundation, community, team, early}
	g := GenesisConfig{}
	for i, s := range DefaultSplit {
		amt := (Cap / 10_000) * Amount(s.BasisPoints) // Cap is a multiple of 10,000
		a := Allocation{Name: s.Name, Address: addrs[i], Amount: amt}
		if s.Name == "team" {
			a.Vesting = Vesting{Total: amt, Cliff: DefaultTeamCliff, Duration: DefaultTeamDuration}
		}
		g.Allocations = append(g.Allocations, a)
	}
	return g
}

// Validate checks that the allocations are well formed and add up to Cap
// exactly. Every problem is reported wrapping ErrBadGenesis.
func (g GenesisConfig) Validate() error {
	if len(g.Allocations) == 0 {
		return fmt.Errorf("%w: no allocations", ErrBadGenesis)
	}
	seen := map[common.Address]string{}
	var sum Amount
	for i, a := range g.Allocations {
		if a.Address == (common.Address{}) {
			return fmt.Errorf("%w: allocation %d (%q) has the zero address", ErrBadGenesis, i, a.Name)
		}
		if prev, dup := seen[a.Address]; dup {
			return fmt.Errorf("%w: address %s allocated twice (%q and %q)", ErrBadGenesis, a.Address, prev, a.Name)
		}
		seen[a.Address] = a.Name
		if a.Amount == 0 {
			return fmt.Errorf("%w: allocation %q is zero", ErrBadGenesis, a.Name)
		}
		if a.Vesting.Total > a.Amount {
			return fmt.Errorf("%w: allocation %q vests %s of %s", ErrBadGenesis, a.Name, a.Vesting.Total, a.Amount)
		}
		if err := a.Vesting.validate(); err != nil {
			return fmt.Errorf("allocation %q: %w", a.Name, err)
		}
		var err error
		if sum, err = sum.Add(a.Amount); err != nil {
			return fmt.Errorf("%w: allocations overflow: %v", ErrBadGenesis, err)
		}
	}
	if sum != Cap {
		return fmt.Errorf("%w: allocations sum to %s IOST, cap is %s IOST", ErrBadGenesis, sum, Cap)
	}
	return nil
}

// Genesis creates the supply described by g. It runs once per store: a second
// call returns ErrGenesisDone, and an invalid config ErrBadGenesis; neither
// writes anything.
func (l *Ledger) Genesis(g GenesisConfig) error {
	if err := g.Validate(); err != nil {
		return err
	}
	switch _, err := l.supply(); {
	case err == nil:
		return ErrGenesisDone
	case err != ErrNoGenesis:
		return err
	}
	var w write
	for _, a := range g.Allocations {
		w.put(a.Address, Account{Balance: a.Amount, Vesting: a.Vesting})
	}
	w.supply = &supply{Genesis: Cap}
	return l.apply(w)
}

// GenesisPartial applies only the allocations whose address satisfies keep,
// and records their sum as this store's genesis total. A sharded chain calls
// it once per shard with the shard's own accounts, so every account lives on
// exactly one shard and the shards' genesis totals add up to Cap. The config
// must still be valid as a whole.
func (l *Ledger) GenesisPartial(g GenesisConfig, keep func(common.Address) bool) error {
	if err := g.Validate(); err != nil {
		return err
	}
	switch _, err := l.supply(); {
	case err == nil:
		return ErrGenesisDone
	case err != ErrNoGenesis:
		return err
	}
	var w write
	var local Amount
	for _, a := range g.Allocations {
		if keep(a.Address) {
			w.put(a.Address, Account{Balance: a.Amount, Vesting: a.Vesting})
			local += a.Amount // the whole config sums to Cap, so no overflow
		}
	}
	w.supply = &supply{Genesis: local}
	return l.apply(w)
}
