package token

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
)

// Bond moves amount of addr's spendable balance into bonded stake at height h.
// Bonded stake counts towards believability and is what Slash seizes.
func (l *Ledger) Bond(addr common.Address, amount Amount, h uint64) error {
	if amount == 0 {
		return fmt.Errorf("bond %s: %w", addr, ErrZeroAmount)
	}
	a, err := l.Account(addr)
	if err != nil {
		return fmt.Errorf("bond: %w", err)
	}
	if sp := a.Spendable(h); sp < amount {
		return fmt.Errorf("bond %s: %w: spendable %s, need %s", addr, ErrInsufficientFunds, sp, amount)
	}
	if a.Bonded, err = a.Bonded.Add(amount); err != nil {
		return fmt.Errorf("bond %s: %w", addr, err)
	}
	a.Balance -= amount
	var w write
	w.put(addr, a)
	return l.apply(w)
}

// Unbond starts returning amount of addr's bonded stake: it stops counting as
// stake now (but can still be slashed) and can be withdrawn from height
// h+UnbondingPeriod on.
func (l *Ledger) Unbond(addr common.Address, amount Amount, h uint64) error {
	if amount == 0 {
		return fmt.Errorf("unbond %s: %w", addr, ErrZeroAmount)
	}
	a, err := l.Account(addr)
	if err != nil {
		return fmt.Errorf("unbond: %w", err)
	}
	if a.Bonded < amount {
		return fmt.Errorf("unbond %s: %w: bonded %s, asked %s", addr, ErrInsufficientStake, a.Bonded, amount)
	}
	if h > ^uint64(0)-l.cfg.UnbondingPeriod {
		return fmt.Errorf("unbond %s: %w: height %d", addr, ErrOverflow, h)
	}
	a.Bonded -= amount
	a.Unbonding = append(a.Unbonding, Unbonding{Amount: amount, Release: h + l.cfg.UnbondingPeriod})
	var w write
	w.put(addr, a)
	return l.apply(w)
}

// Withdraw returns every unbonding entry of addr that has matured by height h
// to its balance, and reports how much that was. With nothing matured it
// returns ErrNothingToWithdraw.
func (l *Ledger) Withdraw(addr common.Address, h uint64) (Amount, error) {
	a, err := l.Account(addr)
	if err != nil {
		return 0, fmt.Errorf("withdraw: %w", err)
	}
	var got Amount
	kept := a.Unbonding[:0:0]
	for _, u := range a.Unbonding {
		if u.Release <= h {
			got += u.Amount
		} else {
			kept = append(kept, u)
		}
	}
	if got == 0 {
		return 0, fmt.Errorf("withdraw %s: %w", addr, ErrNothingToWithdraw)
	}
	if a.Balance, err = a.Balance.Add(got); err != nil {
		return 0, err
	}
	a.Unbonding = kept
	var w write
	w.put(addr, a)
	return got, l.apply(w)
}

// Payout is a compensation paid out of slashed stake.
type Payout struct {
	To     common.Address
	Amount Amount
}

// SlashResult reports what a Slash did.
type SlashResult struct {
	// Seized is all the stake taken: bonded plus unbonding.
	Seized Amount
	// Paid is what went to the compensations, in their order, until the
	// seized stake ran out.
	Paid []Payout
	// Burned is the rest of Seized, removed from the supply.
	Burned Amount
	// Servi is the reputation cleared.
	Servi Amount
}

// Slash is the hook consensus calls on proven misbehaviour (a fraud proof or
// equivocation evidence). It seizes all of the validator's stake, bonded and
// unbonding, and clears its Servi. The seized IOST first pays the
// compensations in order (the last one partly if the stake runs out; the
// rest get nothing; payouts to the validator itself are skipped) and the remainder is burned. Liquid balance is untouched:
// stake is the bond a validator puts at risk.
func (l *Ledger) Slash(validator common.Address, compensate []Payout) (SlashResult, error) {
	a, err := l.Account(validator)
	if err != nil {
		return SlashResult{}, fmt.Errorf("slash: %w", err)
	}
	sup, err := l.supply()
	if err != nil {
		return SlashResult{}, err
	}
	res := SlashResult{Seized: a.Bonded + a.UnbondingTotal(), Servi: a.Servi}
	a.Bonded, a.Unbonding, a.Servi = 0, nil, 0
	var w write
	w.put(validator, a)
	left := res.Seized
	for _, p := range compensate {
		if left == 0 {
			break
		}
		if p.Amount == 0 || p.To == validator { // a culprit is never its own victim
			continue
		}
		pay := min(p.Amount, left)
		to, ok := w.accounts[p.To]
		if !ok {
			if to, _, err = l.account(p.To); err != nil {
				return SlashResult{}, err
			}
		}
		if to.Balance, err = to.Balance.Add(pay); err != nil {
			return SlashResult{}, err
		}
		w.put(p.To, to)
		left -= pay
		res.Paid = append(res.Paid, Payout{To: p.To, Amount: pay})
	}
	res.Burned = left
	sup.Burned += left // left ≤ stake ≤ genesis total: no overflow
	w.supply = &sup
	return res, l.apply(w)
}
